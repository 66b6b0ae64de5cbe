"""督办: overdue disputes climb their grid's four-level chain (4 → 3 → 2 → 1).

Safe to run often and concurrently: each step is a conditional UPDATE on the level it saw, so
of two runs racing for the same dispute exactly one moves it; the other finds nothing to do.
After a step the next level has SUPERVISION_WORKING_DAYS to act before the next step.
A closed agreement is supervised too while its return visit (回访) is overdue: its ``due_at`` is
the visit's deadline, and is cleared once the visit is on the record.
"""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, select, update

from service.deadlines import add_working_days
from service.disputes import record
from service.disputes.due import overdue_condition
from service.models import Dispute, User, WorkerAssignment
from service.models.types import utcnow
from service.notifications import notify

LEVEL_NAMES = {1: "第一级（镇党委书记、镇长）", 2: "第二级（驻村领导）", 3: "第三级（村/社区书记）",
               4: "第四级（网格员）"}


@dataclass(frozen=True)
class Supervised:
    number: str
    from_level: int
    to_level: int


def chain_members(session, dispute, level):
    stmt = select(WorkerAssignment.user_id).join(User, User.id == WorkerAssignment.user_id).where(
        User.active, WorkerAssignment.level == level)
    if level == 1:
        stmt = stmt.where(WorkerAssignment.town_id == dispute.town_id)
    elif level in (2, 3):
        stmt = stmt.where(WorkerAssignment.village_id == dispute.village_id)
    else:
        stmt = stmt.where(WorkerAssignment.grid_id == dispute.grid_id)
    return session.scalars(stmt).all()


def overdue_candidates(session, now):
    return session.execute(select(Dispute.id, Dispute.supervision_level).where(
        overdue_condition(now), Dispute.supervision_level > 1,
        or_(Dispute.supervision_due_at.is_(None), Dispute.supervision_due_at < now))
        .order_by(Dispute.id)).all()


def supervise_overdue(session, now=None):
    now = now or utcnow()
    days = current_app.config.get("SUPERVISION_WORKING_DAYS", 2)
    done = []
    for dispute_id, level in overdue_candidates(session, now):
        moved = session.execute(
            update(Dispute).where(Dispute.id == dispute_id, Dispute.supervision_level == level,
                                  or_(Dispute.supervision_due_at.is_(None),
                                      Dispute.supervision_due_at < now))
            .values(supervision_level=level - 1, supervision_due_at=add_working_days(now, days),
                    version=Dispute.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if moved != 1:
            session.rollback()
            continue
        dispute = session.get(Dispute, dispute_id, populate_existing=True)
        note = f"逾期督办：由{LEVEL_NAMES[level]}升至{LEVEL_NAMES[level - 1]}"
        record.append(session, dispute, None, "supervise", dispute.status, note,
                      {"from_level": level, "to_level": level - 1}, now)
        notify(session, chain_members(session, dispute, level - 1), "dispute_supervised",
               f"督办：纠纷 {dispute.number} 已逾期", note, dispute.id, now)
        session.commit()
        done.append(Supervised(dispute.number, level, level - 1))
    return done
