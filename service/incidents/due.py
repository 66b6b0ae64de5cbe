"""The deadline of an incident's current stage: petitions (信访工作条例) and 12345 work orders
(广东 12345 rules) have time limits; other reports have none. Limits are service.deadlines'
defaults with the town's overrides (config DEADLINE_LIMITS).

A dispute report has no deadline of its own: its dispute carries them.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_

from service.deadlines import deadline_for, limits
from service.models import Incident

# Statuses in which a deadline runs; closed and rejected incidents have none, nor has a handled
# one unless it is a 12345 work order not yet answered.
RUNNING_STATUSES = ("reported", "accepted", "dispatched")
# category → status → (time limit, the moment it counts from, the days it was extended by). A
# petition is registered and forwarded (受理) within 15 days of its arrival and handled within
# 60 days of acceptance, plus any extension (延期).
LIMITS_BY_CATEGORY = {
    "petition": {"reported": ("petition.register", "created_at", None),
                 "accepted": ("petition.handle", "accepted_at", "extension_days"),
                 "dispatched": ("petition.handle", "accepted_at", "extension_days")},
}
# channel → (statuses the limit runs in, the moment that ends it, time limit, the moment it
# counts from): a 12345 work order is answered (答复) within its type's working days of arrival;
# handling it is not enough.
LIMITS_BY_CHANNEL = {
    "hotline_12345": (RUNNING_STATUSES + ("handled",), "replied_at", "hotline.{work_order_type}",
                      "created_at"),
}
DEFAULT_WORK_ORDER_TYPE = "complaint"  # the longest 12345 limit when the type is not given


def stage_due(incident):
    """The deadline of ``incident``'s current stage, or None when none runs (anything with
    category, channel, status, work_order_type, created_at, accepted_at, extension_days and
    replied_at)."""
    if incident.category == "dispute":
        return None
    overrides = _overrides()
    work_order_type = incident.work_order_type or DEFAULT_WORK_ORDER_TYPE
    dues = []
    by_status = LIMITS_BY_CATEGORY.get(incident.category, {})
    if incident.status in by_status:
        limit, start, extension = by_status[incident.status]
        due = deadline_for(limit, getattr(incident, start), overrides)
        dues.append(due + timedelta(days=getattr(incident, extension) if extension else 0))
    statuses, end, limit, start = LIMITS_BY_CHANNEL.get(incident.channel, ((), None, None, None))
    if incident.status in statuses and getattr(incident, end) is None:
        dues.append(deadline_for(limit.format(work_order_type=work_order_type),
                                 getattr(incident, start), overrides))
    return min(dues, default=None)


def extension_allowed_days():
    """How many days, in all, a petition's handling may be extended by."""
    return limits(_overrides())["petition.extension"].days


def _overrides():
    return current_app.config.get("DEADLINE_LIMITS") or None


def overdue_condition(now, column=Incident.due_at):
    """``overdue`` in SQL, for lists and 督办 alike; never NULL. ``due_at`` is set only while
    a deadline runs, so it alone tells (service.deadlines.is_overdue for one incident)."""
    return and_(column.is_not(None), column < now)
