"""Stored deadlines counted again after a notice is entered: every open case whose deadline a
changed day could reach gets its current stage's deadline under the new calendar; those that
move are changes phones sync, each on its case's record with who entered the notice, and told
to whoever carries the case (an incident's assignee; a dispute's mediators, or while it has
none the committee's heads)."""
from datetime import date, datetime, time

from sqlalchemy import select

from service.disputes import due as dispute_due
from service.disputes.actions import heads_of
from service.disputes.record import record_deadline_moved as record_dispute
from service.incidents import due as incident_due
from service.holidays.notice import days_from
from service.incidents.actions import record_deadline_moved as record_incident
from service.models import Dispute, Incident
from service.notifications import notify
from service.schema_base import TOWN_TIME_ZONE, town_time


def changed_days(before, after, first: date, last: date) -> list[date]:
    """The days from ``first`` to ``last`` that work under one calendar and not the other."""
    return [day for day in days_from(first, last)
            if before.is_working_day(day) != after.is_working_day(day)]


def _note(notice, old, new):
    return (f"节假日安排（{notice}）录入后重算：期限由 {town_time(old):%Y-%m-%d} "
            f"改为 {town_time(new):%Y-%m-%d}")


def move_deadlines(session, actor_id, calendar, since: date, notice: str) -> int:
    """Count again the deadlines that end on or after ``since`` (the first changed day: a
    deadline counted to an earlier day never reached a changed one); the number moved.
    Incidents first, then disputes: the order their change counters are taken in elsewhere."""
    reach = datetime.combine(since, time.min, tzinfo=TOWN_TIME_ZONE)
    moved = 0
    for incident in session.scalars(select(Incident).where(Incident.due_at >= reach)
                                    .order_by(Incident.id).with_for_update(of=Incident)):
        new = incident_due.stage_due(incident, calendar)
        if new is not None and new != incident.due_at:
            note = _note(notice, incident.due_at, new)
            incident.due_at = new
            record_incident(incident, actor_id, note)
            notify(session, [incident.assignee_id] if incident.assignee_id else [],
                   "deadline_moved", f"期限调整：事件 {incident.number}", note,
                   incident_id=incident.id)
            moved += 1
    for dispute in session.scalars(select(Dispute).where(
            Dispute.due_at >= reach, Dispute.status.not_in(dispute_due.ENDED_STATUSES))
            .order_by(Dispute.id).with_for_update(of=Dispute)):
        # A stored deadline on an agreement is its return visit's, so no visit is recorded yet.
        new = dispute_due.stage_due(dispute, has_follow_up=False, calendar=calendar)
        if new is not None and new != dispute.due_at:
            details = {"from": dispute.due_at.isoformat(), "to": new.isoformat()}
            note = _note(notice, dispute.due_at, new)
            record_dispute(session, dispute, actor_id, note, details)
            dispute.due_at = new
            notify(session, [m.user_id for m in dispute.mediators] or heads_of(dispute.committee),
                   "deadline_moved", f"期限调整：纠纷 {dispute.number}", note, dispute.id)
            moved += 1
    return moved
