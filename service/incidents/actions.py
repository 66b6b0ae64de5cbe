"""Incident reports and their case record: filing a report (a replay answers with the stored
one), marking a change, appending entries, following a dispute report's dispute."""
import hashlib
import json
from functools import cache
from types import SimpleNamespace

from shapely.geometry import Point
from sqlalchemy import bindparam, insert, select, update

from geo.dialect import insert_unless_present
from geo.geojson import to_column
from service.case_record import require_named
from service.changes import mark_change
from service.counters import next_values
from service.disputes.workflow import STATUS_NAMES as DISPUTE_STATUS_NAMES
from service.errors import ClientIdReused, OutsideArea, ValidationFailed
from service.extensions import db
from service.geography.queries import grid_place, locate_place
from service.incidents.due import stage_due
from service.incidents.presenters import IncidentView, view_of
from service.incidents.queries import possible_duplicates
from service.incidents.workflow import RECORD_ACTION_NAMES
from service.models import Incident, IncidentEvent
from service.models.incidents import OPEN_STATUSES
from service.models.types import utcnow
from service.schema_base import town_time
from service.versions import check_if_match

CHANGE_SEQUENCE = "incidents.change_seq"


def request_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def touch(incident):
    """Mark a change to the incident (``changes.mark_change``)."""
    mark_change(incident, CHANGE_SEQUENCE)


def move(incident, status):
    """Give the incident ``status`` as a change (``touch``); the moment it enters closed is its
    ``closed_at``, whoever closes it (a verification, or the dispute a report follows)."""
    closing = status == "closed" and incident.status != "closed"
    incident.status = status
    touch(incident)
    if closing:
        incident.closed_at = incident.updated_at


_incidents = Incident.__table__
_APPEND_EVENT = insert(IncidentEvent.__table__)  # a table INSERT: no ORM bulk-insert machinery
_SET_DISPUTE = update(_incidents).where(_incidents.c.id == bindparam("incident_id")) \
    .values(dispute_id=bindparam("dispute_id"))


def record(incident, actor, action, from_status, note=None):
    """Append the change to the case record (written at once; entries are never loaded back),
    with the assignee after it: a dispatch says to whom."""
    assignee = incident.assignee  # set already, perhaps not flushed: not assignee_id
    _append_event(incident.id, actor.id, action, from_status, incident.status, note,
                  assignee and assignee.id, incident.updated_at)


def _append_event(incident_id, actor_id, action, from_status, to_status, note, assignee_id,
                  created_at):
    require_named(action, RECORD_ACTION_NAMES)
    db.session.execute(_APPEND_EVENT, dict(
        incident_id=incident_id, actor_id=actor_id, action=action, from_status=from_status,
        to_status=to_status, note=note, assignee_id=assignee_id, created_at=created_at))


def record_supervision(_session, incident, _from_level, _to_level, note, _now):
    """A 督办 step (service.supervision): a change phones sync, with an entry of no actor."""
    touch(incident)
    _append_event(incident.id, None, "supervise", incident.status, incident.status, note,
                  incident.assignee_id, incident.updated_at)


def record_deadline_moved(incident, actor_id, note):
    """A deadline moved by an entered holiday calendar (service.holidays): a change phones sync."""
    touch(incident)
    _append_event(incident.id, actor_id, "deadline_moved", incident.status, incident.status, note,
                  incident.assignee_id, incident.updated_at)


def report_checked(user, scope, payload, before_commit=None):
    """File a report (``report``) and find the open reports it may duplicate: looked up
    before it is stored, in its transaction, so it is not among them; a replay has none.
    Returns (IncidentView, created, possible duplicates)."""
    location = payload["location"]
    duplicates = possible_duplicates(user, scope, payload["category"], *location) \
        if location else []
    view, created = report(user, scope, payload, before_commit)
    return view, created, duplicates if created else []


