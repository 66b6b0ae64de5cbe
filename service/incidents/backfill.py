"""Deadlines of stored incidents computed again, for the migrations that change which stages
have one: which cases have a time limit is the service's rule (service.incidents.due), not the
migration's."""
import sqlalchemy as sa

from service.deadlines import LIBRARY_CALENDAR
from service.incidents.due import stage_due
from service.models.types import UtcDateTime

VALUES = ('id', 'category', 'channel', 'status', 'work_order_type', 'extension_days')
MOMENTS = ('created_at', 'accepted_at', 'replied_at', 'due_at')


def store_stage_dues(bind, statuses, absent=()):
    """Set ``due_at`` of the stored incidents in ``statuses`` to their current stage's deadline
    (with the configured limits) where one runs. ``absent``: moments the revision being
    upgraded through has not added yet, read as NULL."""
    incidents = sa.table('incidents', *(sa.column(name) for name in VALUES),
                         *(sa.column(name, UtcDateTime) for name in MOMENTS
                           if name not in absent))
    cases = bind.execute(sa.select(incidents, *(sa.null().label(name) for name in absent))
                         .where(incidents.c.status.in_(statuses))).all()
    set_due = incidents.update().where(incidents.c.id == sa.bindparam('case_id')).values(
        due_at=sa.bindparam('due', type_=UtcDateTime))
    for case in cases:
        due = stage_due(case, LIBRARY_CALENDAR)  # the migrations before any entered calendar
        if due is not None:
            bind.execute(set_due, {'case_id': case.id, 'due': due})
