"""Summary figures: incidents per month in the town's time, counted per month range.

Each test runs on SpatiaLite and PostGIS.
"""
from datetime import datetime, timezone

import pytest

from service.extensions import db
from service.models import Incident
from tests.incidents.conftest import reported

API = "/api/v1"
VILLAGE_A, VILLAGE_B = "441403116201", "441403116205"
GRID_A = VILLAGE_A + "001"

pytestmark = pytest.mark.usefixtures("fresh_request_context")


def summary(client, auth, username, **params):
    response = client.get(f"{API}/stats/summary", query_string=params,
                          headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["incidents"]


@pytest.fixture
def incidents_around_month_ends(client, auth):
    """Four reports in village A: either side of midnight at the end of January in town time
    (UTC+8), one in March and one in the next year."""
    times = [datetime(2024, 1, 31, 15, 59, 59, tzinfo=timezone.utc),  # 31 Jan 23:59:59 in town
             datetime(2024, 1, 31, 16, 0, 0, tzinfo=timezone.utc),  # 1 Feb 00:00 in town
             datetime(2024, 3, 15, 4, 0, 0, tzinfo=timezone.utc),
             datetime(2025, 6, 1, 4, 0, 0, tzinfo=timezone.utc)]
    ids = [reported(client, auth, f"l4-{GRID_A}")["id"] for _ in times]
    for incident_id, created_at in zip(ids, times):
        db.session.get(Incident, incident_id).created_at = created_at
    db.session.commit()


def test_incidents_by_month_in_town_time(client, auth, incidents_around_month_ends):
    figures = summary(client, auth, "center01", **{"from": "2024-01-01", "to": "2024-12-31"})
    assert figures["by_month"] == [{"month": "2024-01", "count": 1},
                                   {"month": "2024-02", "count": 1},
                                   {"month": "2024-03", "count": 1}]
    assert figures["total"] == 3
    everything = summary(client, auth, "center01", **{"from": "2000-01-01", "to": "2025-12-31"})
    assert [item["month"] for item in everything["by_month"]] == [
        "2024-01", "2024-02", "2024-03", "2025-06"]
    assert sum(item["count"] for item in everything["by_month"]) == everything["total"] == 4


def test_incidents_by_month_in_scope(client, auth, incidents_around_month_ends):
    own = summary(client, auth, f"l3-{VILLAGE_A}", **{"from": "2024-02-01", "to": "2024-02-29"})
    assert own["by_month"] == [{"month": "2024-02", "count": 1}] and own["total"] == 1
    other = summary(client, auth, f"l3-{VILLAGE_B}", **{"from": "2024-01-01", "to": "2024-12-31"})
    assert other["by_month"] == [] and other["total"] == 0


def test_no_incidents_no_months(client, auth):
    figures = summary(client, auth, "center01", **{"from": "2020-01-01", "to": "2020-12-31"})
    assert figures["by_month"] == [] and figures["total"] == 0


def test_town_months_step_over_the_year_end_with_their_utc_bounds():
    from service.stats.queries import town_months
    # 31 Dec 2023 23:30 in town is still 2023; 1 Feb 2024 00:30 in town is already February.
    months = list(town_months(datetime(2023, 12, 31, 15, 30, tzinfo=timezone.utc),
                              datetime(2024, 1, 31, 16, 30, tzinfo=timezone.utc)))
    assert [key for key, _, _ in months] == ["2023-12", "2024-01", "2024-02"]
    utc = lambda *parts: datetime(*parts, tzinfo=timezone.utc)  # noqa: E731
    assert [(low, high) for _, low, high in months] == [
        (utc(2023, 11, 30, 16), utc(2023, 12, 31, 16)),
        (utc(2023, 12, 31, 16), utc(2024, 1, 31, 16)),
        (utc(2024, 1, 31, 16), utc(2024, 2, 29, 16))]


FORCE_CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"


def test_figures_are_planned_for_their_own_period_in_their_own_request(client, auth):
    """On PostgreSQL each figures request asks for plans made for its own values (a generic
    plan of a prepared statement ignores how long the period is), for its own transaction
    only; SQLite plans every statement anyway and is asked for nothing."""
    from sqlalchemy import event, text
    seen = []

    def statement_of(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", statement_of)
    try:
        paths = [f"{API}/stats/summary", f"{API}/stats/annual-report?year=2024",
                 f"{API}/charts/incidents-by-village.png"]
        for path in paths:
            response = client.get(path, headers=auth.headers("center01"))
            assert response.status_code == 200, path
    finally:
        event.remove(db.engine, "before_cursor_execute", statement_of)
    on_postgres = db.engine.dialect.name == "postgresql"
    assert seen.count(FORCE_CUSTOM_PLANS) == (len(paths) if on_postgres else 0)
    if on_postgres:
        db.session.remove()
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "auto"  # not left behind
        db.session.remove()
