"""A closed petition's review (复查) and re-review (复核), 信访工作条例 arts. 35–36: asked for within
30 days of the answer, decided by the town within 30 days of the request, supervised when late;
the re-review's opinion is final."""
from datetime import datetime, timedelta, timezone

import pytest

from tests.disputes.conftest import cli
from tests.incidents.conftest import (API, GRID_A1, TOWN, VILLAGE_A, VILLAGE_B, act, acted,
                                      assert_problem, counts, drive, end_of, event_rows, execute,
                                      incident_row, make_overdue, reported, snapshot)

L3_A, L3_B = f"l3-{VILLAGE_A}", f"l3-{VILLAGE_B}"
L4_A1 = f"l4-{GRID_A1}"
GROUNDS = "信访人认为宅基地审批答复未说明依据，请求复查"


def due_30_days_after(answer, field):
    return end_of(datetime.fromisoformat(answer[field]).astimezone(TOWN).date()
                  + timedelta(days=30))


def closed_petition(client, auth):
    incident = reported(client, auth, "center01", category="petition", channel="walk_in",
                        description="群众反映宅基地审批久拖未办")
    return drive(client, auth, incident["id"], "closed", assignee=L3_A)


def test_a_review_then_a_re_review_each_decided_by_the_town(client, auth):
    petition = closed_petition(client, auth)
    iid = petition["id"]
    asked = acted(client, auth, "center01", iid, "request_review", note=GROUNDS)
    assert asked["status"] == "closed" and asked["review_requested_at"] == asked["updated_at"]
    assert datetime.fromisoformat(asked["due_at"]) == due_30_days_after(asked,
                                                                        "review_requested_at")
    assert asked["supervision_level"] == 4 and asked["version"] == petition["version"] + 1

    assert_problem(act(client, auth, "center01", iid, "request_review", note=GROUNDS), 409,
                   "invalid_transition")  # one review at a time
    before = snapshot(iid)
    assert_problem(act(client, auth, L3_A, iid, "decide_review", note="维持原处理意见"), 403,
                   "forbidden")  # the village that handled it does not review itself
    assert snapshot(iid) == before
    reviewed = acted(client, auth, "l1-01", iid, "decide_review", note="维持原处理意见")
    assert reviewed["review_decided_at"] == reviewed["updated_at"] and reviewed["due_at"] is None

    again = acted(client, auth, L3_A, iid, "request_review", note="信访人不服复查意见，请求复核")
    assert again["re_review_requested_at"] == again["updated_at"]
    assert again["review_requested_at"] == asked["review_requested_at"]
    assert datetime.fromisoformat(again["due_at"]) == due_30_days_after(
        again, "re_review_requested_at")
    final = acted(client, auth, "center01", iid, "decide_review", note="复核维持")
    assert final["re_review_decided_at"] == final["updated_at"] and final["due_at"] is None

    refused = act(client, auth, "center01", iid, "request_review", note=GROUNDS)
    assert "最终意见" in assert_problem(refused, 409, "invalid_transition")["detail"]
    entries = [(e.action, e.note) for e in event_rows(iid)][-4:]
    assert entries == [("review_requested", GROUNDS), ("review_decided", "维持原处理意见"),
                       ("re_review_requested", "信访人不服复查意见，请求复核"),
                       ("re_review_decided", "复核维持")]
    names = [e["action_name"] for e in client.get(
        f"{API}/incidents/{iid}/events", headers=auth.headers("center01")).get_json()["items"]]
    assert names[-4:] == ["请求复查", "复查意见", "请求复核", "复核意见"]


def test_the_town_is_told_a_review_awaits_its_opinion(client, auth):
    petition = closed_petition(client, auth)
    acted(client, auth, L3_A, petition["id"], "request_review", note=GROUNDS)
    for username in ("center01", "center02", "l1-01", "l1-02"):
        notes = client.get(f"{API}/me/notifications", headers=auth.headers(username)
                           ).get_json()["items"]
        told = [n for n in notes if n["kind"] == "incident_review_requested"]
        assert [n["incident_id"] for n in told] == [petition["id"]], username
        assert told[0]["title"].endswith("请求复查，待出具复查意见") and GROUNDS in told[0]["body"]
    assert [n for n in client.get(f"{API}/me/notifications", headers=auth.headers(L3_A)
                                  ).get_json()["items"]
            if n["kind"] == "incident_review_requested"] == []


def test_a_review_asked_for_after_30_days_is_refused(client, auth):
    petition = closed_petition(client, auth)
    long_ago = datetime.now(timezone.utc) - timedelta(days=32)
    execute("UPDATE incidents SET replied_at = :at, closed_at = :at WHERE id = :id",
            at=long_ago, id=petition["id"])
    before, stored = snapshot(petition["id"]), counts()
    late = act(client, auth, "center01", petition["id"], "request_review", note=GROUNDS)
    assert "已超过请求复查的期限" in assert_problem(late, 409, "invalid_transition")["detail"]
    assert snapshot(petition["id"]) == before and counts() == stored


