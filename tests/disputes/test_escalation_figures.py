"""The statistics' escalation figures (GET /stats/summary → escalations): disputes sent up to the
town committee, 督办 steps and overdue disputes, in the caller's scope. "Overdue" is the same
everywhere: the figure, the answers' ``overdue``, the ``overdue=true`` list and 督办."""
from datetime import datetime, timezone

from tests.disputes.conftest import (API, HEAD_A, L3_A, L3_B, MED_A2, VILLAGE_B, acted, cli,
                                     drive, get, intaken, listed_ids, make_overdue)

PEOPLE = ("center01", L3_A, L3_B, HEAD_A)
NO_INCIDENTS = {"supervised_incidents": 0, "overdue_incidents": 0}  # disputes only here


def escalations(client, auth, username):
    response = client.get(f"{API}/stats/summary", headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["escalations"]


def all_figures(client, auth):
    return {username: escalations(client, auth, username) for username in PEOPLE}


def grown(before, after):
    return {username: {name: after[username][name] - before[username][name]
                       for name in after[username]} for username in after}


def test_escalation_figures_count_in_scope_with_one_meaning_of_overdue(client, auth, app):
    before = all_figures(client, auth)
    late = intaken(client, auth)
    intaken(client, auth)  # on time
    owes_visit, visited, referred = (intaken(client, auth) for _ in range(3))
    drive(client, auth, owes_visit["id"], "closed")
    drive(client, auth, visited["id"], "closed")
    acted(client, auth, MED_A2, visited["id"], "follow-ups",
          {"visited_at": datetime.now(timezone.utc).isoformat(), "performed": True,
           "satisfaction": 5})
    drive(client, auth, referred["id"], "referred")
    elsewhere = intaken(client, auth, village_code=VILLAGE_B)
    sent_up = intaken(client, auth)
    acted(client, auth, HEAD_A, sent_up["id"], "escalate", {"reason": "涉及面广，请镇调委会调解"})
    # A referred case has nothing left to do, whatever its due_at says.
    for dispute in (late, owes_visit, referred, elsewhere):
        make_overdue(dispute["id"], days=3)
    overdue_ids = {late["id"], owes_visit["id"]}

    result = cli(app, "supervise")
    assert result.exit_code == 0, result.output
    assert "督办 3 件" in result.output, result.output

    change = grown(before, all_figures(client, auth))
    assert change["center01"] == {"escalated_to_town": 1, "supervised": 3, "overdue_disputes": 3,
                                  **NO_INCIDENTS}
    assert change[L3_A] == {"escalated_to_town": 1, "supervised": 2, "overdue_disputes": 2,
                              **NO_INCIDENTS}
    assert change[L3_B] == {"escalated_to_town": 0, "supervised": 1, "overdue_disputes": 1,
                              **NO_INCIDENTS}
    assert change[HEAD_A]["overdue_disputes"] == 2 and change[HEAD_A]["supervised"] == 2
    for username, ids in (("center01", overdue_ids | {elsewhere["id"]}), (L3_A, overdue_ids),
                          (L3_B, {elsewhere["id"]})):
        listed = set(listed_ids(client, auth, username, overdue="true"))
        assert ids <= listed, username
        assert not listed & {visited["id"], referred["id"], sent_up["id"]}, username
        assert all(get(client, auth, username, i).get_json()["overdue"] for i in ids), username
    assert get(client, auth, L3_A, referred["id"]).get_json()["overdue"] is False

    # The late visit ends it: no longer overdue in the figure, the list or the answer.
    acted(client, auth, MED_A2, owes_visit["id"], "follow-ups",
          {"visited_at": datetime.now(timezone.utc).isoformat(), "performed": True,
           "satisfaction": 3})
    after_visit = grown(before, all_figures(client, auth))
    assert after_visit[L3_A]["overdue_disputes"] == 1
    assert after_visit[L3_A]["supervised"] == 2  # steps taken stay counted
    assert owes_visit["id"] not in listed_ids(client, auth, L3_A, overdue="true")
    assert get(client, auth, L3_A, owes_visit["id"]).get_json()["overdue"] is False
