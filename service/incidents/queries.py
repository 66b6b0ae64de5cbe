"""Reading incidents, always through the caller's scope (in the SQL, not after loading)."""
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select

from geo.nearby import distance_metres, nearby_parameters, within_metres
from service.extensions import db
from service.models import Dispute, Incident, IncidentEvent, IncidentPhoto
from service.models.incidents import OPEN_STATUSES
from service.models.types import UtcDateTime, utcnow
from service.pagination import encode_cursor, keyset_page
from service.scope import visible_one

DUPLICATE_RADIUS_M = 100
DUPLICATE_WINDOW = timedelta(days=7)
DUPLICATE_LIMIT = 20  # possible duplicates listed in a report's answer
# Clocks of several servers may disagree a little: a sync looks this far back by change number.
CLOCK_SLACK = timedelta(minutes=5)
NOT_FOUND = ("事件不存在", "Incident not found")


def visible_to(user, scope):
    """The SQL condition for incidents ``user`` may see: their area, their own reports and
    assignments, and — for mediators — the incidents behind disputes they may see."""
    from service.disputes.queries import visible_to as dispute_visible_to
    conditions = [scope.area_condition(Incident.village_id, Incident.grid_id),
                  Incident.reporter_id == user.id, Incident.assignee_id == user.id]
    if scope.committee_ids:
        conditions.append(Incident.id.in_(select(Dispute.incident_id).where(
            Dispute.incident_id.is_not(None), dispute_visible_to(user, scope))))
    return or_(*conditions)


def visible_incidents(user, scope):
    return select(Incident).where(visible_to(user, scope))


def get_visible(user, scope, incident_id, for_update=False):
    return visible_one(db.session, Incident, visible_incidents(user, scope), incident_id,
                       NOT_FOUND, for_update)


def list_page(user, scope, filters, limit, cursor):
    """Newest first: (rows, next_cursor)."""
    stmt = _filtered(visible_incidents(user, scope), filters)
    return keyset_page(db.session, stmt, [Incident.created_at, Incident.id], [datetime, int],
                       limit, cursor, descending=True)


def sync_page(user, scope, filters, limit, cursor):
    """What changed after ``filters["updated_after"]``, in commit order: (rows, removed_ids,
    next_cursor, sync_cursor). ``sync_cursor`` is the position after the last change seen, for
    the next sync; a cursor continues by change number alone, so a clock never decides what is
    sent.

    The status filter is applied to the changes walked, not in the walk: a change that left
    the status (a 待受理 report accepted since the phone's copy) is named in ``removed_ids``
    instead of being skipped, so the phone drops its copy. The other filters — category,
    channel, village, grid — never change over an incident's life and stay in the query."""
    since = filters["updated_after"]
    stmt = _filtered(visible_incidents(user, scope), {**filters, "status": None}) \
        .where(_changed_after(since))
    if not cursor:
        stmt = stmt.where(Incident.change_seq > _change_seq_before(since - CLOCK_SLACK))
    rows, next_cursor = keyset_page(db.session, stmt, [Incident.change_seq], [int], limit, cursor)
    sync_cursor = encode_cursor([rows[-1].change_seq]) if rows else cursor
    status = filters.get("status")
    if status is None:
        return rows, [], next_cursor, sync_cursor
    return ([row for row in rows if row.status == status],
            [row.id for row in rows if row.status != status], next_cursor, sync_cursor)


def _changed_after(since):
    """``updated_at > since``, written so that no index can serve it.

    A sync page walks the change-number index in order and stops after one page. Given an
    index on ``updated_at`` for this condition too, the planner misjudged how the two ranges
    overlap and preferred intersecting both indexes and sorting every change since: at a
    million incidents 4 ms instead of 0.3 ms, growing with the window. ``updated_at`` is never
    null, so the COALESCE changes nothing but that."""
    return func.coalesce(Incident.updated_at, Incident.created_at) > since


def _filtered(stmt, filters):
    for name in ("status", "category", "channel", "village_id", "grid_id"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(Incident, name) == filters[name])
    return stmt


def _change_seq_before(moment):
    """The change number of the last change stamped at or before ``moment`` (0 if none).

    Changes are stamped after their change number is taken (``actions.touch``), so every
    change stamped later has a higher number: the sync walks the change-number index from
    here instead of sorting every row changed since."""
    return db.session.scalar(
        select(Incident.change_seq).where(Incident.updated_at <= moment)
        .order_by(Incident.updated_at.desc()).limit(1)) or 0


def nearby(user, scope, lon, lat, radius_m, category=None, limit=50, since=None):
    """Open incidents within ``radius_m`` of a point, nearest first: the columns a duplicate
    warning shows, and the distance."""
    stmt = _nearby_statement(user, scope, category is not None, since is not None, limit)
    params = {**nearby_parameters(lon, lat, radius_m), "nearby_category": category,
              "nearby_since": since}
    return db.session.execute(stmt, params).all()


_NEARBY_STATEMENTS = {}


def _nearby_statement(user, scope, by_category, by_time, limit):
    """Built once per caller and shape: a report looks its duplicates up every time."""
    dialect = db.engine.dialect.name
    key = (dialect, user.id, scope, by_category, by_time, limit)
    stmt = _NEARBY_STATEMENTS.get(key)
    if stmt is None:
        distance = distance_metres(dialect, Incident.location).label("distance_m")
        stmt = (select(Incident.id, Incident.number, Incident.category, Incident.status,
                       Incident.created_at, distance)
                .where(visible_to(user, scope), Incident.status.in_(OPEN_STATUSES),
                       Incident.location.is_not(None), within_metres(dialect, Incident.location))
                .order_by(distance, Incident.id).limit(limit))
        if by_category:
            stmt = stmt.where(Incident.category == bindparam("nearby_category"))
        if by_time:
            stmt = stmt.where(Incident.created_at >= bindparam("nearby_since", type_=UtcDateTime))
        if len(_NEARBY_STATEMENTS) >= 4096:
            _NEARBY_STATEMENTS.clear()
        _NEARBY_STATEMENTS[key] = stmt
    return stmt


def possible_duplicates(user, scope, category, lon, lat):
    """Open reports of ``category`` within 100 m of the point from the last 7 days."""
    return nearby(user, scope, lon, lat, DUPLICATE_RADIUS_M, category,
                  since=utcnow() - DUPLICATE_WINDOW, limit=DUPLICATE_LIMIT)


def events_page(incident_id, limit, cursor):
    stmt = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
    return keyset_page(db.session, stmt, [IncidentEvent.id], [int], limit, cursor)


def photos_of(incident_id):
    return db.session.scalars(select(IncidentPhoto).where(IncidentPhoto.incident_id == incident_id)
                              .order_by(IncidentPhoto.id)).all()
