"""Reading incidents, always through the caller's scope (in the SQL, not after loading)."""
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, not_, or_, select

from geo.nearby import distance_metres, nearby_parameters, within_metres
from service.changes import change_seq_floor, changed_after
from service.extensions import db
from service.errors import NotFound
from service.incidents.awaiting import condition as awaiting_condition, holds as awaits
from service.incidents.due import overdue_condition
from service.incidents.presenters import IncidentView
from service.models import Dispute, Grid, Incident, IncidentEvent, IncidentPhoto, User, Village
from service.models.incidents import OPEN_STATUSES
from service.models.types import UtcDateTime, utcnow
from service.pagination import (encode_cursor, keyset_page, keyset_statement, page_of,
                                page_params)
from service.schema_base import AssignedTo
from service.scope import visible_one
from service.statements import StatementCache

DUPLICATE_RADIUS_M = 100
DUPLICATE_WINDOW = timedelta(days=7)
DUPLICATE_LIMIT = 20  # possible duplicates listed in a report's answer
NOT_FOUND = ("事件不存在", "Incident not found")
FILTERS = ("status", "category", "channel", "village_id", "grid_id", "number")
LIST_KEY, LIST_KINDS = [Incident.created_at, Incident.id], [datetime, int]
SYNC_KEY, SYNC_KINDS = [Incident.change_seq], [int]
# Built once per caller and shape of request (service/statements.py).
_statements = StatementCache()
# Table columns, not mapped attributes, where a statement reads columns only: an attribute
# anywhere in a statement sends it through the ORM's compilation and row loading.
_incidents = Incident.__table__


def visible_to(user, scope):
    """The SQL condition for incidents ``user`` may see: their area, their own reports and
    assignments, and — for mediators — the incidents behind disputes they may see."""
    from service.disputes.queries import visible_to as dispute_visible_to
    c = _incidents.c
    conditions = [scope.area_condition(c.village_id, c.grid_id),
                  c.reporter_id == user.id, c.assignee_id == user.id]
    if scope.committee_ids:
        conditions.append(c.id.in_(select(Dispute.incident_id).where(
            Dispute.incident_id.is_not(None), dispute_visible_to(user, scope))))
    return or_(*conditions)


def visible_incidents(user, scope):
    return select(Incident).where(visible_to(user, scope))


def get_visible(user, scope, incident_id, for_update=False):
    return visible_one(db.session, Incident, visible_incidents(user, scope), incident_id,
                       NOT_FOUND, for_update)


def require_visible(user, scope, incident_id):
    """404 unless the caller may see incident ``incident_id``: its id alone, nothing joined
    (the case record and photo downloads need no more to know they may answer)."""
    def build():
        return select(_incidents.c.id).where(visible_to(user, scope),
                                             _incidents.c.id == bindparam("incident_id"))

    stmt = _statements.get(("visible", user.id, scope), build)
    if db.session.scalar(stmt, {"incident_id": incident_id}) is None:
        raise NotFound(*NOT_FOUND)


def _visible_rows(user, scope):
    return select(_incidents).where(visible_to(user, scope))


def named_incidents(rows):
    """What the API shows of each incident in ``rows`` (a subquery of the incidents table), as
    IncidentView columns: the point's coordinates, and the names of its grid, village, reporter
    and assignee looked up row by row.

    Not joined: with grids, villages and users joined to the incidents, PostgreSQL spent
    longer planning a page than running it (1.6 ms against 0.9 ms for a village's sync page
    at 100k incidents); a few dozen index look-ups on the page's own rows cost less."""
    def name(column, key, id_column):
        return select(column).where(key == id_column).scalar_subquery()

    c = rows.c
    computed = {
        "lon": func.ST_X(c.location), "lat": func.ST_Y(c.location),
        "grid_code": name(Grid.code, Grid.id, c.grid_id),
        "grid_name": name(Grid.name, Grid.id, c.grid_id),
        "village_code": name(Village.code, Village.id, c.village_id),
        "village_name": name(Village.name, Village.id, c.village_id),
        "reporter_name": name(User.name, User.id, c.reporter_id),
        "assignee_name": name(User.name, User.id, c.assignee_id),
    }
    return select(*(computed[field].label(field) if field in computed else c[field]
                    for field in IncidentView._fields))


def get_view(user, scope, incident_id):
    """The IncidentView of an incident the caller may see (else 404)."""
    def build():
        rows = _visible_rows(user, scope).where(Incident.id == bindparam("incident_id"))
        return named_incidents(rows.subquery())

    stmt = _statements.get(("one", user.id, scope), build)
    row = db.session.execute(stmt, {"incident_id": incident_id}).first()
    if row is None:
        raise NotFound(*NOT_FOUND)
    return IncidentView._make(row)


def _views(result):
    """IncidentView tuples of a result of ``named_incidents`` (read field by field fifty
    times a page, a tuple's attributes cost a fraction of a result row's)."""
    return [IncidentView._make(row) for row in result]


