"""督办: overdue cases — disputes and incidents with a time limit — climb their grid's four-level
chain (4 → 3 → 2 → 1), one level per step, each step on the case record and told to the level
it reaches.

Safe to run often and concurrently: each step is a conditional UPDATE on the level it saw, so
of two runs racing for the same case exactly one moves it; the other finds nothing to do.
After a step the next level has SUPERVISION_WORKING_DAYS to act before the next step.
What each kind of case is, and how a step goes on its record, is data (``KINDS``).
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, select, update

from service.deadlines import add_working_days
from service.holidays.calendar import IN_FORCE
from service.disputes.due import overdue_condition as dispute_overdue
from service.disputes.record import record_supervision as record_dispute_step
from service.incidents.actions import record_supervision as record_incident_step
from service.incidents.due import overdue_condition as incident_overdue
from service.models import Dispute, Incident, User, WorkerAssignment
from service.models.types import utcnow
from service.notifications import notify

LEVEL_NAMES = {1: "第一级（镇党委书记、镇长）", 2: "第二级（驻村领导）", 3: "第三级（村/社区书记）",
               4: "第四级（网格员）"}


@dataclass(frozen=True)
class CaseKind:
    model: type
    noun: str                 # in the notification's title
    notification: str         # the notification's kind
    case_key: str             # notify()'s keyword naming the case
    overdue: Callable         # now → SQL condition
    record_step: Callable     # (session, case, from_level, to_level, note, now) → None


KINDS = (
    CaseKind(Dispute, "纠纷", "dispute_supervised", "dispute_id", dispute_overdue,
             record_dispute_step),
    CaseKind(Incident, "事件", "incident_supervised", "incident_id", incident_overdue,
             record_incident_step),
)


@dataclass(frozen=True)
class Supervised:
    number: str
    from_level: int
    to_level: int


def chain_members(session, case, level):
    """The active workers of ``level`` over the case's grid: its town (1), village (2, 3), grid (4)."""
    stmt = select(WorkerAssignment.user_id).join(User, User.id == WorkerAssignment.user_id).where(
        User.active, WorkerAssignment.level == level)
    if level == 1:
        stmt = stmt.where(WorkerAssignment.town_id == case.town_id)
    elif level in (2, 3):
        stmt = stmt.where(WorkerAssignment.village_id == case.village_id)
    else:
        stmt = stmt.where(WorkerAssignment.grid_id == case.grid_id)
    return session.scalars(stmt).all()


def _due_for_step(model, now):
    """Not yet at the top, and the last step's window (if any) has passed."""
    return (model.supervision_level > 1,
            or_(model.supervision_due_at.is_(None), model.supervision_due_at < now))


def overdue_candidates(session, kind, now):
    model = kind.model
    return session.execute(select(model.id, model.supervision_level).where(
        kind.overdue(now), *_due_for_step(model, now)).order_by(model.id)).all()


def supervise_overdue(session, now=None, kinds=KINDS):
    """One 督办 step for every overdue case whose turn it is; the steps taken, in order."""
    now = now or utcnow()
    next_window_ends = add_working_days(
        now, current_app.config.get("SUPERVISION_WORKING_DAYS", 2), IN_FORCE)
    done = []
    for kind in kinds:
        model = kind.model
        for case_id, level in overdue_candidates(session, kind, now):
            moved = session.execute(
                update(model).where(model.id == case_id, model.supervision_level == level,
                                    kind.overdue(now), *_due_for_step(model, now))
                .values(supervision_level=level - 1,
                        supervision_due_at=next_window_ends)
                .execution_options(synchronize_session=False)).rowcount
            if moved != 1:
                session.rollback()
                continue
            case = session.get(model, case_id, populate_existing=True)
            note = f"逾期督办：由{LEVEL_NAMES[level]}升至{LEVEL_NAMES[level - 1]}"
            kind.record_step(session, case, level, level - 1, note, now)
            notify(session, chain_members(session, case, level - 1), kind.notification,
                   f"督办：{kind.noun} {case.number} 已逾期", note, at=now,
                   **{kind.case_key: case.id})
            session.commit()
            done.append(Supervised(case.number, level, level - 1))
    return done
