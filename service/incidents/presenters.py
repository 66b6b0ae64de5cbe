"""Incidents as the API shows them."""
from typing import NamedTuple

from geoalchemy2.shape import to_shape

from service.deadlines import is_overdue
from service.models.types import utcnow


class IncidentView(NamedTuple):
    """What the API shows of an incident, flat: read as one row by queries.named_incidents, or
    taken from a loaded incident by ``view_of``."""
    id: int
    number: str
    client_id: str | None
    category: str
    channel: str
    status: str
    description: str
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    occurred_at: object
    created_at: object
    updated_at: object
    version: int
    dispute_id: int | None
    change_seq: int
    grid_id: int
    grid_code: str
    grid_name: str
    village_id: int
    village_code: str
    village_name: str
    reporter_id: int
    reporter_name: str
    assignee_id: int | None
    assignee_name: str | None
    work_order_type: str | None
    due_at: object
    supervision_level: int
    extension_days: int
    replied_at: object
    closed_at: object
    visited_at: object
    satisfaction: int | None
    review_requested_at: object
    review_decided_at: object
    re_review_requested_at: object
    re_review_decided_at: object


def view_of(incident):
    """The view of an incident loaded with its grid, village, reporter and assignee."""
    point = to_shape(incident.location) if incident.location is not None else None
    assignee = incident.assignee
    return IncidentView(
        id=incident.id, number=incident.number, client_id=incident.client_id,
        category=incident.category, channel=incident.channel, status=incident.status,
        description=incident.description, lon=point and point.x, lat=point and point.y,
        accuracy_m=incident.accuracy_m, occurred_at=incident.occurred_at,
        created_at=incident.created_at, updated_at=incident.updated_at,
        version=incident.version, dispute_id=incident.dispute_id,
        change_seq=incident.change_seq, grid_id=incident.grid.id, grid_code=incident.grid.code,
        grid_name=incident.grid.name, village_id=incident.village.id,
        village_code=incident.village.code, village_name=incident.village.name,
        reporter_id=incident.reporter.id, reporter_name=incident.reporter.name,
        assignee_id=assignee and assignee.id, assignee_name=assignee and assignee.name,
        work_order_type=incident.work_order_type, due_at=incident.due_at,
        supervision_level=incident.supervision_level, extension_days=incident.extension_days,
        replied_at=incident.replied_at, closed_at=incident.closed_at,
        visited_at=incident.visited_at, satisfaction=incident.satisfaction,
        review_requested_at=incident.review_requested_at,
        review_decided_at=incident.review_decided_at,
        re_review_requested_at=incident.re_review_requested_at,
        re_review_decided_at=incident.re_review_decided_at)


def person(user):
    return user and {"id": user.id, "name": user.name}


def photo_item(photo):
    return {"id": photo.id, "sha256": photo.sha256, "content_type": photo.content_type,
            "width": photo.width, "height": photo.height}


def incident_item(view, photos=None, now=None):
    """An IncidentView as the API's incident; ``overdue`` as of ``now`` (a page passes one
    moment for all its items)."""
    item = {
        "id": view.id, "number": view.number, "client_id": view.client_id,
        "category": view.category, "channel": view.channel, "status": view.status,
        "description": view.description,
        "grid": {"id": view.grid_id, "code": view.grid_code, "name": view.grid_name},
        "village": {"id": view.village_id, "code": view.village_code, "name": view.village_name},
        "location": None if view.lon is None else (view.lon, view.lat),
        "accuracy_m": view.accuracy_m, "occurred_at": view.occurred_at,
        "reporter": {"id": view.reporter_id, "name": view.reporter_name},
        "assignee": None if view.assignee_id is None
        else {"id": view.assignee_id, "name": view.assignee_name},
        "created_at": view.created_at, "updated_at": view.updated_at,
        "version": view.version, "dispute_id": view.dispute_id,
        "work_order_type": view.work_order_type, "due_at": view.due_at,
        "overdue": is_overdue(view.due_at, now or utcnow()),
        "supervision_level": view.supervision_level, "extension_days": view.extension_days,
        "replied_at": view.replied_at, "closed_at": view.closed_at,
        "visited_at": view.visited_at, "satisfaction": view.satisfaction,
        "review_requested_at": view.review_requested_at,
        "review_decided_at": view.review_decided_at,
        "re_review_requested_at": view.re_review_requested_at,
        "re_review_decided_at": view.re_review_decided_at,
    }
    if photos is not None:
        item["photos"] = [photo_item(photo) for photo in photos]
    return item


def duplicate_item(row):
    return {"id": row.id, "number": row.number, "category": row.category, "status": row.status,
            "distance_m": round(float(row.distance_m), 1), "created_at": row.created_at}
