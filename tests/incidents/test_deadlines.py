"""Time limits of incidents: petitions (信访: register in 15 days, handle in 60 days of
acceptance) and 12345 work orders (2/10/15 working days by type, holidays and make-up working
days counted); ``due_at`` and ``overdue`` in every answer, the ``overdue`` list filter, and 督办
of an overdue incident up its grid's four-level chain."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from service.clock import clock_at
from service.extensions import db
from service.models import Dispute, Notification
from tests.disputes.conftest import cli
from tests.incidents.conftest import (API, GRID_A1, TOWN, VILLAGE_A, VILLAGE_B, act, acted,
                                      assert_problem, counts, drive, end_of, event_rows, execute,
                                      grid, incident_row, l2_of, make_overdue, report, reported,
                                      user_id)

L3_A, L3_B = f"l3-{VILLAGE_A}", f"l3-{VILLAGE_B}"
L4_A1 = f"l4-{GRID_A1}"


def shown_due(answer):
    return answer["due_at"] and datetime.fromisoformat(answer["due_at"])


def town_day(answer, field):
    return datetime.fromisoformat(answer[field]).astimezone(TOWN).date()


def petition(client, auth, username="center01", **overrides):
    body = {"category": "petition", "channel": "walk_in", "location": None,
            "accuracy_m": None, "grid_id": grid(GRID_A1).id,
            "description": "群众反映宅基地审批久拖未办", **overrides}
    return reported(client, auth, username, **body)


def get(client, auth, username, incident_id):
    return client.get(f"{API}/incidents/{incident_id}", headers=auth.headers(username))


def test_a_petition_is_due_in_15_days_then_60_days_from_acceptance(client, auth):
    incident = petition(client, auth)
    received = town_day(incident, "created_at")
    assert shown_due(incident) == end_of(received + timedelta(days=15))
    assert incident["overdue"] is False and incident["supervision_level"] == 4

    accepted = acted(client, auth, "center01", incident["id"], "accept")
    handle_by = end_of(town_day(accepted, "updated_at") + timedelta(days=60))
    assert shown_due(accepted) == handle_by
    dispatched = acted(client, auth, "center01", incident["id"], "dispatch",
                       assignee_id=user_id(auth, L3_A))
    assert shown_due(dispatched) == handle_by  # still the same limit
    handled = acted(client, auth, L3_A, incident["id"], "handle")
    assert shown_due(handled) == handle_by  # the petitioner is not answered yet
    answered = acted(client, auth, "center01", incident["id"], "reply", note="已书面答复信访人")
    assert answered["due_at"] is None and answered["overdue"] is False
    redo = acted(client, auth, "center01", incident["id"], "verify", passed=False)
    assert redo["status"] == "dispatched" and shown_due(redo) == handle_by
    assert shown_due(get(client, auth, L3_A, incident["id"]).get_json()) == handle_by


def test_a_12345_work_order_counts_working_days_over_the_national_day(client, auth):
    # Friday 27 September 2024: 28th a Saturday off, 29th a Sunday worked (调休), 30th worked.
    with clock_at(datetime(2024, 9, 27, 10, 0, tzinfo=TOWN)):
        enquiry = reported(client, auth, "center01", channel="hotline_12345",
                           category="public_service", work_order_type="enquiry",
                           occurred_at="2024-09-27T09:00:00+08:00")
        complaint = reported(client, auth, "center01", channel="hotline_12345",
                             category="public_service", occurred_at="2024-09-27T09:00:00+08:00")
    assert shown_due(enquiry) == end_of(date(2024, 9, 30))
    assert enquiry["work_order_type"] == "enquiry"
    # A complaint (the default type): 15 working days — 29, 30 September, 8–12 October (the
    # 12th a Saturday worked), 14–18 and 21–23 October.
    assert complaint["work_order_type"] is None
    assert shown_due(complaint) == end_of(date(2024, 10, 23))
    assert enquiry["overdue"] is False  # on the day it arrived
    assert get(client, auth, "center01", enquiry["id"]).get_json()["overdue"] is True  # today


def test_a_12345_petition_takes_the_earlier_of_its_two_limits(client, auth):
    incident = petition(client, auth, channel="hotline_12345", work_order_type="complaint")
    received = datetime.fromisoformat(incident["created_at"])
    # Registering: 15 days, before the complaint's 15 working days.
    assert shown_due(incident) == end_of(received.astimezone(TOWN).date() + timedelta(days=15))
    accepted = acted(client, auth, "center01", incident["id"], "accept")
    # Handling: the complaint's 15 working days from arrival, before 60 days from acceptance.
    assert received + timedelta(days=19) < shown_due(accepted) < received + timedelta(days=45)


def test_reports_without_a_limit_have_no_deadline(client, auth):
    incident = reported(client, auth, L4_A1)
    assert incident["due_at"] is None and incident["overdue"] is False
    assert acted(client, auth, "center01", incident["id"], "accept")["due_at"] is None


def test_a_12345_dispute_report_gives_its_dispute_the_work_order_type(client, auth):
    incident = reported(client, auth, "center01", category="dispute", channel="hotline_12345",
                        work_order_type="enquiry")
    assert incident["due_at"] is None  # the dispute carries the deadlines
    db.session.remove()
    dispute = db.session.get(Dispute, incident["dispute_id"])
    assert dispute.work_order_type == "enquiry"
    received = dispute.received_at
    # The enquiry's 2 working days come before the committee's 3 working days to accept.
    assert dispute.due_at < received + timedelta(days=5)
    db.session.remove()


@pytest.mark.parametrize("overrides, field", [
    ({"work_order_type": "complaint"}, "work_order_type"),  # not a 12345 report
    ({"channel": "hotline_12345", "work_order_type": "gossip"}, "work_order_type"),
])
def test_a_bad_work_order_type_is_refused_and_stores_nothing(client, auth, overrides, field):
    before = counts()
    response = report(client, auth, "center01", **overrides)
    problem = assert_problem(response, 422, "validation_failed")
    assert field in problem["errors"]
    assert counts() == before


def test_overdue_lists_only_late_incidents_in_the_callers_scope(client, auth):
    late = petition(client, auth)
    on_time = petition(client, auth)
    make_overdue(late["id"])

    def listed(username, **query):
        response = client.get(f"{API}/incidents", query_string=query,
                              headers=auth.headers(username))
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert listed("center01", overdue="true") == [late["id"]]
    assert late["id"] not in listed("center01", overdue="false")
    assert on_time["id"] in listed("center01", overdue="false")
    assert listed(L3_A, overdue="true") == [late["id"]]
    assert listed(L3_B, overdue="true") == []  # another village's: not even when late
    shown = get(client, auth, L3_A, late["id"]).get_json()
    assert shown["overdue"] is True


def test_overdue_cannot_filter_a_sync(client, auth):
    response = client.get(f"{API}/incidents", headers=auth.headers("center01"), query_string={
        "overdue": "true", "updated_after": "2024-01-01T00:00:00+08:00"})
    problem = assert_problem(response, 422, "validation_failed")
    assert "overdue" in problem["errors"]


def supervised_notes(auth, username):
    db.session.remove()
    rows = db.session.scalars(select(Notification.incident_id).where(
        Notification.user_id == user_id(auth, username),
        Notification.kind == "incident_supervised")).all()
    db.session.remove()
    return sorted(rows)


def escalations(client, auth, username):
    response = client.get(f"{API}/stats/summary", headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["escalations"]


def open_window(incident_id):
    execute("UPDATE incidents SET supervision_due_at = :at WHERE id = :id",
            at=datetime.now(timezone.utc) - timedelta(minutes=1), id=incident_id)


def test_an_overdue_petition_climbs_the_chain_and_phones_sync_the_step(client, auth, app):
    incident = petition(client, auth)
    untouched = petition(client, auth)
    incident_id = incident["id"]
    assert "督办 0 件" in cli(app, "supervise").output
    figures_before = {name: escalations(client, auth, name) for name in (L3_A, L3_B)}
    make_overdue(incident_id)
    before = incident_row(incident_id)

    result = cli(app, "supervise")
    assert result.exit_code == 0, result.output
    assert f"{incident['number']}: 第4级 → 第3级" in result.output and "督办 1 件" in result.output
    row = incident_row(incident_id)
    assert row.supervision_level == 3 and row.status == "reported"
    assert row.version == before.version + 1 and row.change_seq > before.change_seq
    assert row.supervision_due_at > datetime.now(timezone.utc)
    step = event_rows(incident_id)[-1]
    assert (step.action, step.actor_id, step.from_status, step.to_status) == \
        ("supervise", None, "reported", "reported")
    assert "第四级" in step.note and "第三级" in step.note
    assert supervised_notes(auth, L3_A) == [incident_id]
    assert supervised_notes(auth, L3_B) == []
    assert incident_row(untouched["id"]).supervision_level == 4
    figures = {name: escalations(client, auth, name) for name in (L3_A, L3_B)}
    for name in ("overdue_incidents", "supervised_incidents"):
        assert figures[L3_A][name] == figures_before[L3_A][name] + 1
        assert figures[L3_B][name] == figures_before[L3_B][name]  # not in their village

    record = client.get(f"{API}/incidents/{incident_id}/events", headers=auth.headers(L3_A))
    entry = record.get_json()["items"][-1]
    assert (entry["action"], entry["action_name"], entry["actor"]) == ("supervise", "督办", None)
    synced = client.get(f"{API}/incidents", headers=auth.headers(L3_A), query_string={
        "updated_after": incident["updated_at"]}).get_json()["items"]
    assert [item["supervision_level"] for item in synced if item["id"] == incident_id] == [3]

    assert "督办 0 件" in cli(app, "supervise").output  # within the window
    open_window(incident_id)
    assert "第3级 → 第2级" in cli(app, "supervise").output
    assert supervised_notes(auth, l2_of(VILLAGE_A)) == [incident_id]
    open_window(incident_id)
    assert "第2级 → 第1级" in cli(app, "supervise").output
    assert supervised_notes(auth, "l1-01") == [incident_id]
    open_window(incident_id)
    assert "督办 0 件" in cli(app, "supervise").output  # level 1 is the top

    # Accepting starts the handling stage: a new deadline, and 督办 from level 4 again.
    accepted = acted(client, auth, "center01", incident_id, "accept")
    assert accepted["supervision_level"] == 4 and accepted["overdue"] is False


def test_an_answered_petition_is_not_supervised(client, auth, app):
    incident = petition(client, auth)
    drive(client, auth, incident["id"], "dispatched", assignee=L3_A)
    make_overdue(incident["id"])
    acted(client, auth, L3_A, incident["id"], "handle")
    acted(client, auth, "center01", incident["id"], "reply", note="已书面答复信访人")
    assert incident_row(incident["id"]).due_at is None
    assert "督办 0 件" in cli(app, "supervise").output
    assert [e.action for e in event_rows(incident["id"])][-1] == "reply"


def test_a_petitions_handling_is_extended_by_up_to_30_days_in_all(client, auth):
    incident = petition(client, auth)
    accepted = acted(client, auth, "center01", incident["id"], "accept")
    handle_by = shown_due(accepted)
    extended = acted(client, auth, L3_A, incident["id"], "extend", days=20,
                     note="涉及多个部门，需补充调查")
    assert (extended["status"], shown_due(extended)) == ("accepted", handle_by + timedelta(days=20))
    assert extended["version"] == accepted["version"] + 1
    assert (accepted["extension_days"], extended["extension_days"]) == (0, 20)
    entry = client.get(f"{API}/incidents/{incident['id']}/events",
                       headers=auth.headers(L3_A)).get_json()["items"][-1]
    assert (entry["action"], entry["action_name"], entry["from_status"], entry["to_status"],
            entry["note"]) == ("extend", "延期", "accepted", "accepted", "涉及多个部门，需补充调查")
    dispatched = acted(client, auth, "center01", incident["id"], "dispatch",
                       assignee_id=user_id(auth, L3_A))
    assert shown_due(dispatched) == handle_by + timedelta(days=20)  # the extension stays
    again = acted(client, auth, "center01", incident["id"], "extend", days=10, note="再延期")
    assert shown_due(again) == handle_by + timedelta(days=30) and again["extension_days"] == 30
    assert get(client, auth, L3_A, incident["id"]).get_json()["extension_days"] == 30
    assert incident["extension_days"] == 0  # the report's own answer

    before, stored = incident_row(incident["id"]), counts()
    problem = assert_problem(act(client, auth, "center01", incident["id"], "extend", days=1,
                                 note="超出期限"), 422, "validation_failed")
    assert "30" in problem["errors"]["days"][0]
    assert incident_row(incident["id"]).version == before.version and counts() == stored


@pytest.mark.parametrize("case, username, body, status, code", [
    ("12345 complaint", "center01", {"days": 5, "note": "需要时间"}, 409, "invalid_transition"),
    ("petition not yet accepted", "center01", {"days": 5, "note": "需要时间"}, 409,
     "invalid_transition"),
    ("accepted petition", "center01", {"days": 5}, 422, "validation_failed"),  # no reason
    ("accepted petition", "center01", {"note": "需要时间"}, 422, "validation_failed"),
    ("accepted petition", "center01", {"days": 0, "note": "需要时间"}, 422, "validation_failed"),
    ("accepted petition", L4_A1, {"days": 5, "note": "需要时间"}, 403, "forbidden"),
])
def test_an_extension_that_may_not_be_given_changes_nothing(client, auth, case, username, body,
                                                            status, code):
    if case == "12345 complaint":
        incident = reported(client, auth, "center01", channel="hotline_12345",
                            category="public_service")
        acted(client, auth, "center01", incident["id"], "accept")
    else:
        incident = petition(client, auth)
        if case == "accepted petition":
            acted(client, auth, "center01", incident["id"], "accept")
    before, stored = incident_row(incident["id"]), counts()
    assert_problem(act(client, auth, username, incident["id"], "extend", **body), status, code)
    after = incident_row(incident["id"])
    assert (after.version, after.due_at, after.extension_days) == (
        before.version, before.due_at, before.extension_days)
    assert counts() == stored
