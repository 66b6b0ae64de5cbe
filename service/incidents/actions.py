"""Incident actions: check permission, validate, act, record the event, raise domain errors."""
import hashlib
import json
from functools import cache
from types import SimpleNamespace

from shapely.geometry import Point
from sqlalchemy import bindparam, insert, select, update

from geo.dialect import insert_unless_present
from geo.geojson import to_column
from service.case_record import require_named
from service.counters import next_value, next_values
from service.disputes.workflow import STATUS_NAMES as DISPUTE_STATUS_NAMES
from service.errors import (ClientIdReused, Forbidden, InvalidTransition, OutsideArea,
                            ValidationFailed)
from service.exports.labels import CATEGORY_NAMES, name_of
from service.extensions import db
from service.geography.queries import grid_place, locate_place
from service.incidents import queries
from service.incidents.due import extension_allowed_days, review_request_by, stage_due
from service.versions import check_if_match
from service.incidents.workflow import (ACTION_NAMES, HANDLER, RECORD_ACTION_NAMES,
                                       STATUS_NAMES, TOWN, transition_for)
from service.incidents.presenters import IncidentView, view_of
from service.incidents.schemas import CLOCK_SKEW
from service.models import Incident, IncidentEvent, User
from service.models.incidents import OPEN_STATUSES
from service.models.types import utcnow
from service.notifications import notify
from service.schema_base import town_time
from service.scope import scope_of

CHANGE_SEQUENCE = "incidents.change_seq"


def request_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def touch(incident):
    """Mark a change: new version, a change number taken in commit order, then the time.

    The time is read after the change number's row lock is held, so ``updated_at`` grows with
    ``change_seq``: a phone that syncs from the newest ``updated_at`` it has seen misses
    nothing committed after it."""
    incident.version = (incident.version or 0) + 1
    incident.change_seq = next_value(db.session, CHANGE_SEQUENCE)
    incident.updated_at = utcnow()


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


def report(user, scope, payload):
    """File a report; a replay of the same client_id answers with the stored incident.

    Returns (IncidentView, created). The unique key (reporter, client_id) decides which of
    two copies arriving at once is stored: the other finds the first one's row. A new report
    is written by table statements and answered from the values written, with no ORM object.
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
    incident.status = target
    touch(incident)
    if target == "closed":
        incident.closed_at = incident.updated_at
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


def leads_area_of(user, incident) -> bool:
    """A level 1–3 worker whose area holds the incident: the town (1) or its village (2, 3)."""
    return any(a.level == 1 and a.town_id == incident.town_id
               or a.level in (2, 3) and a.village_id == incident.village_id
               for a in user.assignments)


def may(user, incident, who) -> bool:
    """API.md: centre staff and level 1–3 workers in scope supervise; ``handle`` is the
    assignee's or a level 1–3 worker's in scope. A review's opinion is the town's: centre staff
    and level 1 (the village that handled the petition does not review itself). An admin keeps
    the system and acts on none."""
    if who == TOWN:
        return "center_staff" in user.role_names or any(
            a.level == 1 and a.town_id == incident.town_id for a in user.assignments)
    if leads_area_of(user, incident):
        return True
    if who == HANDLER:
        return incident.assignee_id == user.id
    return "center_staff" in user.role_names


def perform(user, scope, incident_id, action, body, if_match=None):
    incident = queries.get_visible(user, scope, incident_id, for_update=True)
    check_version(incident, if_match)
    if incident.dispute_id is not None:
        raise InvalidTransition(
            f"该事件已作为矛盾纠纷立案（纠纷 {incident.dispute_id}），请在纠纷案件中受理、调解和结案",
            f"This report is handled as dispute {incident.dispute_id}: act on the dispute")
    transition = transition_for(incident.status, action)
    if transition is None:
        raise InvalidTransition(
            f"事件当前为“{STATUS_NAMES[incident.status]}”，不能{ACTION_NAMES[action]}",
            f"Cannot {action} an incident that is {incident.status}")
    if not transition.applies_to(incident):
        raise InvalidTransition(f"只有{transition.applies_name}可以{ACTION_NAMES[action]}",
                                f"This incident's category or channel has no {action}")
    if not may(user, incident, transition.who):
        raise Forbidden(f"您无权对该事件执行“{ACTION_NAMES[action]}”",
                        f"You may not {action} this incident")
    missing = {name: ["必填字段"] for name in transition.requires if _blank(body.get(name))}
    if missing:
        raise ValidationFailed(errors=missing)
    from_status = incident.status
    incident.status = transition.target(body)
    touch(incident)
    recorded = EFFECTS.get(action, _no_effect)(incident, user, body, incident.updated_at)
    incident.due_at = stage_due(incident)
    record(incident, user, recorded or action, from_status, body.get("note"))
    db.session.commit()
    return incident


def _blank(value):
    return value is None or isinstance(value, str) and not value.strip()


def _no_effect(_incident, _user, _body, _now):
    pass


def _accept(incident, _user, _body, now):
    """The petition's handling limit starts; 督办 starts again at level 4."""
    incident.accepted_at = now
    _restart_supervision(incident)


