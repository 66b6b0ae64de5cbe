"""The three charts, by file name: figures in the caller's scope, drawn as PNG bytes."""
from service.charts import queries, render
from service.extensions import db
from service.geography.queries import the_town
from service.models import Village
from service.stats.period import bounds


def period_of(start=None, end=None):
    """The summary's period: town dates (default this year so far) and their UTC bounds."""
    return queries.Period(*bounds(start, end))


def _area_name(scope, village_id):
    if village_id is not None:
        return db.session.get(Village, village_id).name
    return the_town().name if scope.town_wide else "本辖区"


def incidents_by_village(user, scope, period, village_id=None):
    rows, total = queries.incidents_by_village(user, scope, period, village_id)
    return render.incidents_by_village(rows, total, period, _area_name(scope, village_id))


def disputes_by_month(user, scope, period, village_id=None):
    rows, figures = queries.disputes_by_month(user, scope, period, village_id)
    return render.disputes_by_month(rows, figures, period, _area_name(scope, village_id))


def grid_map(user, scope, period, village_id=None):
    data = queries.grid_map(user, scope, period, village_id)
    return render.grid_map(data, period, _area_name(scope, village_id), not scope.town_wide)


CHARTS = {
    "incidents-by-village.png": incidents_by_village,
    "disputes-by-month.png": disputes_by_month,
    "grid-map.png": grid_map,
}
