"""Committees and their members, read for the API."""
from sqlalchemy import func, select

from service.errors import NotFound
from service.extensions import db
from service.models import Committee, CommitteeMember, Dispute, DisputeMediator, LegalAdvisor, User
from service.models.disputes import TERMINAL_STATUSES


def all_committees():
    """Every committee, the town's first, with its count of active members."""
    counts = dict(db.session.execute(
        select(CommitteeMember.committee_id, func.count())
        .join(User, User.id == CommitteeMember.user_id).where(User.active)
        .group_by(CommitteeMember.committee_id)).all())
    committees = db.session.scalars(select(Committee).order_by(
        Committee.level, Committee.village_id, Committee.id)).all()  # "town" < "village"
    return committees, counts


def committee_of(committee_id):
    committee = db.session.get(Committee, committee_id)
    if committee is None:
        raise NotFound("调解委员会不存在", "Committee not found")
    return committee


def open_disputes_of(user_ids):
    """user id → the disputes assigned to them that are not over (closed, referred, declined)."""
    return dict(db.session.execute(
        select(DisputeMediator.user_id, func.count())
        .join(Dispute, Dispute.id == DisputeMediator.dispute_id)
        .where(DisputeMediator.user_id.in_(user_ids), Dispute.status.not_in(TERMINAL_STATUSES))
        .group_by(DisputeMediator.user_id)).all())


def legal_advisor_of(committee):
    if committee.village_id is None:
        return None
    return db.session.scalar(select(LegalAdvisor).where(LegalAdvisor.village_id == committee.village_id))
