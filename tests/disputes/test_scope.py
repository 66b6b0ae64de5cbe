"""Who sees a dispute (the case, the list, the record), the list filters, and notifications."""
from datetime import datetime, timedelta, timezone

from tests.disputes.conftest import (API, HEAD_A, HEAD_B, L2_A, L2_B, L3_A, L3_B, L4_A1, L4_A2,
                                     L4_B1, MED_A2, MED_A3, MED_B2, TOWN_HEAD, TOWN_MED2, VILLAGE_A,
                                     VILLAGE_B, acted, assert_problem, drive, get, intaken,
                                     listed_ids, make_overdue, now_iso, reported, village_id)

AREA = (L4_A1, L3_A, L2_A, "l1-01", "l1-02", "center01", "center02", "admin")
VILLAGE_MEDIATORS = (HEAD_A, MED_A2, MED_A3)
TOWN_MEDIATORS = (TOWN_HEAD, TOWN_MED2, "med-town-5")
OTHERS = (L3_B, L4_B1, L4_A2, L2_B, HEAD_B, MED_B2, f"med-{VILLAGE_B}-3")


def events(client, auth, username, dispute_id):
    return client.get(f"{API}/disputes/{dispute_id}/events", headers=auth.headers(username))


def assert_sees(client, auth, usernames, dispute_id):
    for username in usernames:
        shown = get(client, auth, username, dispute_id)
        assert shown.status_code == 200, (username, shown.get_json())
        assert shown.get_json()["id"] == dispute_id
        record = events(client, auth, username, dispute_id)
        assert record.status_code == 200, (username, record.get_json())
        assert record.get_json()["items"][0]["action"] == "register"
        assert dispute_id in listed_ids(client, auth, username), username
        assert dispute_id in listed_ids(client, auth, username,
                                        updated_after="2000-01-01T00:00:00+08:00"), username


def assert_blind(client, auth, usernames, dispute_id):
    for username in usernames:
        assert_problem(get(client, auth, username, dispute_id), 404, "not_found")
        assert_problem(events(client, auth, username, dispute_id), 404, "not_found")
        for part in ("sessions", "follow-ups", "documents", "documents/1", "file"):  # 卷宗
            assert_problem(client.get(f"{API}/disputes/{dispute_id}/{part}",
                                      headers=auth.headers(username)), 404, "not_found")
        assert dispute_id not in listed_ids(client, auth, username), username
        assert dispute_id not in listed_ids(client, auth, username,  # a phone's sync
                                            updated_after="2000-01-01T00:00:00+08:00"), username


def test_who_sees_a_village_dispute_before_and_after_escalation(client, auth):
    _, dispute = reported(client, auth, L4_A1)
    dispute_id = dispute["id"]
    assert_sees(client, auth, AREA + VILLAGE_MEDIATORS, dispute_id)
    assert_blind(client, auth, OTHERS + TOWN_MEDIATORS, dispute_id)

    drive(client, auth, dispute_id, "mediating")
    acted(client, auth, HEAD_A, dispute_id, "escalate", {"reason": "请镇调委会调解"})
    # The town committee now sees it; the village committee keeps seeing what it handled.
    assert_sees(client, auth, AREA + VILLAGE_MEDIATORS + TOWN_MEDIATORS, dispute_id)
    assert_blind(client, auth, OTHERS, dispute_id)
    # The committee filter follows the committee that has the case now.
    town_committee = get(client, auth, TOWN_HEAD, dispute_id).get_json()["committee"]["id"]
    assert dispute_id in listed_ids(client, auth, MED_A3, committee_id=town_committee)


def test_a_town_dispute_is_hidden_from_other_committees(client, auth):
    serious = intaken(client, auth, "center01", VILLAGE_A, serious=True)
    assert serious["committee"]["level"] == "town"
    assert_sees(client, auth, (L3_A, L2_A, "l1-01", "center01") + TOWN_MEDIATORS, serious["id"])
    # Never routed to the village committee: its mediators have no business with it.
    assert_blind(client, auth, VILLAGE_MEDIATORS + OTHERS, serious["id"])


def test_the_reporter_and_a_cross_village_dispute(client, auth):
    # A level-4 worker sees a dispute in their grid that someone else reported ...
    _, theirs = reported(client, auth, L3_A, grid_code=L4_A1[3:])
    assert_sees(client, auth, (L4_A1,), theirs["id"])
    assert_blind(client, auth, (L4_A2,), theirs["id"])
    # ... and a cross-village dispute is seen in each village involved.
    both = intaken(client, auth, "center01", VILLAGE_A,
                   village_ids=[village_id(VILLAGE_A), village_id(VILLAGE_B)])
    assert_sees(client, auth, (L3_A, L3_B, L2_A, L2_B) + TOWN_MEDIATORS, both["id"])
    assert_blind(client, auth, (L4_A2, "l3-441403116202", "l2-05", HEAD_A, HEAD_B), both["id"])


