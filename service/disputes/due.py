"""The deadline of a dispute's current stage, from the defaults in service.deadlines and the
town's overrides (config DEADLINE_LIMITS)."""
from flask import current_app
from sqlalchemy import and_

from service.deadlines import WorkingCalendar, deadline_for, follow_up_due, is_overdue
from service.holidays.calendar import IN_FORCE
from service.models import Dispute
from service.models.disputes import TERMINAL_STATUSES
from service.models.types import utcnow

# Ended for good: nothing is left to do on them, whatever their due_at says. A closed case is not
# among them: a closed agreement's due_at is its return visit's (回访) deadline until the visit is
# on the record.
ENDED_STATUSES = tuple(status for status in TERMINAL_STATUSES if status != "closed")


def _overrides():
    return current_app.config.get("DEADLINE_LIMITS") or None


def stage_due(dispute, has_follow_up=False, calendar: WorkingCalendar = IN_FORCE):
    overrides = _overrides()
    status = dispute.status
    if status in ("received", "failed"):
        due = deadline_for("dispute.accept", dispute.stage_started_at, overrides, calendar)
    elif status in ("accepted", "mediating"):
        due = deadline_for("dispute.mediate", dispute.accepted_at, overrides, calendar)
    elif status in ("agreed", "closed") and dispute.agreement_terms and not has_follow_up:
        due = follow_up_due(dispute.resolved_at, dispute.agreement_perform_by, overrides)
    else:
        return None
    if dispute.channel == "hotline_12345" and status not in ("agreed", "closed"):
        hotline = deadline_for(f"hotline.{dispute.work_order_type or 'complaint'}",
                               dispute.received_at, overrides, calendar)
        due = min(due, hotline)
    return due


def overdue(dispute, now=None):
    """The current stage is past due: the answers' ``overdue``."""
    return dispute.status not in ENDED_STATUSES and is_overdue(dispute.due_at, now or utcnow())


def overdue_condition(now):
    """``overdue`` in SQL, for lists, 督办 and statistics alike. Never NULL, so its negation
    selects exactly the disputes that are not overdue."""
    return and_(Dispute.due_at.is_not(None), Dispute.due_at < now,
                Dispute.status.not_in(ENDED_STATUSES))
