"""Dispute actions: check permission, validate, act, record on the hash chain, notify."""
from datetime import timedelta

from sqlalchemy import select

from service.counters import next_value
from service.deadlines import add_calendar_days
from service.disputes import record
from service.disputes.changes import touch
from service.disputes.due import stage_due
from service.disputes.parties import new_party
from service.disputes.queries import get_visible
from service.disputes.routing import route
from service.disputes.workflow import (ACTION_NAMES, ASSIGNED, CENTER, HEAD, MEMBER,
                                       STATUS_NAMES, SUPERVISOR, transition_for)
from service.errors import Forbidden, InvalidTransition, OutsideArea, ValidationFailed
from service.extensions import db
from service.geography.queries import locate_place
from service.incidents.actions import follow_dispute
from service.models import (Dispute, DisputeMediator, DisputeVillage, FollowUp,
                            MediationSession, Village)
from service.models.types import utcnow
from service.notifications import notify
from service.schema_base import town_time
from service.versions import check_if_match

CLOCK_SKEW = timedelta(minutes=5)


def open_dispute(user, *, town_id, village_id, grid_id, channel, description, details,
                 incident_id=None, work_order_type=None, now=None):
    """Register a dispute, route it and record both; the caller commits."""
    now = now or utcnow()
    involved = set(details.get("village_ids") or []) | {village_id}
    known = set(db.session.scalars(select(Village.id).where(Village.id.in_(sorted(involved)))))
    if involved - known:
        raise ValidationFailed(errors={"dispute": {"village_ids": [
            f"村（社区）不存在：{sorted(involved - known)}"]}})
    year = town_time(now).year
    dispute = Dispute(
        town_id=town_id, incident_id=incident_id, channel=channel, work_order_type=work_order_type,
        description=description, type=details["type"], serious=details.get("serious", False),
        village_id=village_id, grid_id=grid_id, status="received", received_at=now,
        stage_started_at=now, reporter_id=user.id, created_at=now, version=0,  # touch() makes it 1
        number=f"TJ{year}{next_value(db.session, f'disputes.number.{town_id}.{year}'):06d}",
        villages=[DisputeVillage(village_id=v) for v in sorted(involved)],
        parties=[new_party(party) for party in details.get("parties") or []])
    db.session.add(dispute)
    committee = route(db.session, dispute, at=now)
    dispute.due_at = stage_due(dispute)
    touch(dispute)
    record.append(db.session, dispute, user.id, "register", None,
                  note=f"登记并分派至{committee.name}",
                  details={"committee_id": committee.id, "channel": channel})
    notify(db.session, heads_of(committee), "dispute_routed", f"新纠纷 {dispute.number} 待受理",
           f"{committee.name}收到新的矛盾纠纷（{dispute.number}），请及时受理。", dispute.id, now)
    return dispute


def heads_of(committee):
    """The committee's heads (主任), who take its new and escalated disputes and hand cases on."""
    return [member.user_id for member in committee.members if member.is_head]


def actor_kinds(user, scope, dispute):
    kinds = set()
    membership = next((m for m in dispute.committee.members if m.user_id == user.id), None)
    if membership is not None:
        kinds.add(MEMBER)
        if membership.is_head:
            kinds.add(HEAD)
    if "center_staff" in user.role_names:
        kinds.add(CENTER)
    if any(m.user_id == user.id for m in dispute.mediators):
        kinds.add(ASSIGNED)
    involved = {v.village_id for v in dispute.villages} | {dispute.village_id}
    if any(a.level == 1 or a.level in (2, 3) and a.village_id in involved for a in user.assignments):
        kinds.add(SUPERVISOR)
    return kinds


def check_version(dispute, if_match):
    check_if_match(if_match, etag_value(dispute), dispute.version, "案件", "dispute")


def etag_value(dispute):
    return f"d{dispute.id}-{dispute.version}"


def perform(user, scope, dispute_id, action, body, if_match=None):
    dispute = get_visible(user, scope, dispute_id, for_update=True)
    check_version(dispute, if_match)
    transition = transition_for(dispute.status, action)
    if transition is None or action == "escalate" and dispute.committee.level == "town":
        where = "已在镇调委会" if transition else f"当前为“{STATUS_NAMES[dispute.status]}”"
        raise InvalidTransition(f"案件{where}，不能{ACTION_NAMES[action]}",
                                f"Cannot {action} a dispute that is {dispute.status}")
    if not actor_kinds(user, scope, dispute) & set(transition.who):
        raise Forbidden(f"您无权对该案件执行“{ACTION_NAMES[action]}”",
                        f"You may not {action} this dispute")
    missing = {name: ["必填字段"] for name in transition.requires if body.get(name) is None}
    if missing:
        raise ValidationFailed(errors=missing)
    now = utcnow()
    from_status = dispute.status
    if transition.to:
        dispute.status = transition.to
    note, details = HANDLERS[action](dispute, user, body, now)
    if dispute.status != from_status or action in ("escalate", "follow_up"):
        # a new stage (escalate: received → received at the town; follow_up: the visit is done)
        dispute.stage_started_at = now
        dispute.supervision_level, dispute.supervision_due_at = 4, None
    if dispute.status != from_status:
        # before the dispute's change number: a report takes its own first, then its dispute's
        follow_dispute(dispute, user)
    touch(dispute)
    db.session.flush()
    dispute.due_at = stage_due(dispute, has_follow_up=_has_follow_up(dispute))
    record.append(db.session, dispute, user.id, action, from_status, note, details, now)
    db.session.commit()
    return dispute


