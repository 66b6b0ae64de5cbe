"""The deadline of an incident's current stage: petitions (信访工作条例) and 12345 work orders
(广东 12345 rules) have time limits; other reports have none. Limits are service.deadlines'
defaults with the town's overrides (config DEADLINE_LIMITS).

A dispute report has no deadline of its own: its dispute carries them.
"""
from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import and_

from service.deadlines import WorkingCalendar, deadline_for, limits
from service.holidays.calendar import IN_FORCE
from service.models import Incident


class StageLimit(NamedTuple):
    limit: str                   # the time limit's name (service.deadlines)
    start: str                   # the moment it counts from; no limit while that is unset
    end: str | None = None       # the moment that ends it, once set
    extension: str | None = None  # the days it was extended by


# Statuses in which a limit runs until the case is handled and, for a petitioner or a 12345
# caller, answered (答复: ``replied_at``).
RUNNING_STATUSES = ("reported", "accepted", "dispatched")
UNTIL_ANSWERED = RUNNING_STATUSES + ("handled",)
# category → status → the limits that run then. A petition is registered and forwarded (受理)
# within 15 days of its arrival, handled and answered within 60 days of acceptance plus any
# extension (延期); once closed, a review (复查) or re-review (复核) the petitioner asked for is
# decided within 30 days of the request.
LIMITS_BY_CATEGORY = {
    "petition": {
        "reported": [StageLimit("petition.register", "created_at")],
        **{status: [StageLimit("petition.handle", "accepted_at", "replied_at", "extension_days")]
           for status in UNTIL_ANSWERED[1:]},
        "closed": [StageLimit("petition.review", "review_requested_at", "review_decided_at"),
                   StageLimit("petition.re_review", "re_review_requested_at",
                              "re_review_decided_at")],
    },
}
# channel → status → the limits that run then: a 12345 work order is answered within its
# type's working days of arrival.
LIMITS_BY_CHANNEL = {
    "hotline_12345": {status: [StageLimit("hotline.{work_order_type}", "created_at", "replied_at")]
                      for status in UNTIL_ANSWERED},
}
DEFAULT_WORK_ORDER_TYPE = "complaint"  # the longest 12345 limit when the type is not given


def stage_due(incident, calendar: WorkingCalendar = IN_FORCE):
    """The deadline of ``incident``'s current stage, or None when none runs (anything with the
    attributes the limits of its category, channel and status name, and work_order_type)."""
    if incident.category == "dispute":
        return None
    overrides = _overrides()
    work_order_type = incident.work_order_type or DEFAULT_WORK_ORDER_TYPE
    dues = []
    for table, key in ((LIMITS_BY_CATEGORY, incident.category),
                       (LIMITS_BY_CHANNEL, incident.channel)):
        for stage in table.get(key, {}).get(incident.status, ()):
            start = getattr(incident, stage.start)
            if start is None or stage.end and getattr(incident, stage.end) is not None:
                continue
            due = deadline_for(stage.limit.format(work_order_type=work_order_type), start,
                               overrides, calendar)
            dues.append(due + timedelta(days=getattr(incident, stage.extension)
                                        if stage.extension else 0))
    return min(dues, default=None)


def extension_allowed_days():
    """How many days, in all, a petition's handling may be extended by."""
    return limits(_overrides())["petition.extension"].days


def review_request_by(answered_at):
    """The last moment a petitioner may ask for a review (or re-review) of an answer given at
    ``answered_at``."""
    return deadline_for("petition.review_request", answered_at, _overrides())


def _overrides():
    return current_app.config.get("DEADLINE_LIMITS") or None


def overdue_condition(now, column=Incident.due_at):
    """``overdue`` in SQL, for lists and 督办 alike; never NULL. ``due_at`` is set only while
    a deadline runs, so it alone tells (service.deadlines.is_overdue for one incident)."""
    return and_(column.is_not(None), column < now)
