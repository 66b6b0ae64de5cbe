"""Stage deadlines: counted in working days on the Chinese holiday calendar (with its make-up
working weekends), or calendar days; overridable per town in DEADLINE_LIMITS."""
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import chinese_calendar

from service.clock import clock_at
from service.deadlines import deadline_for
from service.disputes.due import stage_due
from service.extensions import db
from tests.disputes.conftest import (AGREEMENT, HEAD_A, L4_A1, MED_A2, acted, dispute_row,
                                     drive, execute, get, intaken, reported, user_id)

TOWN = ZoneInfo("Asia/Shanghai")


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=TOWN)


def working_days_after(start: datetime, n: int) -> datetime:
    """Independently of service.deadlines: the end of the n-th working day after start's day."""
    day = start.astimezone(TOWN).date()
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return end_of(day)


def calendar_days_after(start: datetime, n: int) -> datetime:
    return end_of(start.astimezone(TOWN).date() + timedelta(days=n))


def parse(text):
    return datetime.fromisoformat(text)


def like_a_dispute(status="received", started=None, **fields):
    values = {"status": status, "stage_started_at": started, "received_at": started,
              "accepted_at": started, "resolved_at": started, "channel": "walk_in",
              "work_order_type": None, "agreement_terms": None, "agreement_perform_by": None}
    values.update(fields)
    return SimpleNamespace(**values)


def test_a_new_dispute_is_due_for_acceptance_in_3_working_days(client, auth):
    _, dispute = reported(client, auth, L4_A1)
    row = dispute_row(dispute["id"])
    received_at = row.received_at
    assert row.stage_started_at == received_at
    assert row.due_at == deadline_for("dispute.accept", received_at)
    assert row.due_at == working_days_after(received_at, 3)
    db.session.remove()
    assert parse(dispute["due_at"]) == working_days_after(received_at, 3)
    assert dispute["due_at"].endswith("+08:00") and dispute["overdue"] is False

    # Accepted: the mediation has 30 calendar days from acceptance.
    accepted = acted(client, auth, HEAD_A, dispute["id"], "accept")
    accepted_at = dispute_row(dispute["id"]).accepted_at
    db.session.remove()
    assert parse(accepted["due_at"]) == calendar_days_after(accepted_at, 30)
    assigned = acted(client, auth, HEAD_A, dispute["id"], "assign",
                     {"mediator_ids": [user_id(auth, MED_A2)]})
    assert assigned["due_at"] == accepted["due_at"]  # the same mediation stage
    # Agreed: the return visit is due 15 calendar days on, or once the perform-by day is over.
    agreed = acted(client, auth, MED_A2, dispute["id"], "resolve",
                   {"outcome": "agreed", "agreement": {**AGREEMENT, "perform_by": None}})
    resolved_at = dispute_row(dispute["id"]).resolved_at
    db.session.remove()
    assert parse(agreed["due_at"]) == calendar_days_after(resolved_at, 15)


