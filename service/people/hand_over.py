"""The open cases a person holds, and who hears of them when that person leaves their post
(停用) or the area or committee a case lies in: each incident's latest dispatcher (or the
village's level 3, if the dispatcher left too) to dispatch it on, each dispute's committee head
(or the centre's staff, if the head is the one leaving) to assign another mediator. Until then
the cases stay where they were."""
from types import SimpleNamespace

from sqlalchemy import exists, func, or_, select

from service.disputes.actions import heads_of
from service.incidents.notices import centre_staff, latest_dispatcher, tell
from service.models import Dispute, DisputeMediator, Incident, User
from service.notifications import notify
from service.scope import scope_of
from service.supervision import chain_members

# Work that stops when its holder leaves: incidents dispatched to them to handle, disputes they
# were assigned to mediate and that are still being mediated.
HELD_INCIDENT_STATUSES = ("dispatched",)
HELD_DISPUTE_STATUSES = ("accepted", "mediating")


def _held_incidents(user):
    return select(Incident).where(Incident.assignee_id == user.id,
                                  Incident.status.in_(HELD_INCIDENT_STATUSES))


def _held_disputes(user):
    return select(Dispute).join(DisputeMediator, DisputeMediator.dispute_id == Dispute.id).where(
        DisputeMediator.user_id == user.id, Dispute.status.in_(HELD_DISPUTE_STATUSES))


def held_work(session, user):
    """How many open cases ``user`` holds: incidents to handle, disputes to mediate."""
    return held_work_of(session, [user.id])[user.id]


def held_work_of(session, user_ids):
    """``held_work`` of each of ``user_ids`` (a page of accounts), in two grouped counts."""
    held = {user_id: {"incidents": 0, "disputes": 0} for user_id in user_ids}
    if not user_ids:
        return held
    incidents = session.execute(
        select(Incident.assignee_id, func.count())
        .where(Incident.assignee_id.in_(user_ids), Incident.status.in_(HELD_INCIDENT_STATUSES))
        .group_by(Incident.assignee_id)).all()
    disputes = assigned_disputes(session, user_ids, HELD_DISPUTE_STATUSES).items()
    for kind, counts in (("incidents", incidents), ("disputes", disputes)):
        for user_id, count in counts:
            held[user_id][kind] = count
    return held


def assigned_disputes(session, user_ids, statuses):
    """user id → how many disputes in ``statuses`` each of ``user_ids`` is assigned to mediate."""
    return dict(session.execute(
        select(DisputeMediator.user_id, func.count())
        .join(Dispute, Dispute.id == DisputeMediator.dispute_id)
        .where(DisputeMediator.user_id.in_(user_ids), Dispute.status.in_(statuses))
        .group_by(DisputeMediator.user_id)).all())


def holds_work():
    """An account holds an open case (for the account list's ``holds_work`` filter)."""
    return or_(exists().where(Incident.assignee_id == User.id,
                              Incident.status.in_(HELD_INCIDENT_STATUSES)),
               exists().where(DisputeMediator.user_id == User.id,
                              DisputeMediator.dispute_id == Dispute.id,
                              Dispute.status.in_(HELD_DISPUTE_STATUSES)))


def announce_leaving(session, user, operator_id, now):
    """``user`` left their post: tell those who hand on every open case they hold."""
    _announce(session, user, operator_id, now, None)


def announce_move(session, user, operator_id, now):
    """``user``'s area or committee changed: tell those who hand on the open cases they hold
    where they no longer work (their new scope does not cover them)."""
    _announce(session, user, operator_id, now, scope_of(user))


def _announce(session, user, operator_id, now, new_scope):
    actor = SimpleNamespace(id=operator_id)  # never told of what they did themselves
    for incident in session.scalars(_held_incidents(user)):
        if new_scope and new_scope.covers(incident.village_id, incident.grid_id):
            continue
        dispatcher = latest_dispatcher(incident)
        recipients = ([dispatcher] if dispatcher and _active(session, dispatcher)
                      else chain_members(session, incident, 3))
        why = "已停用" if new_scope is None else "已不负责该事件所在的网格"
        tell(incident, actor, recipients, "incident_assignee_left",
             f"事件 {incident.number} 的处置人{user.name}{why}，请改派", {}, now)
    for dispute in session.scalars(_held_disputes(user)):
        if new_scope and dispute.committee_id in new_scope.committee_ids:
            continue
        heads = set(heads_of(dispute.committee)) - {user.id}
        why = "已停用" if new_scope is None else f"已不在{dispute.committee.name}"
        notify(session, (heads or set(centre_staff())) - {operator_id}, "dispute_mediator_left",
               f"纠纷 {dispute.number} 的调解员{user.name}{why}，请重新指派调解员",
               dispute.description[:80], dispute_id=dispute.id, at=now)


def _active(session, user_id):
    return session.scalar(select(User.active).where(User.id == user_id))
