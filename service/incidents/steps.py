"""The workflow's steps on an incident: who may take one, what it needs, what it does besides
moving the status (EFFECTS), all in one transaction with its case-record entry."""
from service.errors import Forbidden, InvalidTransition, ValidationFailed
from service.extensions import db
from service.incidents import notices, queries
from service.incidents.actions import check_version, move, record
from service.incidents.due import extension_allowed_days, review_request_by, stage_due
from service.incidents.schemas import CLOCK_SKEW
from service.incidents.workflow import (ACTION_NAMES, HANDLER, REVIEWS, STATUS_NAMES, TOWN,
                                       awaits_answer, transition_for)
from service.models import User
from service.schema_base import town_time
from service.scope import scope_of


def leads_town_of(user, incident) -> bool:
    """A level 1 worker of the incident's town."""
    return any(a.level == 1 and a.town_id == incident.town_id for a in user.assignments)


def leads_area_of(user, incident) -> bool:
    """A level 1–3 worker whose area holds the incident: the town (1) or its village (2, 3)."""
    return leads_town_of(user, incident) or any(
        a.level in (2, 3) and a.village_id == incident.village_id for a in user.assignments)


def may(user, incident, who) -> bool:
    """API.md: centre staff and level 1–3 workers in scope supervise; ``handle`` is the
    assignee's or a level 1–3 worker's in scope. A review's opinion is the town's: centre staff
    and level 1 (the village that handled the petition does not review itself). An admin keeps
    the system and acts on none."""
    if who == TOWN:
        return "center_staff" in user.role_names or leads_town_of(user, incident)
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
    move(incident, transition.target(body))
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
    notices.tell_assignee(incident, user, "incident_dispatched",
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
    """Closing (``move`` stamps ``closed_at``) needs the answer a petitioner or caller awaits;
    sending back drops it."""
    if not body["passed"]:
        incident.replied_at = None  # the answer was about a handling that did not pass
        notices.tell_assignee(incident, user, "incident_returned",
                              f"事件 {incident.number} 核查未通过，退回重办", body, now)
        return
    if awaits_answer(incident) and incident.replied_at is None:
        raise InvalidTransition("信访事项和 12345 工单须先答复信访人、诉求人（reply），才能核查结案",
                                "Answer the petitioner or 12345 caller before closing the case")


def _visit(incident, _user, body, now):
    if incident.visited_at is not None:
        raise InvalidTransition(f"该事件已于 {town_time(incident.visited_at):%Y-%m-%d %H:%M} 回访",
                                "This incident has had its return visit")
    closed_at = incident.closed_at or incident.updated_at
    incident.visited_at = _moment(body, "visited_at", closed_at, now,
                                  "回访时间应在结案之后、当前时间之前")
    incident.satisfaction = body["satisfaction"]


def _moment(body, field, earliest, now, message):
    """When a step happened: ``body[field]`` when given (a visit made, a letter received before
    it was registered), else now; between ``earliest`` and now, give or take clock skew."""
    moment = body.get(field) or now
    if moment < earliest - CLOCK_SKEW or moment > now + CLOCK_SKEW:
        raise ValidationFailed(errors={field: [message]})
    return moment


def _request_review(incident, user, body, now):
    """The next review the petitioner may ask for, within 30 days of the answer it reviews:
    the written answer for a review (复查), the review's opinion for a re-review (复核). A
    request that came by letter counts from when it arrived (``requested_at``)."""
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
    requested = _moment(body, "requested_at", answered, now,
                        f"{name}请求的收到时间应在所请求{name}的答复或意见之后、当前时间之前")
    last_day = review_request_by(answered)
    if requested > last_day:
        raise InvalidTransition(
            f"已超过请求{name}的期限（{town_time(last_day):%Y年%m月%d日}前）",
            f"A {stage} had to be asked for by {last_day.isoformat()}")
    setattr(incident, f"{stage}_requested_at", requested)
    _restart_supervision(incident)
    notices.tell_the_town(incident, user,
                          f"信访事项 {incident.number} 请求{name}，待出具{name}意见", body, now)
    return f"{stage}_requested"


def _decide_review(incident, _user, _body, now):
    for stage, _name in reversed(REVIEWS):
        if (getattr(incident, f"{stage}_requested_at") is not None
                and getattr(incident, f"{stage}_decided_at") is None):
            setattr(incident, f"{stage}_decided_at", now)
            return f"{stage}_decided"
    raise InvalidTransition("该信访事项没有待出具意见的复查或复核请求",
                            "No review of this petition awaits an opinion")


def _handle(incident, user, body, now):
    """Whoever dispatched the case verifies it (or answers first): they hear it was handled."""
    next_step = "待答复、核查" if awaits_answer(incident) else "待核查"
    notices.tell_dispatcher(incident, user, f"事件 {incident.number} 已处置，{next_step}", body,
                            now)


# What an action does besides moving the status (actions not named here do nothing more).
EFFECTS = {"accept": _accept, "dispatch": _dispatch, "extend": _extend, "handle": _handle,
           "reply": _reply, "verify": _verify, "visit": _visit, "request_review": _request_review,
           "decide_review": _decide_review}


def _assignee_in_scope(assignee_id, incident):
    assignee = db.session.get(User, assignee_id)
    if (assignee is None or not assignee.active or "worker" not in assignee.role_names
            and "center_staff" not in assignee.role_names
            or not scope_of(assignee).covers(incident.village_id, incident.grid_id)):
        raise ValidationFailed(errors={"assignee_id": ["指派对象不存在、已停用或不负责该事件所在网格"]})
    return assignee

