"""Reading the town's geography."""
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import undefer

from geo.lookup import locate_grid
from service.errors import NotFound, OutsideArea
from service.extensions import db
from service.models import Committee, Grid, Town, User, Village, WorkerAssignment
from service.pagination import keyset_page

_grids, _villages = Grid.__table__, Village.__table__
# A grid and its village as a report, a dispute and /locate name them: one plain row.
GRID_PLACE = select(_grids.c.id, _grids.c.town_id, _grids.c.village_id, _grids.c.code,
                    _grids.c.name, _villages.c.code.label("village_code"),
                    _villages.c.name.label("village_name")) \
    .join_from(_grids, _villages, _villages.c.id == _grids.c.village_id)
_GRID_PLACE_BY_ID = GRID_PLACE.where(_grids.c.id == bindparam("grid_id"))


def locate_place(lon, lat):
    """The GRID_PLACE row of the grid containing (lon, lat), or None."""
    return locate_grid(db.session, GRID_PLACE, _grids.c.id, lon, lat)


def grid_place(grid_id):
    """The GRID_PLACE row of grid ``grid_id``, or None."""
    return db.session.execute(_GRID_PLACE_BY_ID, {"grid_id": grid_id}).first()


def the_town() -> Town:
    town = db.session.scalar(select(Town).order_by(Town.id).limit(1))
    if town is None:
        raise NotFound("尚未导入镇的边界数据", "No town has been loaded yet")
    return town


def count_of(model):
    return db.session.scalar(select(func.count()).select_from(model))


def grid_counts(village_ids):
    rows = db.session.execute(select(Grid.village_id, func.count()).where(
        Grid.village_id.in_(village_ids)).group_by(Grid.village_id))
    return dict(rows.all())


def _listing(model, with_boundaries):
    stmt = select(model)
    return stmt.options(undefer(model.boundary)) if with_boundaries else stmt


def village_page(limit, cursor, with_boundaries=False):
    return keyset_page(db.session, _listing(Village, with_boundaries), [Village.id], [int],
                       limit, cursor)


def grid_page(village_id, limit, cursor, with_boundaries=False):
    stmt = _listing(Grid, with_boundaries)
    if village_id is not None:
        stmt = stmt.where(Grid.village_id == village_id)
    return keyset_page(db.session, stmt, [Grid.id], [int], limit, cursor)


def get_or_404(model, object_id, what_zh, what_en):
    found = db.session.get(model, object_id)
    if found is None:
        raise NotFound(f"{what_zh}不存在", f"{what_en} not found")
    return found


def village_committee_id(village_id):
    return db.session.scalar(select(Committee.id).where(Committee.village_id == village_id))


def chain_of(grid: Grid):
    """The four levels of workers responsible for a grid."""
    rows = db.session.execute(
        select(WorkerAssignment.level, User.id, User.name)
        .join(User, User.id == WorkerAssignment.user_id)
        .where(User.active,
               ((WorkerAssignment.level == 1) & (WorkerAssignment.town_id == grid.town_id))
               | (WorkerAssignment.level.in_((2, 3)) & (WorkerAssignment.village_id == grid.village_id))
               | ((WorkerAssignment.level == 4) & (WorkerAssignment.grid_id == grid.id)))
        .order_by(WorkerAssignment.level, User.id)
    ).all()
    return [{"level": level, "workers": [{"id": uid, "name": name}
                                         for lvl, uid, name in rows if lvl == level]}
            for level in (1, 2, 3, 4)]


def locate(lon, lat):
    place = locate_place(lon, lat)
    if place is None:
        raise OutsideArea()
    return place
