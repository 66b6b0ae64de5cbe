"""Who hears of an incident's step: its assignee (dispatched, sent back), whoever dispatched it
(handled; and an assignee who left, service/people/hand_over.py), the town that reviews a
petition (a review asked for). Never the one who took the step; each notice says what the
incident is and carries the step's note."""
from sqlalchemy import select

from service.exports.labels import CATEGORY_NAMES, name_of
from service.extensions import db
from service.models import IncidentEvent
from service.notifications import active_with_role, notify
from service.supervision import chain_members


def tell(incident, actor, recipient_ids, kind, title, body, now):
    recipients = sorted(set(recipient_ids) - {None, actor.id})
    if not recipients:
        return
    text = f"{name_of(CATEGORY_NAMES, incident.category)}：{incident.description[:80]}"
    note = (body.get("note") or "").strip()
    if note:
        text += f"（{note}）"
    notify(db.session, recipients, kind, title, text, at=now, incident_id=incident.id)


def tell_assignee(incident, actor, kind, title, body, now):
    assignee = incident.assignee  # the relationship: a dispatch has just set it, not the id yet
    tell(incident, actor, [assignee.id if assignee else None], kind, title, body, now)


def latest_dispatcher(incident):
    """Who dispatched the incident last: who verifies the handling, and hands it on."""
    return db.session.scalar(
        select(IncidentEvent.actor_id).where(IncidentEvent.incident_id == incident.id,
                                             IncidentEvent.action == "dispatch")
        .order_by(IncidentEvent.id.desc()).limit(1))


def centre_staff():
    """The active staff of the town's centre (综治中心)."""
    return active_with_role(db.session, "center_staff")


def tell_dispatcher(incident, actor, title, body, now):
    """The latest dispatcher, who verifies the handling (and answers first where awaited)."""
    tell(incident, actor, [latest_dispatcher(incident)], "incident_handled", title, body, now)


def tell_the_town(incident, actor, title, body, now):
    """Those who give a review's opinion (workflow.TOWN): the centre's staff and the town's
    level 1."""
    tell(incident, actor, [*centre_staff(), *chain_members(db.session, incident, 1)],
         "incident_review_requested", title, body, now)
