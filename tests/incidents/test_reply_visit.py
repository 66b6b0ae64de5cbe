"""A petition or a 12345 work order is answered (答复) before it closes, and its time limit
runs until then; a closed incident gets one return visit (回访) with a satisfaction rating,
which the summary counts."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from service.extensions import db
from tests.disputes.conftest import cli
from tests.incidents.conftest import (API, GRID_A1, VILLAGE_A, VILLAGE_B, act, acted,
                                      assert_problem, counts, drive, event_rows, execute,
                                      incident_row, make_overdue, reported, snapshot)

L3_A, L3_B = f"l3-{VILLAGE_A}", f"l3-{VILLAGE_B}"
L4_A1 = f"l4-{GRID_A1}"
ANSWER = "已电话告知诉求人：水压不足系主管检修，已于当日恢复"


def work_order(client, auth, **overrides):
    body = {"category": "public_service", "channel": "hotline_12345", "work_order_type": "help",
            "description": "12345 工单：群众反映自来水水压不足", **overrides}
    return reported(client, auth, "center01", **body)


def handled_work_order(client, auth):
    incident = work_order(client, auth)
    drive(client, auth, incident["id"], "dispatched", assignee=L3_A)
    return acted(client, auth, L3_A, incident["id"], "handle")


def test_a_handled_work_order_stays_due_until_its_caller_is_answered(client, auth):
    incident = work_order(client, auth)
    due = incident["due_at"]
    assert due is not None and incident["replied_at"] is None
    handled = handled_work_order(client, auth)
    assert handled["status"] == "handled" and handled["due_at"] is not None

    before = snapshot(handled["id"])
    early = act(client, auth, "center01", handled["id"], "verify", passed=True)
    assert_problem(early, 409, "invalid_transition")
    assert "答复" in early.get_json()["detail"]
    assert snapshot(handled["id"]) == before

    answered = acted(client, auth, "center01", handled["id"], "reply", note=ANSWER)
    assert answered["status"] == "handled" and answered["due_at"] is None
    assert answered["replied_at"] == answered["updated_at"]
    assert answered["version"] == handled["version"] + 1
    entry = event_rows(handled["id"])[-1]
    assert (entry.action, entry.note, entry.from_status, entry.to_status) == (
        "reply", ANSWER, "handled", "handled")
    record = client.get(f"{API}/incidents/{handled['id']}/events", headers=auth.headers(L3_A))
    assert record.get_json()["items"][-1]["action_name"] == "答复"

    closed = acted(client, auth, "center01", handled["id"], "verify", passed=True)
    assert closed["status"] == "closed" and closed["closed_at"] == closed["updated_at"]
    assert closed["replied_at"] == answered["replied_at"]


def test_a_walk_in_petition_is_answered_before_it_closes(client, auth):
    incident = reported(client, auth, "center01", category="petition", channel="walk_in",
                        description="群众反映宅基地审批久拖未办")
    drive(client, auth, incident["id"], "dispatched", assignee=L3_A)
    handled = acted(client, auth, L3_A, incident["id"], "handle")
    assert handled["due_at"] is not None
    assert_problem(act(client, auth, "center01", incident["id"], "verify", passed=True), 409,
                   "invalid_transition")
    answered = acted(client, auth, "center01", incident["id"], "reply", note="已书面答复信访人")
    assert (answered["due_at"], answered["replied_at"]) == (None, answered["updated_at"])
    assert acted(client, auth, "center01", incident["id"], "verify", passed=True)["status"] == \
        "closed"


def test_an_unanswered_work_order_past_its_limit_is_listed_overdue(client, auth):
    handled = handled_work_order(client, auth)
    make_overdue(handled["id"])
    late = client.get(f"{API}/incidents", headers=auth.headers("center01"),
                      query_string={"overdue": "true"}).get_json()["items"]
    assert [item["id"] for item in late if item["id"] == handled["id"]] == [handled["id"]]


def test_an_overdue_unanswered_work_order_is_supervised(client, auth, app):
    handled = handled_work_order(client, auth)
    make_overdue(handled["id"])
    output = cli(app, "supervise").output
    assert f"{handled['number']}: 第4级 → 第3级" in output
    assert incident_row(handled["id"]).supervision_level == 3


def test_a_handling_sent_back_needs_a_new_answer(client, auth):
    handled = handled_work_order(client, auth)
    acted(client, auth, "center01", handled["id"], "reply", note=ANSWER)
    redo = acted(client, auth, "center01", handled["id"], "verify", passed=False)
    assert redo["status"] == "dispatched" and redo["replied_at"] is None
    assert redo["due_at"] == handled["due_at"]  # the limit runs again, from the same arrival
    again = acted(client, auth, L3_A, handled["id"], "handle")
    assert_problem(act(client, auth, "center01", again["id"], "verify", passed=True), 409,
                   "invalid_transition")


@pytest.mark.parametrize("case, username, body, status, code", [
    ("neither petition nor 12345", "center01", {"note": ANSWER}, 409, "invalid_transition"),
    ("not handled", "center01", {"note": ANSWER}, 409, "invalid_transition"),
    ("handled", "center01", {}, 422, "validation_failed"),
    ("handled", "center01", {"note": "   "}, 422, "validation_failed"),
    ("handled", L4_A1, {"note": ANSWER}, 403, "forbidden"),
    ("handled", L3_B, {"note": ANSWER}, 404, "not_found"),  # another village's order
])
def test_an_answer_that_may_not_be_given_changes_nothing(client, auth, case, username, body,
                                                         status, code):
    if case == "neither petition nor 12345":
        incident = reported(client, auth, L4_A1)
        drive(client, auth, incident["id"], "handled")
    elif case == "not handled":
        incident = work_order(client, auth)
        drive(client, auth, incident["id"], "dispatched", assignee=L3_A)
    else:
        incident = handled_work_order(client, auth)
    before, stored = snapshot(incident["id"]), counts()
    answer = act(client, auth, username, incident["id"], "reply", **body)
    assert_problem(answer, status, code)
    if case == "neither petition nor 12345":
        assert "只有信访事项和 12345 工单可以答复" in answer.get_json()["detail"]
    assert snapshot(incident["id"]) == before and counts() == stored
    assert incident_row(incident["id"]).replied_at is None


def test_a_closed_incident_gets_one_return_visit(client, auth):
    incident = reported(client, auth, L4_A1)
    closed = drive(client, auth, incident["id"], "closed")
    visited = acted(client, auth, L3_A, incident["id"], "visit", satisfaction=4,
                    note="电话回访，群众认可处置结果")
    assert (visited["status"], visited["satisfaction"]) == ("closed", 4)
    assert visited["visited_at"] == visited["updated_at"]
    assert visited["version"] == closed["version"] + 1
    assert [e.action for e in event_rows(incident["id"])][-1] == "visit"

    before = snapshot(incident["id"])
    again = act(client, auth, "center01", incident["id"], "visit", satisfaction=5)
    assert_problem(again, 409, "invalid_transition")
    assert "已于" in again.get_json()["detail"]
    assert snapshot(incident["id"]) == before
    assert incident_row(incident["id"]).satisfaction == 4


def test_a_visit_made_earlier_is_recorded_with_its_own_time(client, auth):
    incident = reported(client, auth, L4_A1)
    drive(client, auth, incident["id"], "closed")
    closed_at = datetime.now(timezone.utc) - timedelta(days=2)
    execute("UPDATE incidents SET closed_at = :at WHERE id = :id", at=closed_at,
            id=incident["id"])
    when = closed_at + timedelta(hours=3)
    visited = acted(client, auth, "center01", incident["id"], "visit", satisfaction=2,
                    visited_at=when.isoformat())
    assert datetime.fromisoformat(visited["visited_at"]) == when
    assert datetime.fromisoformat(visited["updated_at"]) > when + timedelta(days=1)


def _closed(client, auth):
    incident = reported(client, auth, L4_A1)
    return drive(client, auth, incident["id"], "closed")


@pytest.mark.parametrize("case, username, body, status, code", [
    ("open", "center01", {"satisfaction": 5}, 409, "invalid_transition"),
    ("closed", "center01", {}, 422, "validation_failed"),
    ("closed", "center01", {"satisfaction": 0}, 422, "validation_failed"),
    ("closed", "center01", {"satisfaction": 6}, 422, "validation_failed"),
    ("closed", "center01", {"satisfaction": 5, "visited_at": "2001-01-01T08:00:00+08:00"}, 422,
     "validation_failed"),  # before it was closed
    ("closed", "center01", {"satisfaction": 5, "visited_at": "2999-01-01T08:00:00+08:00"}, 422,
     "validation_failed"),  # in the future
    ("closed", L4_A1, {"satisfaction": 5}, 403, "forbidden"),
    ("closed", L3_B, {"satisfaction": 5}, 404, "not_found"),
])
def test_a_visit_that_may_not_be_recorded_changes_nothing(client, auth, case, username, body,
                                                          status, code):
    if case == "open":
        incident = reported(client, auth, L4_A1)
        drive(client, auth, incident["id"], "handled")
    else:
        incident = _closed(client, auth)
    before, stored = snapshot(incident["id"]), counts()
    assert_problem(act(client, auth, username, incident["id"], "visit", **body), status, code)
    assert snapshot(incident["id"]) == before and counts() == stored
    row = incident_row(incident["id"])
    assert (row.visited_at, row.satisfaction) == (None, None)


def return_visits(client, auth, username):
    answer = client.get(f"{API}/stats/summary", headers=auth.headers(username))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["return_visits"]


def test_the_summary_counts_visits_satisfaction_and_answers_in_scope(client, auth):
    before = {name: return_visits(client, auth, name) for name in ("center01", L3_A, L3_B)}
    ratings = [5, 4, 2]
    for rating in ratings:
        closed = _closed(client, auth)
        acted(client, auth, "center01", closed["id"], "visit", satisfaction=rating)
    order = handled_work_order(client, auth)
    acted(client, auth, "center01", order["id"], "reply", note=ANSWER)
    acted(client, auth, "center01", order["id"], "verify", passed=True)
    acted(client, auth, "center01", order["id"], "visit", satisfaction=1)

    town = return_visits(client, auth, "center01")
    assert town["visited"] == before["center01"]["visited"] + 4
    assert town["satisfied"] == before["center01"]["satisfied"] + 2
    assert town["satisfaction_rate"] == round(town["satisfied"] / town["visited"], 4)
    assert town["replied"] == {"hotline_12345": before["center01"]["replied"]["hotline_12345"] + 1,
                               "petition": before["center01"]["replied"]["petition"]}
    hotline_before = before["center01"]["by_channel"].get("hotline_12345", {"visited": 0,
                                                                             "satisfied": 0})
    assert town["by_channel"]["hotline_12345"] == {
        "visited": hotline_before["visited"] + 1, "satisfied": hotline_before["satisfied"]}
    assert return_visits(client, auth, L3_A)["visited"] == before[L3_A]["visited"] + 4
    assert return_visits(client, auth, L3_B) == before[L3_B]  # none of it is in their village


def test_a_rating_outside_1_to_5_cannot_be_stored(client, auth):
    """The database refuses it too, whatever writes it."""
    row = incident_row(_closed(client, auth)["id"])
    row.satisfaction = 9
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