def _has_follow_up(dispute):
    return db.session.scalar(select(FollowUp.id).where(FollowUp.dispute_id == dispute.id)
                             .limit(1)) is not None


def _accept(dispute, user, body, now):
    dispute.accepted_at = now
    return body.get("note"), None


def _decline(dispute, user, body, now):
    dispute.closed_at = now
    return body["reason"], None


def _assign(dispute, user, body, now):
    wanted = list(dict.fromkeys(body["mediator_ids"]))
    members = {m.user_id for m in dispute.committee.members}
    outsiders = [uid for uid in wanted if uid not in members]
    if not wanted or outsiders:
        raise ValidationFailed(errors={"mediator_ids": [
            f"只能指派{dispute.committee.name}的成员" + (f"（{outsiders} 不是成员）" if outsiders else "")]})
    dispute.mediators = [DisputeMediator(user_id=uid) for uid in wanted]
    notify(db.session, wanted, "dispute_assigned", f"纠纷 {dispute.number} 指派给您调解",
           f"您被指派调解矛盾纠纷 {dispute.number}。", dispute.id, now)
    return body.get("note"), {"mediator_ids": wanted}


def _session(dispute, user, body, now):
    held_at = body["held_at"]
    if held_at > now + CLOCK_SKEW or held_at < dispute.received_at - CLOCK_SKEW:
        raise ValidationFailed(errors={"held_at": ["调解时间应在案件登记之后、当前时间之前"]})
    session = MediationSession(dispute_id=dispute.id, held_at=held_at, summary=body["summary"],
                               attendees=body.get("attendees"), recorded_by_id=user.id)
    db.session.add(session)
    db.session.flush()
    return body["summary"], {"session_id": session.id, "held_at": held_at.isoformat()}


def _resolve(dispute, user, body, now):
    dispute.resolved_at = now
    if body["outcome"] == "agreed":
        agreement = body.get("agreement")
        if not agreement:
            raise ValidationFailed(errors={"agreement": ["调解成功须填写调解协议"]})
        dispute.status = "agreed"
        dispute.agreement_terms = agreement["terms"]
        dispute.agreement_form = agreement["form"]
        dispute.agreement_amount_yuan = agreement.get("amount_yuan")
        dispute.agreement_perform_by = agreement.get("perform_by")
        dispute.judicial_confirmation_due = add_calendar_days(now, 30)
        return agreement["terms"], {"outcome": "agreed", "form": agreement["form"],
                                    "amount_yuan": agreement.get("amount_yuan")}
    if not (body.get("reason") or "").strip():
        raise ValidationFailed(errors={"reason": ["调解不成须写明原因"]})
    dispute.status = "failed"
    dispute.failure_reason = body["reason"]
    return body["reason"], {"outcome": "failed"}


def _escalate(dispute, user, body, now):
    previous = dispute.committee.name
    dispute.escalated = True
    dispute.mediators = []
    dispute.accepted_at = None
    committee = route(db.session, dispute, escalated=True, at=now)
    notify(db.session, heads_of(committee), "dispute_escalated", f"纠纷 {dispute.number} 上报镇调委会",
           f"{previous}上报纠纷 {dispute.number}：{body['reason']}", dispute.id, now)
    return body["reason"], {"from": previous, "to_committee_id": committee.id}


def _close(dispute, user, body, now):
    dispute.closed_at = now
    return body.get("note"), None


def _follow_up(dispute, user, body, now):
    if body["visited_at"] < dispute.resolved_at - CLOCK_SKEW or body["visited_at"] > now + CLOCK_SKEW:
        raise ValidationFailed(errors={"visited_at": ["回访时间应在调解协议达成之后、当前时间之前"]})
    visit = FollowUp(dispute_id=dispute.id, visited_at=body["visited_at"],
                     performed=body["performed"], satisfaction=body["satisfaction"],
                     note=body.get("note"), visitor_id=user.id)
    db.session.add(visit)
    if body.get("judicially_confirmed"):
        dispute.judicially_confirmed = True
    return body.get("note"), {"performed": body["performed"], "satisfaction": body["satisfaction"],
                              "judicially_confirmed": bool(body.get("judicially_confirmed"))}


HANDLERS = {"accept": _accept, "decline": _decline, "assign": _assign, "session": _session,
            "resolve": _resolve, "escalate": _escalate, "close": _close, "follow_up": _follow_up}


def intake(user, scope, payload):
    """Register a walk-in or hotline dispute without a field report (centre staff, workers)."""
    if not {"center_staff", "worker"} & user.role_names:
        raise Forbidden("只有综治中心工作人员和网格员可以登记纠纷", "Only centre staff and grid workers register disputes")
    grid_id, village_id = _place_of(scope, payload)
    village = db.session.get(Village, village_id)
    dispute = open_dispute(user, town_id=village.town_id, village_id=village_id, grid_id=grid_id,
                           channel=payload["channel"], description=payload["description"].strip(),
                           details=payload["dispute"], work_order_type=payload["work_order_type"])
    db.session.commit()
    return dispute


def _place_of(scope, payload):
    if payload["location"] is not None:
        grid = locate_place(*payload["location"])
        if grid is None:
            raise OutsideArea("该位置不在本镇任何网格内", "The location is in no grid", status=422)
        return grid.id, grid.village_id
    village = db.session.get(Village, payload["village_id"])
    if village is None or not (scope.town_wide or village.id in scope.village_ids):
        raise ValidationFailed(errors={"village_id": ["村（社区）不存在或不在您的负责范围内"]})
    return None, village.id
