"""Reading disputes through the caller's scope, in SQL."""
from datetime import datetime

from sqlalchemy import exists, or_, select

from service.disputes.due import overdue_condition
from service.extensions import db
from service.models import Dispute, DisputeMediator, DisputeVillage, FollowUp, RoutingDecision
from service.models.types import utcnow
from service.pagination import keyset_page
from service.schema_base import AssignedTo
from service.scope import visible_one

NOT_FOUND = ("纠纷案件不存在", "Dispute not found")
# 待回访: an agreement reached (the case closed or not) whose performance nobody has checked yet.
AWAITING_FOLLOW_UP = (Dispute.status.in_(("agreed", "closed"))
                      & Dispute.agreement_terms.is_not(None)
                      & ~exists().where(FollowUp.dispute_id == Dispute.id))


def visible_to(user, scope):
    """Area workers see their area's disputes; mediators their committees' (including the ones
    their committee handled before an escalation) and the ones they are assigned to."""
    conditions = [scope.area_condition(Dispute.village_id, Dispute.grid_id),
                  Dispute.reporter_id == user.id,
                  Dispute.id.in_(select(DisputeMediator.dispute_id)
                                 .where(DisputeMediator.user_id == user.id))]
    if scope.village_ids:
        conditions.append(Dispute.id.in_(select(DisputeVillage.dispute_id).where(
            DisputeVillage.village_id.in_(sorted(scope.village_ids)))))
    if scope.committee_ids:
        committees = sorted(scope.committee_ids)
        conditions.append(Dispute.committee_id.in_(committees))
        conditions.append(Dispute.id.in_(select(RoutingDecision.dispute_id).where(
            RoutingDecision.committee_id.in_(committees))))
    return or_(*conditions)


def get_visible(user, scope, dispute_id, for_update=False):
    return visible_one(db.session, Dispute, select(Dispute).where(visible_to(user, scope)),
                       dispute_id, NOT_FOUND, for_update)


def list_page(user, scope, filters, limit, cursor):
    stmt = select(Dispute).where(visible_to(user, scope))
    for name in ("status", "committee_id", "type", "village_id", "channel"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(Dispute, name) == filters[name])
    holder = AssignedTo.holder(filters.get("assigned_to"), user.id)
    if holder is not None:
        stmt = stmt.where(Dispute.id.in_(select(DisputeMediator.dispute_id)
                                         .where(DisputeMediator.user_id == holder)))
    if filters.get("overdue") is not None:
        late = overdue_condition(utcnow())
        stmt = stmt.where(late if filters["overdue"] else ~late)
    if filters.get("awaiting") == "follow_up":
        stmt = stmt.where(AWAITING_FOLLOW_UP)
    return keyset_page(db.session, stmt, [Dispute.created_at, Dispute.id], [datetime, int],
                       limit, cursor, descending=True)