def list_page(user, scope, filters, limit, cursor):
    """Newest first: (IncidentView rows, next_cursor)."""
    given = _given(filters, FILTERS)
    overdue, awaiting = filters.get("overdue"), filters.get("awaiting")
    holder = AssignedTo.holder(filters.get("assigned_to"), user.id)

    def build():
        stmt = _filtered(_visible_rows(user, scope), given)
        if holder is not None:
            stmt = stmt.where(_incidents.c.assignee_id == bindparam("holder"))
        if awaiting is not None:
            stmt = stmt.where(awaiting_condition(awaiting, _incidents.c))
        if overdue is not None:
            late = overdue_condition(bindparam("now", type_=UtcDateTime), _incidents.c.due_at)
            stmt = stmt.where(late if overdue else not_(late))
        return keyset_statement(stmt, LIST_KEY, descending=True, with_cursor=bool(cursor),
                                view=named_incidents)

    stmt = _statements.get(("list", user.id, scope, given, overdue, awaiting,
                            holder is not None, bool(cursor)), build)
    params = {**page_params(cursor, LIST_KINDS, limit), **_filter_values(filters, given),
              "holder": holder}
    if overdue is not None:
        params["now"] = utcnow()
    rows = _views(db.session.execute(stmt, params))
    return page_of(rows, LIST_KEY, limit)


def sync_page(user, scope, filters, limit, cursor):
    """What changed after ``filters["updated_after"]``, in commit order: (IncidentView rows,
    removed_ids, next_cursor, sync_cursor). ``sync_cursor`` is the position after the last
    change seen, for the next sync; a cursor continues by change number alone, so a clock
    never decides what is sent.

    The status, to-do (``awaiting``) and ``assigned_to`` filters are applied to the changes
    walked, not in the walk: a change that left them (a 待受理 report accepted, a 待回访 case
    visited, a case dispatched to someone else since the phone's copy) is named in
    ``removed_ids`` instead of being skipped, so the phone drops its copy. The other filters —
    category, channel, village, grid — never change over an incident's life and stay in the
    query."""
    since = filters["updated_after"]
    given = _given(filters, FILTERS[1:])  # all but the status, which is applied to the walk

    def build():
        stmt = _filtered(_visible_rows(user, scope), given).where(
            changed_after(Incident, bindparam("changed_after", type_=UtcDateTime)))
        if not cursor:
            stmt = stmt.where(Incident.change_seq > bindparam("change_seq_floor"))
        return keyset_statement(stmt, SYNC_KEY, with_cursor=bool(cursor), view=named_incidents)

    stmt = _statements.get(("sync", user.id, scope, given, bool(cursor)), build)
    params = {**page_params(cursor, SYNC_KINDS, limit), **_filter_values(filters, given),
              "changed_after": since}
    if not cursor:
        params["change_seq_floor"] = change_seq_floor(Incident, since)
    rows, next_cursor = page_of(_views(db.session.execute(stmt, params)), SYNC_KEY, limit)
    sync_cursor = encode_cursor([rows[-1].change_seq]) if rows else cursor
    wanted = _walk_filter(filters.get("status"), filters.get("awaiting"),
                          AssignedTo.holder(filters.get("assigned_to"), user.id))
    return ([row for row in rows if wanted(row)], [row.id for row in rows if not wanted(row)],
            next_cursor, sync_cursor)


def _walk_filter(status, awaiting, assignee_id):
    """Whether a changed row is still what the phone syncs: its status, its to-do list, its
    assignee."""
    return lambda row: ((status is None or row.status == status)
                        and (awaiting is None or awaits(awaiting, row))
                        and (assignee_id is None or row.assignee_id == assignee_id))


def _given(filters, names):
    return tuple(name for name in names if filters.get(name) is not None)


def _filtered(stmt, names):
    """``stmt`` kept to rows whose columns ``names`` equal bound values (``_filter_values``)."""
    for name in names:
        stmt = stmt.where(getattr(Incident, name) == bindparam(f"filter_{name}"))
    return stmt


def _filter_values(filters, names):
    return {f"filter_{name}": filters[name] for name in names}


def nearby(user, scope, lon, lat, radius_m, category=None, limit=50, since=None):
    """Open incidents within ``radius_m`` of a point, nearest first: the columns a duplicate
    warning shows, and the distance."""
    stmt = _nearby_statement(user, scope, category is not None, since is not None, limit)
    params = {**nearby_parameters(lon, lat, radius_m), "nearby_category": category,
              "nearby_since": since}
    return db.session.execute(stmt, params).all()


def _nearby_statement(user, scope, by_category, by_time, limit):
    """Built once per caller and shape: a report looks its duplicates up every time."""
    dialect = db.engine.dialect.name

    def build():
        c = _incidents.c
        distance = distance_metres(dialect, c.location).label("distance_m")
        stmt = (select(c.id, c.number, c.category, c.status, c.created_at, distance)
                .where(visible_to(user, scope), c.status.in_(OPEN_STATUSES),
                       c.location.is_not(None), within_metres(dialect, c.location))
                .order_by(distance, c.id).limit(limit))
        if by_category:
            stmt = stmt.where(c.category == bindparam("nearby_category"))
        if by_time:
            stmt = stmt.where(c.created_at >= bindparam("nearby_since", type_=UtcDateTime))
        return stmt

    return _statements.get(("nearby", dialect, user.id, scope, by_category, by_time, limit),
                           build)


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
