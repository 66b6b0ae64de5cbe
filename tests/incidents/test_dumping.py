"""The list page is dumped without marshmallow (service/dumping.py): it must say exactly what
the documented schema says, for every kind of value an incident page holds."""
from datetime import datetime, timezone

from sqlalchemy import select

from service.dumping import dumper
from service.extensions import db
from service.incidents.presenters import IncidentView, incident_item, view_of
from service.incidents.queries import named_incidents, photos_of
from service.incidents.schemas import IncidentPageSchema, IncidentSchema, ReportAnswerSchema
from service.models import Incident
from tests.incidents.conftest import (API, GRID_A1, acted, drive, grid, png_bytes, reported,
                                      uploaded, user_id)


def _varied_incidents(client, auth):
    """Incidents with and without a location, assignee, accuracy, dispute and photos."""
    plain = reported(client, auth, "center01", accuracy_m=7)
    no_gps = reported(client, auth, "center01", location=None, grid_id=grid(GRID_A1).id,
                      accuracy_m=None, description="无定位的上报，含“引号”与 emoji 🚧")
    dispute = reported(client, auth, f"l4-{GRID_A1}", category="dispute",
                       dispute={"type": "neighbour", "parties": [{"name": "张三"}]})
    dispatched = reported(client, auth, "center01")
    drive(client, auth, dispatched["id"], "dispatched")
    uploaded(client, auth, "center01", plain["id"], png_bytes())
    acted(client, auth, "center01", no_gps["id"], "reject", note="重复")
    return [plain, no_gps, dispute, dispatched]


def _rows():
    db.session.remove()
    return [view_of(row) for row in db.session.scalars(select(Incident).order_by(Incident.id))]


def test_a_page_row_shows_what_the_loaded_incident_shows(client, auth):
    """Pages and GET by id read IncidentView rows in SQL; answers after a change take them from
    the loaded incident (view_of). Both must say the same, field for field."""
    _varied_incidents(client, auth)
    loaded = _rows()
    table = select(Incident.__table__).subquery()
    read = db.session.execute(named_incidents(table).order_by(table.c.id)).all()
    assert [IncidentView._make(row) for row in read] == loaded
    assert {view.assignee_name is None for view in loaded} == {True, False}
    assert {view.lon is None for view in loaded} == {True, False}


def test_the_fast_page_dump_equals_the_schema_dump(client, auth):
    _varied_incidents(client, auth)
    rows = _rows()
    for body in ({"items": [incident_item(row) for row in rows], "next_cursor": "abc"},
                 {"items": [], "next_cursor": None, "sync_cursor": None},
                 {"items": [incident_item(row) for row in rows], "next_cursor": None,
                  "sync_cursor": "xyz"}):
        assert dumper(IncidentPageSchema())(body) == IncidentPageSchema().dump(body)


def test_details_with_photos_and_duplicates_dump_the_same_way(client, auth):
    _varied_incidents(client, auth)
    for row in _rows():
        item = incident_item(row, photos_of(row.id))
        assert dumper(IncidentSchema())(item) == IncidentSchema().dump(item)
        item["possible_duplicates"] = [{"id": 1, "number": "SJ2026000001", "status": "reported",
                                        "category": "other", "distance_m": 12,
                                        "created_at": datetime(2026, 1, 2, tzinfo=timezone.utc)}]
        assert dumper(ReportAnswerSchema())(item) == ReportAnswerSchema().dump(item)


def test_the_api_page_is_what_the_schema_would_send(client, auth):
    made = _varied_incidents(client, auth)
    answer = client.get(f"{API}/incidents", headers=auth.headers("center01"))
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    page = answer.get_json()
    db.session.remove()
    rows = db.session.scalars(select(Incident).order_by(Incident.created_at.desc(),
                                                        Incident.id.desc())).all()
    expected = IncidentPageSchema().dump({"items": [incident_item(view_of(row)) for row in rows],
                                          "next_cursor": None})
    assert page == expected
    assert [item["id"] for item in page["items"]] == [m["id"] for m in reversed(made)]
    dispatched = next(item for item in page["items"] if item["id"] == made[3]["id"])
    assert dispatched["assignee"]["id"] == user_id(auth, f"l4-{dispatched['grid']['code']}")
    assert dispatched["created_at"].endswith("+08:00")


def test_absent_keys_are_left_out_and_numbers_keep_their_json_types():
    dump = dumper(IncidentSchema())
    item = {"id": 3, "accuracy_m": 8, "location": None, "assignee": None, "grid": None}
    assert dump(item) == IncidentSchema().dump(item) == {
        "id": 3, "accuracy_m": 8.0, "location": None, "assignee": None, "grid": None}
    assert isinstance(dump(item)["accuracy_m"], float)