def test_a_failed_mediation_has_3_working_days_to_be_closed_or_escalated(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    failed = acted(client, auth, MED_A2, dispute["id"], "resolve",
                   {"outcome": "failed", "reason": "双方分歧过大"})
    started = dispute_row(dispute["id"]).stage_started_at
    db.session.remove()
    assert parse(failed["due_at"]) == working_days_after(started, 3)
    closed = acted(client, auth, HEAD_A, dispute["id"], "close")
    assert closed["status"] == "referred" and closed["due_at"] is None and closed["overdue"] is False


def test_across_the_2023_national_day_holiday(app):
    registered = datetime(2023, 9, 28, 16, 30, tzinfo=TOWN)
    # 9-29 … 10-6 are the holiday; Saturday 10-7 and Sunday 10-8 are make-up working days.
    expected = working_days_after(registered, 3)
    assert expected == end_of(date(2023, 10, 9))
    assert stage_due(like_a_dispute("received", registered)) == expected
    assert deadline_for("dispute.accept", registered) == expected
    # The town's day counts, not UTC's: 23:30 on 9-27 in town is due three working days
    # later on Sunday 10-8 (9-28, 10-7, 10-8); an hour later it is 9-28's count again.
    before_midnight = datetime(2023, 9, 27, 15, 30, tzinfo=timezone.utc)
    after_midnight = datetime(2023, 9, 27, 16, 30, tzinfo=timezone.utc)
    assert stage_due(like_a_dispute("received", before_midnight)) == end_of(date(2023, 10, 8))
    assert working_days_after(before_midnight, 3) == end_of(date(2023, 10, 8))
    assert stage_due(like_a_dispute("received", after_midnight)) == expected
    # One working day from the last day before the holiday: the first make-up Saturday.
    assert working_days_after(registered, 1) == end_of(date(2023, 10, 7))
    # A failed mediation counts the same way; an accepted one counts calendar days.
    assert stage_due(like_a_dispute("failed", registered)) == expected
    assert stage_due(like_a_dispute("accepted", registered)) == end_of(date(2023, 10, 28))
    # A 12345 enquiry must be answered in 2 working days: the tighter limit wins.
    hotline = like_a_dispute("received", registered, channel="hotline_12345",
                             work_order_type="enquiry")
    assert stage_due(hotline) == working_days_after(registered, 2) == end_of(date(2023, 10, 8))
    # An agreement performed by a later day is visited after that day.
    agreed = like_a_dispute("agreed", registered, agreement_terms="赔偿",
                            agreement_perform_by=date(2023, 11, 30))
    assert stage_due(agreed) == end_of(date(2023, 11, 30))
    assert stage_due(agreed, has_follow_up=True) is None
    assert stage_due(like_a_dispute("declined", registered)) is None


def test_a_stored_dispute_registered_before_the_holiday(client, auth, app):
    dispute = intaken(client, auth)
    registered = datetime(2023, 9, 28, 9, 0, tzinfo=TOWN)
    execute("UPDATE disputes SET stage_started_at = :at, received_at = :at WHERE id = :id",
            at=registered.astimezone(timezone.utc), id=dispute["id"])
    row = dispute_row(dispute["id"])
    assert row.stage_started_at == registered
    assert stage_due(row) == working_days_after(registered, 3) == end_of(date(2023, 10, 9))
    db.session.remove()


def test_registered_through_the_api_on_a_frozen_clock(client, auth):
    auth.tokens("center01")  # sign in on the real clock
    with clock_at(datetime(2023, 9, 28, 10, 0, tzinfo=TOWN)):
        dispute = intaken(client, auth)
        hotline = intaken(client, auth, channel="hotline_12345")
    assert parse(dispute["received_at"]) == datetime(2023, 9, 28, 10, 0, tzinfo=TOWN)
    assert parse(dispute["due_at"]) == end_of(date(2023, 10, 9))
    # Seen today, that deadline is long past.
    assert dispute["overdue"] is False
    assert get(client, auth, "center01", dispute["id"]).get_json()["overdue"] is True
    # A 12345 complaint (the default work order type): 15 working days; acceptance is sooner.
    assert parse(hotline["due_at"]) == end_of(date(2023, 10, 9))


def test_overridden_limits_take_effect(client, auth, app):
    app.config["DEADLINE_LIMITS"] = {"dispute.accept": 5, "dispute.mediate": {"days": 10,
                                                                                "kind": "working"}}
    dispute = intaken(client, auth)
    received_at = dispute_row(dispute["id"]).received_at
    db.session.remove()
    assert parse(dispute["due_at"]) == working_days_after(received_at, 5)
    accepted = acted(client, auth, HEAD_A, dispute["id"], "accept")
    accepted_at = dispute_row(dispute["id"]).accepted_at
    db.session.remove()
    assert parse(accepted["due_at"]) == working_days_after(accepted_at, 10)
    registered = datetime(2023, 9, 28, 16, 30, tzinfo=TOWN)
    assert stage_due(like_a_dispute("received", registered)) == end_of(date(2023, 10, 11))

    app.config["DEADLINE_LIMITS"] = {"dispute.accept": {"days": 2, "kind": "calendar"}}
    assert stage_due(like_a_dispute("received", registered)) == end_of(date(2023, 9, 30))
    other = intaken(client, auth)
    other_received = dispute_row(other["id"]).received_at
    db.session.remove()
    assert parse(other["due_at"]) == calendar_days_after(other_received, 2)

    app.config["DEADLINE_LIMITS"] = {}
    assert stage_due(like_a_dispute("received", registered)) == end_of(date(2023, 10, 9))


def test_an_escalated_dispute_starts_a_new_stage_at_the_town_committee(client, auth):
    dispute = intaken(client, auth)
    long_ago = datetime.now(timezone.utc) - timedelta(days=20)
    execute("UPDATE disputes SET stage_started_at = :at, received_at = :at, due_at = :due, "
            "supervision_level = 3 WHERE id = :id",
            at=long_ago, due=deadline_for("dispute.accept", long_ago), id=dispute["id"])
    assert get(client, auth, HEAD_A, dispute["id"]).get_json()["overdue"] is True
    # Escalated straight from ``received``: the town committee's acceptance clock starts now.
    escalated = acted(client, auth, HEAD_A, dispute["id"], "escalate", {"reason": "涉及面广"})
    row = dispute_row(dispute["id"])
    assert escalated["status"] == "received" and escalated["committee"]["level"] == "town"
    assert row.stage_started_at > long_ago + timedelta(days=19)
    assert parse(escalated["due_at"]) == deadline_for("dispute.accept", row.stage_started_at)
    assert escalated["overdue"] is False
    assert row.supervision_level == 4 and row.supervision_due_at is None
    db.session.remove()
