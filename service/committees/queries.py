"""Committees and their members, read for the API."""
from sqlalchemy import func, select

from service.errors import NotFound
from service.extensions import db
from service.models import Committee, CommitteeMember, LegalAdvisor, User
from service.models.disputes import DISPUTE_STATUSES, TERMINAL_STATUSES
from service.people.hand_over import assigned_disputes


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


UNFINISHED = tuple(status for status in DISPUTE_STATUSES if status not in TERMINAL_STATUSES)


def open_disputes_of(user_ids):
    """user id → the disputes assigned to them that are not over (closed, referred, declined)."""
    return assigned_disputes(db.session, user_ids, UNFINISHED)


def legal_advisor_of(committee):
    if committee.village_id is None:
        return None
    return db.session.scalar(select(LegalAdvisor).where(LegalAdvisor.village_id == committee.village_id))
