"""bench/report's floors do the service's work: a report through either stores what the service
stores for the same body (the incident, its case and change numbers, its case-record entry) and
finds the same possible duplicates.

A floor that did less would make the service look further from it than it is. The floors are
plain psycopg, so these run on the PostGIS copy of the demo town only.
"""
import re

import pytest
from sqlalchemy.engine import make_url

import bench.bare_app
import bench.bare_report
import bench.bare_report_one_statement
from tests.incidents.conftest import (GRID_A1, NOWHERE, counts, event_rows, geojson,
                                      incident_row, reported, report_body)

pytestmark = pytest.mark.parametrize("databases", ["postgis"], indirect=True)

FLOORS = {"statements": bench.bare_report, "one statement": bench.bare_report_one_statement}
REPORTER = f"l4-{GRID_A1}"


@pytest.fixture(params=FLOORS)
def floor(request, app, database_url, monkeypatch):
    """The floor's ``report(token, body)`` on this test's database, with the app's JWT key."""
    module = FLOORS[request.param]
    pool = bench.bare_app.Pool(make_url(database_url).set(drivername="postgresql")
                               .render_as_string(hide_password=False))
    monkeypatch.setattr(module, "POOL", pool)
    monkeypatch.setattr(bench.bare_report, "SECRET", app.config["JWT_SECRET_KEY"])
    yield module.report
    while not pool.idle.empty():
        pool.idle.get().close()


def floor_body():
    body = report_body(REPORTER)
    del body["accuracy_m"]  # the floors store none
    return body


def test_a_floor_stores_what_the_service_stores(client, auth, floor):
    service = reported(client, auth, REPORTER, **floor_body())
    body = floor_body()
    body["location"] = geojson(service["location"]["coordinates"])

    status, answer = floor(auth.tokens(REPORTER)["access_token"], body)

    assert status == 201, answer
    stored, reference = incident_row(answer["id"]), incident_row(service["id"])
    same = ("town_id", "grid_id", "village_id", "reporter_id", "category", "channel", "status",
            "description", "version", "assignee_id", "dispute_id")
    assert {name: getattr(stored, name) for name in same} == \
        {name: getattr(reference, name) for name in same}
    assert re.fullmatch(r"SJ\d{10}", stored.number)
    assert int(stored.number[-6:]) == int(reference.number[-6:]) + 1
    assert stored.change_seq > reference.change_seq
    assert stored.updated_at >= reference.updated_at
    assert stored.location is not None
    events = event_rows(answer["id"])
    assert [(e.action, e.actor_id, e.from_status, e.to_status) for e in events] == \
        [("report", reference.reporter_id, None, "reported")]
    assert {key: answer[key] for key in ("grid", "village", "reporter", "status", "number")} == \
        {**{key: service[key] for key in ("grid", "village", "reporter", "status")},
         "number": stored.number}
    # The service's report is open, of the same category, at the same point, this week.
    assert [duplicate["id"] for duplicate in answer["possible_duplicates"]] == [service["id"]]


def test_a_floor_stores_a_replay_once_and_refuses_what_the_service_refuses(client, auth, floor):
    token = auth.tokens(REPORTER)["access_token"]
    body = floor_body()
    assert floor(token, body)[0] == 201
    before = counts()

    assert floor(token, body)[0] == 200
    assert floor(token + "x", floor_body())[0] == 400
    assert floor(token, {**floor_body(), "location": geojson(NOWHERE)})[0] == 422
    client.post("/api/v1/auth/logout", headers=auth.headers(REPORTER))
    assert floor(token, floor_body())[0] == 401
    assert counts() == before
