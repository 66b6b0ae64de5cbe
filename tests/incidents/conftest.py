"""Helpers shared by the incident tests: places, reports, row counts, workflow drives, images.

Every test here takes ``app`` (directly or through ``client``/``auth``), so it runs on
SpatiaLite and on PostGIS, each time on a fresh copy of the demo town.
"""
import io
import math
import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import to_shape
from PIL import ExifTags, Image
from sqlalchemy import func, select, text

from geo.lookup import locate_grid_id
from service.incidents.views import ACTION_PATHS
from service.extensions import db
from service.models import (Incident, IncidentEvent, IncidentPhoto, User, Village,
                            WorkerAssignment)
from tests.town import (API, GRID_A1, GRID_A2, GRID_B1, GRID_B2, PROBLEM_JSON,  # noqa: F401
                        VILLAGE_A, VILLAGE_B, grid, village)
from tests.problems import assert_problem  # noqa: F401

NOWHERE = (100.0, 30.0)  # a valid WGS 84 point far from the town

METRES_PER_DEGREE = 111_320.0


@pytest.fixture(autouse=True)
def one_request_one_context(fresh_request_context):
    """Every test request here runs in a context of its own (tests/conftest.py)."""


# --- places -----------------------------------------------------------------------

def point_in(grid_code):
    """(lon, lat) of a point inside the grid."""
    point = to_shape(grid(grid_code).boundary).representative_point()
    return point.x, point.y


def moved(point, east_m=0.0, north_m=0.0):
    lon, lat = point
    return (lon + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat))),
            lat + north_m / METRES_PER_DEGREE)


def point_away(point, metres):
    """A point ``metres`` from ``point`` (east, west, north or south) that still lies in a grid."""
    for east, north in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        candidate = moved(point, east * metres, north * metres)
        if locate_grid_id(db.session, *candidate) is not None:
            return candidate
    raise AssertionError(f"no point {metres} m away from {point} lies in a grid")


def geojson(point):
    return {"type": "Point", "coordinates": list(point)}


def l2_of(village_code):
    """Username of the level-2 worker stationed in the village."""
    return db.session.scalar(
        select(User.username).join(WorkerAssignment, WorkerAssignment.user_id == User.id)
        .join(Village, Village.id == WorkerAssignment.village_id)
        .where(WorkerAssignment.level == 2, Village.code == village_code))


def user_id(auth, username):
    return auth.tokens(username)["user"]["id"]


# --- reports ----------------------------------------------------------------------

def report_body(username=None, **overrides):
    """A valid report; located in the reporter's own grid when the reporter is an l4 worker."""
    grid_code = username[3:] if username and username.startswith("l4-") else GRID_A1
    body = {"client_id": str(uuid.uuid4()), "category": "safety_hazard",
            "description": "村道边坡有落石，存在安全隐患", "location": geojson(point_in(grid_code)),
            "accuracy_m": 8, "channel": "grid_worker"}
    body.update(overrides)
    return body


def report(client, auth, username, **overrides):
    """POST /incidents as ``username``; the response."""
    return client.post(f"{API}/incidents", json=report_body(username, **overrides),
                       headers=auth.headers(username))


def reported(client, auth, username, **overrides):
    """A new incident (201) reported by ``username``; its JSON."""
    response = report(client, auth, username, **overrides)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- reading rows -------------------------------------------------------------------

def counts():
    """Rows in the incident tables, as committed. Ends its transaction: on SQLite it holds
    the write lock, which would keep other connections waiting."""
    db.session.remove()
    rows = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Incident, IncidentEvent, IncidentPhoto)}
    db.session.remove()
    return rows


def incident_row(incident_id) -> Incident:
    db.session.remove()
    return db.session.get(Incident, incident_id)


def event_rows(incident_id):
    db.session.remove()
    return db.session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
                              .order_by(IncidentEvent.id)).all()


def snapshot(incident_id):
    """What an action that fails must leave untouched."""
    row = incident_row(incident_id)
    return {"status": row.status, "version": row.version, "assignee_id": row.assignee_id,
            "change_seq": row.change_seq, "updated_at": row.updated_at,
            "events": len(event_rows(incident_id))}


TOWN = ZoneInfo("Asia/Shanghai")


