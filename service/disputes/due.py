"""The deadline of a dispute's current stage, from the defaults in service.deadlines and the
town's overrides (config DEADLINE_LIMITS)."""
from flask import current_app

from service.deadlines import deadline_for, follow_up_due, is_overdue
from service.models.types import utcnow

HOTLINE_TYPES = ("enquiry", "help", "suggestion", "complaint", "report")


def _overrides():
    return current_app.config.get("DEADLINE_LIMITS") or None


def stage_due(dispute, has_follow_up=False):
    overrides = _overrides()
    status = dispute.status
    if status == "received":
        due = deadline_for("dispute.accept", dispute.stage_started_at, overrides)
    elif status in ("accepted", "mediating"):
        due = deadline_for("dispute.mediate", dispute.accepted_at, overrides)
    elif status == "failed":
        due = deadline_for("dispute.accept", dispute.stage_started_at, overrides)
    elif status in ("agreed", "closed") and dispute.agreement_terms and not has_follow_up:
        due = follow_up_due(dispute.resolved_at, dispute.agreement_perform_by, overrides)
    else:
        return None
    if dispute.channel == "hotline_12345" and status not in ("agreed", "closed"):
        hotline = deadline_for(f"hotline.{dispute.work_order_type or 'complaint'}",
                               dispute.received_at, overrides)
        due = min(due, hotline)
    return due


def overdue(dispute, now=None):
    return is_overdue(dispute.due_at, now or utcnow())
