"""The work lists: the to-do lists (``awaiting``) — handled petitions and 12345 work orders not
yet answered (待答复), closed ones not yet visited (待回访), petitions whose review awaits an
opinion (待出具复查复核意见) — and the caller's own cases (``assigned_to=me``); each in the
caller's scope, left by the step that does the work, synced with ``removed``, and the to-do
lists read from their own partial indexes."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from service.extensions import db
from service.incidents.awaiting import AWAITING, holds
from service.incidents.presenters import view_of
from tests.incidents.conftest import (API, GRID_A1, GRID_A2, VILLAGE_A, VILLAGE_B, acted,
                                      assert_problem, drive, incident_row, reported, user_id)

L3_A, L3_B = f"l3-{VILLAGE_A}", f"l3-{VILLAGE_B}"
L4_A1 = f"l4-{GRID_A1}"


def listed(client, auth, username, awaiting, **params):
    query = {"awaiting": awaiting, **params} if awaiting else params
    answer = client.get(f"{API}/incidents", headers=auth.headers(username), query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return [item["id"] for item in answer.get_json()["items"]]


def work_order(client, auth, status):
    incident = reported(client, auth, "center01", category="public_service",
                        channel="hotline_12345", work_order_type="help",
                        description="12345 工单：群众反映自来水水压不足")
    drive(client, auth, incident["id"], status, assignee=L3_A)
    return incident["id"]


def petition(client, auth, status):
    incident = reported(client, auth, "center01", category="petition", channel="walk_in",
                        description="群众反映宅基地审批久拖未办")
    drive(client, auth, incident["id"], status, assignee=L3_A)
    return incident["id"]


def test_awaiting_an_answer_lists_handled_cases_until_they_are_answered(client, auth):
    order = work_order(client, auth, "handled")  # drive answers only on the way to closed
    letter = petition(client, auth, "handled")
    hazard = reported(client, auth, L4_A1)["id"]
    drive(client, auth, hazard, "handled")  # nobody awaits an answer to a hazard report
    work_order(client, auth, "dispatched")  # not handled yet: nothing to answer

    assert listed(client, auth, "center01", "answer") == [letter, order]  # newest first
    assert listed(client, auth, L3_A, "answer") == [letter, order]
    assert listed(client, auth, L3_B, "answer") == []  # another village's cases stay unseen
    acted(client, auth, "center01", order, "reply", note="已电话告知诉求人")
    assert listed(client, auth, "center01", "answer") == [letter]


def test_awaiting_a_visit_lists_closed_cases_until_they_are_visited(client, auth):
    order = work_order(client, auth, "closed")
    letter = petition(client, auth, "closed")
    hazard = reported(client, auth, L4_A1)["id"]
    drive(client, auth, hazard, "closed")

    assert listed(client, auth, "center01", "visit") == [letter, order]
    assert listed(client, auth, L3_B, "visit") == []
    acted(client, auth, "center01", letter, "visit", satisfaction=5)
    assert listed(client, auth, "center01", "visit") == [order]
    assert listed(client, auth, "center01", "visit", channel="walk_in") == []


def test_awaiting_a_review_lists_petitions_asked_for_until_the_opinion(client, auth):
    letter = petition(client, auth, "closed")
    assert listed(client, auth, "center01", "review") == []
    acted(client, auth, "center01", letter, "request_review", note="信访人请求复查")
    assert listed(client, auth, "center01", "review") == [letter]
    acted(client, auth, "l1-01", letter, "decide_review", note="维持原处理意见")
    assert listed(client, auth, "center01", "review") == []
    acted(client, auth, "center01", letter, "request_review", note="信访人请求复核")
    assert listed(client, auth, "center01", "review") == [letter]
    assert listed(client, auth, L3_B, "review") == []


def test_a_sync_of_a_to_do_list_names_the_cases_done_since_in_removed(client, auth):
    order, other = work_order(client, auth, "closed"), work_order(client, auth, "closed")
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    first = client.get(f"{API}/incidents", headers=auth.headers("center01"),
                       query_string={"awaiting": "visit", "updated_after": since}).get_json()
    assert {item["id"] for item in first["items"]} >= {order, other}
    acted(client, auth, "center01", order, "visit", satisfaction=4)
    later = client.get(f"{API}/incidents", headers=auth.headers("center01"), query_string={
        "awaiting": "visit", "updated_after": since, "cursor": first["sync_cursor"]}).get_json()
    assert later["items"] == [] and later["removed"] == [order]


def test_an_unknown_to_do_list_is_refused_in_chinese(client, auth):
    answer = client.get(f"{API}/incidents", headers=auth.headers("center01"),
                        query_string={"awaiting": "coffee"})
    assert_problem(answer, 422, "validation_failed")
    assert "awaiting" in answer.get_json()["errors"]


def test_the_python_and_sql_readings_of_each_list_agree(client, auth):
    """``holds`` (sync) and ``condition`` (lists, indexes) say the same of every incident."""
    ids = [work_order(client, auth, "handled"), work_order(client, auth, "closed"),
           petition(client, auth, "closed"), reported(client, auth, L4_A1)["id"]]
    acted(client, auth, "center01", ids[2], "request_review", note="信访人请求复查")
    for name in AWAITING:
        listed_ids = set(listed(client, auth, "center01", name))
        for incident_id in ids:
            assert holds(name, view_of(incident_row(incident_id))) == (incident_id in listed_ids)


@pytest.mark.parametrize("name", sorted(AWAITING))
def test_each_list_is_read_from_its_partial_index(client, auth, name):
    """The list's condition implies its index's predicate (values written into the SQL, not
    bound), so the planner can read a short list from a short index: PostgreSQL picks it when
    scans are dear; SQLite, told to use it (INDEXED BY), finds no plan unless it may (not
    with the values bound)."""
    petition(client, auth, "closed")
    statements = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if "FROM incidents" in statement and "ORDER BY" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        listed(client, auth, "center01", name)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    (statement, parameters), = statements
    index = f"ix_incidents_awaiting_{name}"
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        else:
            forced = statement.replace("FROM incidents", f"FROM incidents INDEXED BY {index}")
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + forced, parameters).all()
    assert index in " ".join(str(row) for row in plan)


def test_assigned_to_me_lists_what_the_caller_was_dispatched(client, auth):
    """A level-4 worker's "待我处置": dispatched to them, not to a neighbour; a case dispatched
    on to someone else leaves the list and the phone's synced copy of it."""
    l4_a2 = f"l4-{GRID_A2}"
    mine = reported(client, auth, L4_A1)["id"]
    drive(client, auth, mine, "dispatched", assignee=L4_A1)
    neighbours = reported(client, auth, l4_a2)["id"]
    drive(client, auth, neighbours, "dispatched", assignee=l4_a2)
    handled = reported(client, auth, L4_A1)["id"]
    drive(client, auth, handled, "handled", assignee=L4_A1)

    assert listed(client, auth, L4_A1, None, assigned_to="me") == [handled, mine]
    assert listed(client, auth, L4_A1, None, assigned_to="me", status="dispatched") == [mine]
    assert listed(client, auth, L3_A, None, assigned_to="me") == []
    assert set(listed(client, auth, L3_A, None)) >= {mine, neighbours, handled}

    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    first = client.get(f"{API}/incidents", headers=auth.headers(L4_A1), query_string={
        "assigned_to": "me", "updated_after": since}).get_json()
    assert {item["id"] for item in first["items"]} == {mine, handled}
    acted(client, auth, "center01", mine, "dispatch", assignee_id=user_id(auth, L3_A))
    later = client.get(f"{API}/incidents", headers=auth.headers(L4_A1), query_string={
        "assigned_to": "me", "updated_after": since, "cursor": first["sync_cursor"]}).get_json()
    assert later["items"] == [] and later["removed"] == [mine]
    assert listed(client, auth, L3_A, None, assigned_to="me") == [mine]


def test_the_summary_counts_what_each_list_holds(client, auth):
    work_order(client, auth, "handled")
    work_order(client, auth, "closed")
    letter = petition(client, auth, "closed")
    acted(client, auth, "center01", letter, "request_review", note="信访人请求复查")

    def awaiting(username):
        answer = client.get(f"{API}/stats/summary", headers=auth.headers(username))
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["awaiting"]

    counted = awaiting("center01")
    assert counted == {name: len(listed(client, auth, "center01", name)) for name in AWAITING}
    assert counted == {"answer": 1, "visit": 2, "review": 1}
    assert awaiting(L3_B) == {"answer": 0, "visit": 0, "review": 0}