def _restart_supervision(incident):
    incident.supervision_level, incident.supervision_due_at = 4, None


def _dispatch(incident, user, body, now):
    incident.assignee = _assignee_in_scope(body["assignee_id"], incident)
    _tell_assignee(incident, user, "incident_dispatched",
                   f"事件 {incident.number} 派遣给您处置", body, now)


def _extend(incident, _user, body, _now):
    """All the days a petition's handling has been extended by, this extension included."""
    allowed = extension_allowed_days()
    total = incident.extension_days + body["days"]
    if total > allowed:
        raise ValidationFailed(errors={"days": [
            f"办理期限合计最多延长 {allowed} 日，已延长 {incident.extension_days} 日"]})
    incident.extension_days = total


def _reply(incident, _user, _body, now):
    incident.replied_at = now  # the answer itself is the case-record entry's note


def _verify(incident, user, body, now):
    if not body["passed"]:
        incident.replied_at = None  # the answer was about a handling that did not pass
        _tell_assignee(incident, user, "incident_returned",
                       f"事件 {incident.number} 核查未通过，退回重办", body, now)
        return
    if transition_for("handled", "reply").applies_to(incident) and incident.replied_at is None:
        raise InvalidTransition("信访事项和 12345 工单须先答复信访人、诉求人（reply），才能核查结案",
                                "Answer the petitioner or 12345 caller before closing the case")
    incident.closed_at = now


def _visit(incident, _user, body, now):
    if incident.visited_at is not None:
        raise InvalidTransition(f"该事件已于 {town_time(incident.visited_at):%Y-%m-%d %H:%M} 回访",
                                "This incident has had its return visit")
    visited_at = body.get("visited_at") or now
    closed_at = incident.closed_at or incident.updated_at
    if visited_at < closed_at - CLOCK_SKEW or visited_at > now + CLOCK_SKEW:
        raise ValidationFailed(errors={"visited_at": ["回访时间应在结案之后、当前时间之前"]})
    incident.visited_at, incident.satisfaction = visited_at, body["satisfaction"]


REVIEWS = (("review", "复查"), ("re_review", "复核"))


def _request_review(incident, _user, _body, now):
    """The next review the petitioner may ask for, within 30 days of the answer it reviews:
    the written answer for a review (复查), the review's opinion for a re-review (复核)."""
    answered = incident.replied_at or incident.closed_at
    for stage, name in REVIEWS:
        if getattr(incident, f"{stage}_requested_at") is None:
            break
        if getattr(incident, f"{stage}_decided_at") is None:
            raise InvalidTransition(f"{name}正在办理，出具{name}意见后才能再请求",
                                    f"The {stage} asked for is still running")
        answered = getattr(incident, f"{stage}_decided_at")
    else:
        raise InvalidTransition("复核意见为最终意见，不再受理复查、复核请求",
                                "The re-review's opinion is final")
    last_day = review_request_by(answered)
    if now > last_day:
        raise InvalidTransition(
            f"已超过请求{name}的期限（{town_time(last_day):%Y年%m月%d日}前）",
            f"A {stage} had to be asked for by {last_day.isoformat()}")
    setattr(incident, f"{stage}_requested_at", now)
    _restart_supervision(incident)
    return f"{stage}_requested"


def _decide_review(incident, _user, _body, now):
    for stage, _name in reversed(REVIEWS):
        if (getattr(incident, f"{stage}_requested_at") is not None
                and getattr(incident, f"{stage}_decided_at") is None):
            setattr(incident, f"{stage}_decided_at", now)
            return f"{stage}_decided"
    raise InvalidTransition("该信访事项没有待出具意见的复查或复核请求",
                            "No review of this petition awaits an opinion")


def _tell_assignee(incident, actor, kind, title, body, now):
    """A notification for the incident's assignee (not when they act on it themselves): what
    it is, and the note that came with the step."""
    if incident.assignee is None or incident.assignee.id == actor.id:
        return
    text = f"{name_of(CATEGORY_NAMES, incident.category)}：{incident.description[:80]}"
    if not _blank(body.get("note")):
        text += f"（{body['note'].strip()}）"
    notify(db.session, [incident.assignee.id], kind, title, text, at=now,
           incident_id=incident.id)


# What an action does besides moving the status (actions not named here do nothing more).
EFFECTS = {"accept": _accept, "dispatch": _dispatch, "extend": _extend, "reply": _reply,
           "verify": _verify, "visit": _visit, "request_review": _request_review,
           "decide_review": _decide_review}


def _assignee_in_scope(assignee_id, incident):
    assignee = db.session.get(User, assignee_id)
    if (assignee is None or not assignee.active or "worker" not in assignee.role_names
            and "center_staff" not in assignee.role_names
            or not scope_of(assignee).covers(incident.village_id, incident.grid_id)):
        raise ValidationFailed(errors={"assignee_id": ["指派对象不存在、已停用或不负责该事件所在网格"]})
    return assignee

