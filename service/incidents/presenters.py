"""Incidents as the API shows them."""
from geoalchemy2.shape import to_shape


def place(row):
    return {"id": row.id, "code": row.code, "name": row.name}


def person(user):
    return user and {"id": user.id, "name": user.name}


def photo_item(photo):
    return {"id": photo.id, "sha256": photo.sha256, "content_type": photo.content_type,
            "width": photo.width, "height": photo.height}


def incident_item(incident, photos=None):
    point = to_shape(incident.location) if incident.location is not None else None
    item = {
        "id": incident.id, "number": incident.number, "client_id": incident.client_id,
        "category": incident.category, "channel": incident.channel, "status": incident.status,
        "description": incident.description, "grid": place(incident.grid),
        "village": place(incident.village), "location": point and (point.x, point.y),
        "accuracy_m": incident.accuracy_m, "occurred_at": incident.occurred_at,
        "reporter": person(incident.reporter), "assignee": person(incident.assignee),
        "created_at": incident.created_at, "updated_at": incident.updated_at,
        "version": incident.version, "dispute_id": incident.dispute_id,
    }
    if photos is not None:
        item["photos"] = [photo_item(photo) for photo in photos]
    return item


def duplicate_item(row):
    return {"id": row.id, "number": row.number, "category": row.category, "status": row.status,
            "distance_m": round(float(row.distance_m), 1), "created_at": row.created_at}
