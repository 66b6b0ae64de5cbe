"""Reading disputes through the caller's scope, in SQL."""
from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import defaultload

from service.changes import change_seq_floor, changed_after
from service.disputes.due import overdue_condition
from service.disputes.parties import with_party
from service.extensions import db
from service.models import (Committee, Dispute, DisputeMediator, DisputeVillage, FollowUp,
                            RoutingDecision)
from service.models.types import utcnow
from service.pagination import encode_cursor, keyset_page
from service.schema_base import AssignedTo
from service.scope import visible_one

NOT_FOUND = ("纠纷案件不存在", "Dispute not found")
# Filters a dispute never leaves once it is opened: kept in the sync's query. The others
# (status, committee, mediators, to-do) change, so a sync applies them to what it walks.
FIXED_FILTERS = ("type", "village_id", "channel", "number")
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
        # Only a village committee's disputes can leave it (escalated to the town, which keeps
        # them): the town committee's routing history would repeat its current disputes.
        conditions.append(Dispute.id.in_(select(RoutingDecision.dispute_id).where(
            RoutingDecision.committee_id.in_(select(Committee.id).where(
                Committee.id.in_(committees), Committee.level == "village")))))
    return or_(*conditions)


def get_visible(user, scope, dispute_id, for_update=False):
    return visible_one(db.session, Dispute, select(Dispute).where(visible_to(user, scope)),
                       dispute_id, NOT_FOUND, for_update)


def _page_rows(user, scope, filters):
    """Visible disputes as a page shows them: a page masks every party, so the committee's
    members (who may see them in full) are not loaded."""
    stmt = _with_fixed_filters(
        select(Dispute).where(visible_to(user, scope))
        .options(defaultload(Dispute.committee).lazyload(Committee.members)), filters)
    if filters.get("party"):
        stmt = stmt.where(with_party(user, scope, filters["party"]))
    return stmt


def list_page(user, scope, filters, limit, cursor):
    stmt = _page_rows(user, scope, filters)
    for name in ("status", "committee_id"):
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


def sync_page(user, scope, filters, limit, cursor):
    """What changed after ``filters["updated_after"]``, in commit order: (disputes, removed ids,
    next_cursor, sync_cursor). A cursor continues by change number alone, so a change made while
    the phone pages comes later in the walk instead of being lost between pages; ``sync_cursor``
    is the position after the last change seen, for the next sync. A changed dispute that no
    longer matches the status, committee, mediator or to-do filter is named in ``removed``."""
    since = filters["updated_after"]
    stmt = _page_rows(user, scope, filters).where(changed_after(Dispute, since))
    if not cursor:
        stmt = stmt.where(Dispute.change_seq > change_seq_floor(Dispute, since))
    rows, next_cursor = keyset_page(db.session, stmt, [Dispute.change_seq], [int], limit, cursor)
    sync_cursor = encode_cursor([rows[-1].change_seq]) if rows else cursor
    wanted = _still_wanted(filters, AssignedTo.holder(filters.get("assigned_to"), user.id),
                           [row.id for row in rows])
    return ([row for row in rows if wanted(row)], [row.id for row in rows if not wanted(row)],
            next_cursor, sync_cursor)


def _with_fixed_filters(stmt, filters):
    for name in FIXED_FILTERS:
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(Dispute, name) == filters[name])
    return stmt


def _still_wanted(filters, holder, ids):
    """Whether a changed dispute still matches the filters that a change can make it leave."""
    awaiting = set()
    if filters.get("awaiting") == "follow_up" and ids:
        awaiting = set(db.session.scalars(select(Dispute.id).where(Dispute.id.in_(ids),
                                                                   AWAITING_FOLLOW_UP)))
    return lambda row: (
        all(filters.get(name) is None or getattr(row, name) == filters[name]
            for name in ("status", "committee_id"))
        and (holder is None or any(m.user_id == holder for m in row.mediators))
        and (filters.get("awaiting") is None or row.id in awaiting))
