"""Reading incidents as Open311 requests: through the caller's scope, in the SQL."""
from sqlalchemy import func, select

from service.extensions import db
from service.incidents.presenters import IncidentView
from service.incidents.queries import named_incidents, visible_to
from service.models import Committee, Dispute, Grid, Incident, IncidentPhoto
from service.models.incidents import OPEN_STATUSES, STATUSES

MAX_REQUESTS = 1000  # Open311: a search answers at most 1,000 requests
_incidents = Incident.__table__
# Open311's "closed": every status but the open ones (closed, rejected).
_CLOSED_STATUSES = tuple(status for status in STATUSES if status not in OPEN_STATUSES)


def grid_id_of(code):
    """The id of the grid with this 15-digit code, or None."""
    return db.session.scalar(select(Grid.id).where(Grid.code == code))


def _committee_name(dispute_id):
    return select(Committee.name).join(Dispute, Dispute.committee_id == Committee.id) \
        .where(Dispute.id == dispute_id)


def committee_of_dispute(dispute_id):
    """The name of the committee a dispute is with."""
    return db.session.scalar(_committee_name(dispute_id))


def requests(user, scope, ids=None, categories=None, statuses=None, since=None, until=None):
    """The caller's incidents as (IncidentView, committee name, dispute deadline, first photo
    id) rows — the committee and deadline of the dispute a dispute report opened — newest
    first, an iterator: those of ``ids``, else those of the categories and Open311 statuses reported in
    [since, until]; at most MAX_REQUESTS."""
    c = _incidents.c
    rows = select(_incidents).where(visible_to(user, scope))
    if ids is not None:
        rows = rows.where(c.id.in_(ids))
    else:
        rows = rows.where(c.created_at >= since, c.created_at <= until)
        if categories is not None:
            rows = rows.where(c.category.in_(categories))
        if statuses is not None and set(statuses) != {"open", "closed"}:
            rows = rows.where(c.status.in_(OPEN_STATUSES if "open" in statuses
                                           else _CLOSED_STATUSES))
    rows = rows.order_by(c.created_at.desc(), c.id.desc()).limit(MAX_REQUESTS).subquery()
    committee = _committee_name(rows.c.dispute_id).scalar_subquery()
    dispute_due = select(Dispute.due_at).where(Dispute.id == rows.c.dispute_id).scalar_subquery()
    photo = select(func.min(IncidentPhoto.id)).where(IncidentPhoto.incident_id == rows.c.id) \
        .scalar_subquery()
    stmt = named_incidents(rows).add_columns(committee, dispute_due, photo) \
        .order_by(rows.c.created_at.desc(), rows.c.id.desc())
    width = len(IncidentView._fields)
    # One row at a time: a search's thousand rows are never all held as views at once.
    return ((IncidentView._make(row[:width]), *row[width:]) for row in db.session.execute(stmt))
