"""The figures behind the charts, in the caller's scope (the API's own conditions).

Incidents by village and the headline dispute figures come from the summary's own queries
(service.stats.queries); disputes per month of receipt and incidents per grid are the two
breakdowns the summary lacks, counted here with the summary's scope condition and period.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from geo.dialect import town_month
from service.extensions import db
from service.incidents.queries import visible_to as incident_visible_to
from service.models import Dispute, Grid, Incident, Village
from service.stats import queries as stats
from service.stats.queries import _dispute_scope, _in


@dataclass
class Period:
    start: date  # town dates, inclusive
    end: date
    first: object  # UTC bounds [first, after_last)
    after_last: object


def area_village_ids(scope):
    """The villages of the caller's area (levels 1–4, centre, admin): shown even when empty."""
    stmt = select(Grid.village_id).where(scope.area_condition(Grid.village_id, Grid.id)).distinct()
    return set(db.session.scalars(stmt))


def incidents_by_village(user, scope, period, village_id=None):
    """[(village code, name, count)] for the villages of the area and any with incidents; total."""
    figures, _, _ = stats.incident_figures(user, scope, period.first, period.after_last, village_id,
                                        months=False)
    counts = {item["village_id"]: item["count"] for item in figures["by_village"]}
    ids = {village_id} if village_id is not None else area_village_ids(scope) | set(counts)
    villages = db.session.execute(select(Village.id, Village.code, Village.name)
                                  .where(Village.id.in_(sorted(ids)))).all() if ids else []
    rows = [(code, name, counts.get(vid, 0)) for vid, code, name in villages]
    rows.sort(key=lambda row: (-row[2], row[0]))
    return rows, figures["total"]


def _month_keys(period):
    months = stats.calendar_months(period.start, period.end)
    return [f"{year:04d}-{month:02d}" for year, month in months]


def disputes_by_month(user, scope, period, village_id=None):
    """[(YYYY-MM, received, of which settled with an agreement)] for every month of the
    period (months in town time), and the summary's dispute figures."""
    month = town_month(db.engine.dialect.name, Dispute.created_at).label("month")
    settled = func.sum(case((Dispute.agreement_terms.is_not(None), 1), else_=0))
    stmt = (select(month, func.count(), settled)
            .where(_dispute_scope(user, scope, village_id),
                   _in(Dispute.created_at, period.first, period.after_last))
            .group_by(month))
    found = {key: (count, int(agreed or 0)) for key, count, agreed in db.session.execute(stmt)}
    rows = [(key, *found.get(key, (0, 0))) for key in _month_keys(period)]
    figures = stats.dispute_figures(user, scope, period.first, period.after_last, village_id)
    return rows, figures


@dataclass
class GridMap:
    grids: list  # (id, code, name, village_id, shapely geometry, count, in_area)
    villages: list  # (id, code, name, shapely geometry)
    total: int


def grid_map(user, scope, period, village_id=None):
    """Every grid (or the village's) with its count of incidents the caller may see."""
    from geoalchemy2.shape import to_shape
    counted = (select(Incident.grid_id, func.count())
               .where(incident_visible_to(user, scope),
                      _in(Incident.created_at, period.first, period.after_last))
               .group_by(Incident.grid_id))
    grids = select(Grid.id, Grid.code, Grid.name, Grid.village_id, Grid.boundary).order_by(Grid.code)
    villages = select(Village.id, Village.code, Village.name, Village.boundary).order_by(Village.code)
    if village_id is not None:
        counted = counted.where(Incident.village_id == village_id)
        grids = grids.where(Grid.village_id == village_id)
        villages = villages.where(Village.id == village_id)
    counts = dict(db.session.execute(counted).all())
    in_area = set(db.session.scalars(select(Grid.id).where(
        scope.area_condition(Grid.village_id, Grid.id))))
    grid_rows = [(gid, code, name, vid, to_shape(boundary), counts.get(gid, 0), gid in in_area)
                 for gid, code, name, vid, boundary in db.session.execute(grids)]
    village_rows = [(vid, code, name, to_shape(boundary))
                    for vid, code, name, boundary in db.session.execute(villages)]
    return GridMap(grid_rows, village_rows, sum(row[5] for row in grid_rows))