def test_assigned_to_me_and_overdue_filters(client, auth):
    mine = intaken(client, auth)
    theirs = intaken(client, auth)
    drive(client, auth, mine["id"], "mediating", mediator=MED_A2)
    drive(client, auth, theirs["id"], "mediating", mediator=MED_A3)
    declined = intaken(client, auth)
    drive(client, auth, declined["id"], "declined")

    assert set(listed_ids(client, auth, MED_A2)) >= {mine["id"], theirs["id"]}
    assert listed_ids(client, auth, MED_A2, assigned_to="me") == [mine["id"]]
    assert listed_ids(client, auth, MED_A3, assigned_to="me") == [theirs["id"]]
    assert listed_ids(client, auth, HEAD_A, assigned_to="me") == []
    assert listed_ids(client, auth, "center01", assigned_to="me") == []
    assert_problem(client.get(f"{API}/disputes", query_string={"assigned_to": "you"},
                              headers=auth.headers(MED_A2)), 422, "validation_failed")

    assert listed_ids(client, auth, "center01", overdue="true") == []
    make_overdue(theirs["id"])
    for username in ("center01", HEAD_A, MED_A2, L3_A):
        assert listed_ids(client, auth, username, overdue="true") == [theirs["id"]], username
        not_late = listed_ids(client, auth, username, overdue="false")
        assert {mine["id"], declined["id"]} <= set(not_late) and theirs["id"] not in not_late
    assert listed_ids(client, auth, MED_A2, overdue="true", assigned_to="me") == []
    assert listed_ids(client, auth, MED_A3, overdue="true", assigned_to="me") == [theirs["id"]]
    assert listed_ids(client, auth, HEAD_B, overdue="true") == []
    assert listed_ids(client, auth, L3_B, overdue="true") == []
    assert get(client, auth, HEAD_A, theirs["id"]).get_json()["overdue"] is True
    assert get(client, auth, HEAD_A, mine["id"]).get_json()["overdue"] is False
    listed = client.get(f"{API}/disputes", headers=auth.headers(HEAD_A)).get_json()["items"]
    assert {item["id"]: item["overdue"] for item in listed}[theirs["id"]] is True
    assert all("due_at" in item and "overdue" in item for item in listed)


def test_the_overdue_filter_agrees_with_the_overdue_flag(client, auth):
    """A closed agreement still owes its return visit: overdue in the list as in the answer."""
    closed = intaken(client, auth)
    drive(client, auth, closed["id"], "closed")
    make_overdue(closed["id"])
    for username in ("center01", HEAD_A):
        flags = {item["id"]: item["overdue"] for item in client.get(
            f"{API}/disputes", headers=auth.headers(username)).get_json()["items"]}
        late = set(listed_ids(client, auth, username, overdue="true"))
        not_late = set(listed_ids(client, auth, username, overdue="false"))
        assert late == {i for i, flag in flags.items() if flag} == {closed["id"]}
        assert not_late == {i for i, flag in flags.items() if not flag}
    acted(client, auth, MED_A3, closed["id"], "follow-ups",
          {"visited_at": now_iso(), "performed": True, "satisfaction": 4})
    assert get(client, auth, HEAD_A, closed["id"]).get_json()["overdue"] is False
    assert listed_ids(client, auth, HEAD_A, overdue="true") == []
    assert closed["id"] in listed_ids(client, auth, HEAD_A, overdue="false")


def test_list_pages_and_other_filters(client, auth):
    ids = [intaken(client, auth)["id"] for _ in range(3)]
    drive(client, auth, ids[0], "accepted")
    first = client.get(f"{API}/disputes", query_string={"limit": 2}, headers=auth.headers(HEAD_A))
    page = first.get_json()
    assert [item["id"] for item in page["items"]] == ids[::-1][:2] and page["next_cursor"]
    rest = client.get(f"{API}/disputes", query_string={"limit": 2, "cursor": page["next_cursor"]},
                      headers=auth.headers(HEAD_A)).get_json()
    assert [item["id"] for item in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    assert listed_ids(client, auth, HEAD_A, status="accepted") == [ids[0]]
    assert listed_ids(client, auth, HEAD_A, status="received") == ids[:0:-1]


def notifications(client, auth, username, **query):
    response = client.get(f"{API}/me/notifications", query_string=query,
                          headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_notifications_are_their_owners_only(client, auth):
    _, dispute = reported(client, auth, L4_A1)
    drive(client, auth, dispute["id"], "mediating")
    [routed] = notifications(client, auth, HEAD_A)
    assert routed["kind"] == "dispute_routed" and routed["dispute_id"] == dispute["id"]
    assert routed["read_at"] is None and routed["title"] and routed["body"]
    [assigned] = notifications(client, auth, MED_A2)
    assert assigned["kind"] == "dispute_assigned" and assigned["dispute_id"] == dispute["id"]
    assert notifications(client, auth, MED_A3) == []
    assert notifications(client, auth, HEAD_B) == []
    assert notifications(client, auth, L4_A1) == []

    # Someone else's notification does not exist for you, and stays unread.
    for username in (HEAD_B, MED_A2, "admin", "center01"):
        response = client.post(f"{API}/me/notifications/{routed['id']}/read",
                               headers=auth.headers(username))
        assert_problem(response, 404, "not_found")
    assert notifications(client, auth, HEAD_A)[0]["read_at"] is None
    assert_problem(client.post(f"{API}/me/notifications/999999/read",
                               headers=auth.headers(HEAD_A)), 404, "not_found")
    assert_problem(client.post(f"{API}/me/notifications/{routed['id']}/read"), 401, "unauthorized")

    # Reading your own sets read_at, once.
    response = client.post(f"{API}/me/notifications/{routed['id']}/read",
                           headers=auth.headers(HEAD_A))
    assert response.status_code == 200, response.get_json()
    read_at = response.get_json()["read_at"]
    assert read_at and abs(datetime.fromisoformat(read_at) - datetime.now(timezone.utc)) < timedelta(
        minutes=2)
    again = client.post(f"{API}/me/notifications/{routed['id']}/read", headers=auth.headers(HEAD_A))
    assert again.status_code == 200 and again.get_json()["read_at"] == read_at
    assert notifications(client, auth, HEAD_A, unread="true") == []
    assert [n["id"] for n in notifications(client, auth, HEAD_A, unread="false")] == [routed["id"]]
    assert notifications(client, auth, MED_A2)[0]["read_at"] is None