def test_a_re_review_counts_its_30_days_from_the_review_opinion(client, auth):
    petition = closed_petition(client, auth)
    acted(client, auth, "center01", petition["id"], "request_review", note=GROUNDS)
    acted(client, auth, "center01", petition["id"], "decide_review", note="维持")
    execute("UPDATE incidents SET review_decided_at = :at WHERE id = :id",
            at=datetime.now(timezone.utc) - timedelta(days=32), id=petition["id"])
    late = act(client, auth, "center01", petition["id"], "request_review", note="请求复核")
    assert "已超过请求复核的期限" in assert_problem(late, 409, "invalid_transition")["detail"]
    assert incident_row(petition["id"]).re_review_requested_at is None


def test_a_request_that_came_by_letter_counts_from_its_arrival(client, auth):
    """Registered 35 days after the answer, a letter received on day 25 is in time; its review
    is due 30 days after the letter, not after the registration."""
    petition = closed_petition(client, auth)
    now = datetime.now(timezone.utc)
    execute("UPDATE incidents SET replied_at = :at, closed_at = :at WHERE id = :id",
            at=now - timedelta(days=35), id=petition["id"])
    arrived = (now - timedelta(days=10)).replace(microsecond=0)
    asked = acted(client, auth, "center01", petition["id"], "request_review", note=GROUNDS,
                  requested_at=arrived.isoformat())
    assert datetime.fromisoformat(asked["review_requested_at"]) == arrived
    assert datetime.fromisoformat(asked["due_at"]) == due_30_days_after(asked,
                                                                        "review_requested_at")
    assert event_rows(petition["id"])[-1].action == "review_requested"


@pytest.mark.parametrize("days_before_now, detail", [
    (-3, "收到时间应在"),             # in the future
    (40, "收到时间应在"),             # before the answer it asks to review
    (3, "已超过请求复查的期限"),       # 32 days after the answer: past its 30 days
])
def test_a_letter_outside_its_window_is_refused(client, auth, days_before_now, detail):
    petition = closed_petition(client, auth)
    now = datetime.now(timezone.utc)
    execute("UPDATE incidents SET replied_at = :at, closed_at = :at WHERE id = :id",
            at=now - timedelta(days=35), id=petition["id"])
    before, stored = snapshot(petition["id"]), counts()
    answer = act(client, auth, "center01", petition["id"], "request_review", note=GROUNDS,
                 requested_at=(now - timedelta(days=days_before_now)).isoformat())
    assert answer.status_code in (409, 422) and detail in str(answer.get_json())
    assert snapshot(petition["id"]) == before and counts() == stored


@pytest.mark.parametrize("case, username, action, body, status, code", [
    ("not a petition", "center01", "request_review", {"note": GROUNDS}, 409, "invalid_transition"),
    ("open petition", "center01", "request_review", {"note": GROUNDS}, 409, "invalid_transition"),
    ("closed petition", "center01", "decide_review", {"note": "维持"}, 409, "invalid_transition"),
    ("closed petition", "center01", "request_review", {"note": " "}, 422, "validation_failed"),
    ("closed petition", "center01", "request_review", {}, 422, "validation_failed"),
    ("closed petition", L4_A1, "request_review", {"note": GROUNDS}, 403, "forbidden"),
    ("closed petition", L3_B, "request_review", {"note": GROUNDS}, 404, "not_found"),
])
def test_a_review_step_that_may_not_be_taken_changes_nothing(client, auth, case, username,
                                                            action, body, status, code):
    if case == "not a petition":
        incident = drive(client, auth, reported(client, auth, L4_A1)["id"], "closed")
    elif case == "open petition":
        incident = reported(client, auth, "center01", category="petition", channel="walk_in",
                            description="群众反映路灯不亮")
    else:
        incident = closed_petition(client, auth)
    before, stored = snapshot(incident["id"]), counts()
    answer = act(client, auth, username, incident["id"], action, **body)
    problem = assert_problem(answer, status, code)
    if case == "not a petition":
        assert "只有信访事项可以" in problem["detail"]
    assert snapshot(incident["id"]) == before and counts() == stored


def test_an_overdue_review_is_supervised(client, auth, app):
    petition = closed_petition(client, auth)
    acted(client, auth, "center01", petition["id"], "request_review", note=GROUNDS)
    make_overdue(petition["id"])
    listed = client.get(f"{API}/incidents", headers=auth.headers(L3_A),
                        query_string={"overdue": "true"}).get_json()["items"]
    assert petition["id"] in [item["id"] for item in listed]
    assert f"{petition['number']}: 第4级 → 第3级" in cli(app, "supervise").output
    decided = acted(client, auth, "center01", petition["id"], "decide_review", note="维持")
    assert decided["due_at"] is None and decided["overdue"] is False


def petitions_figures(client, auth, username):
    answer = client.get(f"{API}/stats/summary", headers=auth.headers(username))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["petitions"]


def test_the_summary_counts_reviews_asked_for_in_scope(client, auth):
    before = {name: petitions_figures(client, auth, name) for name in ("center01", L3_B)}
    petition = closed_petition(client, auth)
    acted(client, auth, "center01", petition["id"], "request_review", note=GROUNDS)
    acted(client, auth, "center01", petition["id"], "decide_review", note="维持")
    acted(client, auth, "center01", petition["id"], "request_review", note="请求复核")
    town = petitions_figures(client, auth, "center01")
    assert (town["reviews_requested"], town["re_reviews_requested"]) == (
        before["center01"]["reviews_requested"] + 1,
        before["center01"]["re_reviews_requested"] + 1)
    assert petitions_figures(client, auth, L3_B) == before[L3_B]
