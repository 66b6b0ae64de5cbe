"""Incidents as Open311 requests, and what a new request's submitter is told."""
from flask import url_for

from service.exports.labels import CATEGORY_NAMES, INCIDENT_STATUS_NAMES
from service.incidents.queries import DUPLICATE_RADIUS_M, DUPLICATE_WINDOW
from service.models.incidents import OPEN_STATUSES


def request_item(view, committee_name, dispute_due_at, photo_id, town_name):
    """An IncidentView as an Open311 service request; a dispute report's deadline is its
    dispute's."""
    return {
        "service_request_id": str(view.id), "number": view.number,
        "status": "open" if view.status in OPEN_STATUSES else "closed",
        "status_notes": INCIDENT_STATUS_NAMES[view.status],
        "service_name": CATEGORY_NAMES[view.category], "service_code": view.category,
        "description": view.description,
        "agency_responsible": committee_name or view.village_name,
        "service_notice": None,
        "requested_datetime": view.created_at, "updated_datetime": view.updated_at,
        "expected_datetime": view.due_at or dispute_due_at,
        # Most specific first, as Open311 asks.
        "address": "，".join((view.grid_name, view.village_name, town_name)),
        "address_id": view.grid_code, "zipcode": None, "lat": view.lat, "long": view.lon,
        "media_url": photo_id and url_for("incidents.photo", incident_id=view.id,
                                          photo_id=photo_id, _external=True),
    }


def notice(view, created, committee_name, duplicates, requester_dropped, with_photo=False):
    """The service_notice of a submitted request, in Chinese: its case number and who takes
    it, and what the submitter should check."""
    if not created:
        return f"该请求已登记为 {view.number}（重发，未重复保存）。"
    parts = [f"已登记为 {view.number}（{view.grid_name}）{'，附照片 1 张' if with_photo else ''}。"]
    if committee_name:
        parts.append(f"纠纷已转{committee_name}。")
    if duplicates:
        days = DUPLICATE_WINDOW.days
        numbers = "、".join(row.number for row in duplicates)
        parts.append(f"附近 {DUPLICATE_RADIUS_M} 米内有 {len(duplicates)} 件 {days} 天内的同类未办结事件"
                     f"（{numbers}），请确认是否重复。")
    if requester_dropped:
        parts.append("联系人信息只在矛盾纠纷中登记为当事人，本次未保存。")
    return "".join(parts)