def end_of(day: date) -> datetime:
    """The last moment of a town day: where a limit of whole days ends."""
    return datetime.combine(day, time.max, tzinfo=TOWN)


def execute(sql, **params):
    db.session.remove()
    db.session.execute(text(sql), params)
    db.session.commit()
    db.session.remove()


def make_overdue(incident_id):
    execute("UPDATE incidents SET due_at = :at WHERE id = :id",
            at=datetime.now(timezone.utc) - timedelta(hours=1), id=incident_id)


def backdate(incident_id, **delta):
    """Move an incident's creation time into the past (the incidents table is not append-only)."""
    row = incident_row(incident_id)
    row.created_at = row.created_at - timedelta(**delta)
    db.session.commit()


# --- workflow -----------------------------------------------------------------------

def act(client, auth, username, incident_id, action, headers=None, **body):
    return client.post(f"{API}/incidents/{incident_id}/{ACTION_PATHS[action]}", json=body,
                       headers=auth.headers(username, **(headers or {})))


def acted(client, auth, username, incident_id, action, **body):
    response = act(client, auth, username, incident_id, action, **body)
    assert response.status_code == 200, (action, response.get_json())
    return response.get_json()


PATH_TO = {
    "reported": [],
    "accepted": [("accept", {})],
    "dispatched": [("accept", {}), ("dispatch", {"assignee": True})],
    "handled": [("accept", {}), ("dispatch", {"assignee": True}), ("handle", {})],
    "closed": [("accept", {}), ("dispatch", {"assignee": True}), ("handle", {}),
               ("verify", {"passed": True})],
    "rejected": [("reject", {})],
}


def drive(client, auth, incident_id, status, supervisor="center01", assignee=None):
    """Take a reported incident to ``status``; dispatches go to ``assignee`` (default: the
    l4 worker of the incident's grid), who also handles it."""
    incident = client.get(f"{API}/incidents/{incident_id}", headers=auth.headers(supervisor)).get_json()
    assignee = assignee or f"l4-{incident['grid']['code']}"
    body = None
    for action, extra in PATH_TO[status]:
        actor = assignee if action == "handle" else supervisor
        payload = dict(extra)
        if payload.pop("assignee", False):
            payload["assignee_id"] = user_id(auth, assignee)
        if action == "verify" and (incident["channel"] == "hotline_12345"
                                   or incident["category"] == "petition"):
            acted(client, auth, supervisor, incident_id, "reply", note="已答复信访人、诉求人")
        body = acted(client, auth, actor, incident_id, action, **payload)
    return body


# --- answers ------------------------------------------------------------------------

def is_town_time(text):
    value = datetime.fromisoformat(text)
    return value.utcoffset() == timedelta(hours=8)


def recently(text, seconds=120):
    return abs(datetime.fromisoformat(text) - datetime.now(timezone.utc)) < timedelta(seconds=seconds)


# --- images -------------------------------------------------------------------------

GPS_LATITUDE = (24.0, 43.0, 48.0)


def image(colour=(200, 30, 30), size=(48, 32)):
    return Image.new("RGB", size, colour)


def encoded(img, fmt, **params):
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_bytes(colour=(200, 30, 30), size=(48, 32)):
    return encoded(image(colour, size), "PNG")


def jpeg_bytes(colour=(30, 30, 200), size=(48, 32)):
    return encoded(image(colour, size), "JPEG", quality=90)


def gps_jpeg_bytes():
    """A JPEG as a phone sends it: EXIF with a camera make and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (116.0, 23.0, 24.0),
    }
    return encoded(image((10, 160, 60), (64, 40)), "JPEG", exif=exif, quality=90)


def upload(client, auth, username, incident_id, data, filename="photo.jpg", field="file",
           content_type=None, if_match=None):
    files = {field: (io.BytesIO(data), filename, content_type) if content_type
             else (io.BytesIO(data), filename)}
    headers = auth.headers(username, **({"If-Match": if_match} if if_match else {}))
    return client.post(f"{API}/incidents/{incident_id}/photos", data=files,
                       content_type="multipart/form-data", headers=headers)


def uploaded(client, auth, username, incident_id, data, **kwargs):
    response = upload(client, auth, username, incident_id, data, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