def report(user, scope, payload, before_commit=None):
    """File a report; a replay of the same client_id answers with the stored incident.

    Returns (IncidentView, created). The unique key (reporter, client_id) decides which of
    two copies arriving at once is stored: the other finds the first one's row. A new report
    is written by table statements and answered from the values written, with no ORM object.
    ``before_commit(incident_id)`` adds to a new report in its transaction (a photo sent with
    it); a replay does not call it.
    """
    digest = request_hash(payload)
    client_id = str(payload["client_id"])
    try:
        place = _place_for(scope, payload)
    except (OutsideArea, ValidationFailed):
        # A late copy of a report stored before the reporter's area or the boundaries changed.
        existing = _by_client_id(user, client_id)
        if existing is None:
            raise
        return _replayed(existing, digest), False
    now = utcnow()
    year = town_time(now).year
    sequence, change_seq = next_values(
        db.session, f"incidents.number.{place.town_id}.{year}", CHANGE_SEQUENCE)
    point = payload["location"]
    values = dict(
        town_id=place.town_id, number=f"SJ{year}{sequence:06d}", client_id=client_id,
        request_hash=digest, reporter_id=user.id, category=payload["category"],
        channel=payload["channel"], status="reported",
        description=payload["description"].strip(), accuracy_m=payload["accuracy_m"],
        location=to_column(Point(point)) if point else None,
        occurred_at=payload["occurred_at"] or now, grid_id=place.id, village_id=place.village_id,
        assignee_id=None, dispute_id=None, created_at=now, updated_at=utcnow(),
        change_seq=change_seq, version=1, work_order_type=payload.get("work_order_type"),
        accepted_at=None, extension_days=0, supervision_level=4, supervision_due_at=None,
        replied_at=None, closed_at=None, visited_at=None, satisfaction=None,
        review_requested_at=None, review_decided_at=None, re_review_requested_at=None,
        re_review_decided_at=None,
    )
    values["due_at"] = stage_due(SimpleNamespace(**values))
    incident_id = db.session.scalar(_insert_report(db.engine.dialect.name), values)
    if incident_id is None:  # stored before, by an earlier copy of this report
        db.session.rollback()
        return _replayed(_by_client_id(user, client_id), digest), False
    _append_event(incident_id, user.id, "report", None, values["status"], None, None,
                  values["updated_at"])
    if values["category"] == "dispute":
        values["dispute_id"] = _open_dispute_for(user, incident_id, values, payload)
    if before_commit is not None:
        before_commit(incident_id)
    db.session.commit()
    return IncidentView(
        id=incident_id, lon=point and point[0], lat=point and point[1],
        grid_code=place.code, grid_name=place.name, village_code=place.village_code,
        village_name=place.village_name, reporter_name=user.name, assignee_name=None,
        **{name: values[name] for name in _VIEW_VALUES}), True


# What a new report's answer takes from the values written.
_VIEW_VALUES = [name for name in IncidentView._fields if name not in {
    "id", "lon", "lat", "grid_code", "grid_name", "village_code", "village_name",
    "reporter_name", "assignee_name"}]


@cache
def _insert_report(dialect_name):
    """INSERT of a new report, giving its id, that writes nothing when its (reporter,
    client_id) is stored. A table INSERT: the row's values are all known already."""
    return insert_unless_present(dialect_name, _incidents, ["reporter_id", "client_id"]) \
        .returning(_incidents.c.id)


def _open_dispute_for(user, incident_id, values, payload):
    """A dispute report opens its dispute case at once, routed to the right committee; the
    dispute's id, which the report then names."""
    from service.disputes.actions import open_dispute
    details = payload["dispute"] or {"type": "other", "parties": [], "serious": False,
                                     "village_ids": []}
    dispute = open_dispute(user, town_id=values["town_id"], village_id=values["village_id"],
                           grid_id=values["grid_id"], channel=values["channel"],
                           description=values["description"], details=details,
                           incident_id=incident_id, work_order_type=values["work_order_type"],
                           now=values["created_at"])
    db.session.execute(_SET_DISPUTE, {"incident_id": incident_id, "dispute_id": dispute.id})
    return dispute.id


# A dispute report is worked on its dispute; its incident follows: taken up when the committee
# accepts the dispute, finished when the dispute ends. Only forward: an escalated dispute
# starting again at the town committee leaves its report taken up.
STATUS_FOR_DISPUTE = {"accepted": "accepted", "closed": "closed", "referred": "closed",
                      "declined": "rejected"}


def follow_dispute(dispute, actor):
    """Carry the dispute's new status over to the report it came from, in the dispute's own
    transaction, with an entry in the report's case record: the reporter's phone, the lists
    and the duplicate warning see what became of it."""
    target = STATUS_FOR_DISPUTE.get(dispute.status)
    if dispute.incident_id is None or target is None:
        return
    incident = db.session.get(Incident, dispute.incident_id,
                              with_for_update={"of": Incident.__table__})
    if incident.status == target or incident.status not in OPEN_STATUSES:
        return
    from_status = incident.status
    move(incident, target)
    record(incident, actor, "dispute", from_status,
           f"纠纷 {dispute.number}：{DISPUTE_STATUS_NAMES[dispute.status]}")


def _by_client_id(user, client_id):
    return db.session.scalar(select(Incident).where(Incident.reporter_id == user.id,
                                                    Incident.client_id == client_id))


def _replayed(existing, digest):
    """The view of the stored incident a replay answers with."""
    if existing.request_hash != digest:
        raise ClientIdReused("该 client_id 已用于另一份内容不同的上报，请为新上报生成新的 client_id",
                             "This client_id was already used for a different report")
    return view_of(existing)


def _place_for(scope, payload):
    """The grid (a GRID_PLACE row) a report is filed in: found from its point, else the one
    chosen, which must be in the reporter's area."""
    if payload["location"] is not None:
        place = locate_place(*payload["location"])
        if place is not None:
            return place
        if payload["grid_id"] is None:  # API.md: outside_area "unless grid_id is given"
            raise OutsideArea("上报位置不在本镇任何网格内；无定位时请选择网格",
                              "The location is in no grid of the town", status=422)
    place = grid_place(payload["grid_id"])
    if place is None or not scope.covers(place.village_id, place.id):
        raise ValidationFailed(errors={"grid_id": ["该网格不存在或不在您的负责范围内"]})
    return place


def check_version(incident, if_match):
    """``If-Match`` carries the ETag (or bare version) the caller last saw."""
    check_if_match(if_match, etag_value(incident), incident.version, "事件", "incident")


def etag_value(incident):
    return f"{incident.id}-{incident.version}"
