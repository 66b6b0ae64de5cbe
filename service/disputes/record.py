"""The dispute case record as a hash chain: each entry hashes its content and the hash before it,
so a rewritten or deleted entry breaks every link after it."""
import hashlib
import json
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import select

from service.case_record import require_named
from service.disputes.changes import touch
from service.disputes.workflow import RECORD_ACTION_NAMES
from service.models import Dispute, DisputeEvent

GENESIS = "0" * 64


def entry_hash(prev_hash, dispute_id, sequence, actor_id, action, from_status, to_status, note,
               details, created_at):
    content = json.dumps([dispute_id, sequence, actor_id, action, from_status, to_status, note,
                          details, created_at.astimezone(timezone.utc).isoformat(timespec="microseconds")],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def _hash_of(event, prev_hash):
    return entry_hash(prev_hash, event.dispute_id, event.sequence, event.actor_id, event.action,
                      event.from_status, event.to_status, event.note, event.details,
                      event.created_at)


def append(session, dispute, actor_id, action, from_status, note=None, details=None, at=None):
    """Append an entry; the caller holds the dispute's row lock, so the chain cannot fork."""
    require_named(action, RECORD_ACTION_NAMES)
    last = session.execute(select(DisputeEvent.sequence, DisputeEvent.hash)
                           .where(DisputeEvent.dispute_id == dispute.id)
                           .order_by(DisputeEvent.sequence.desc()).limit(1)).first()
    sequence, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = DisputeEvent(dispute_id=dispute.id, sequence=sequence, actor_id=actor_id,
                         action=action, from_status=from_status, to_status=dispute.status,
                         note=note, created_at=at or dispute.updated_at, prev_hash=prev_hash,
                         details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
                         if details is not None else None)
    event.hash = _hash_of(event, prev_hash)
    session.add(event)
    return event


def record_supervision(session, dispute, from_level, to_level, note, now):
    """A 督办 step (service.supervision) as a new version and an entry with no actor."""
    touch(dispute)
    append(session, dispute, None, "supervise", dispute.status, note,
           {"from_level": from_level, "to_level": to_level}, now)


def record_deadline_moved(session, dispute, actor_id, note, details):
    """A deadline moved by an entered holiday calendar (service.holidays), as a new version."""
    touch(dispute)
    append(session, dispute, actor_id, "deadline_moved", dispute.status, note, details)


@dataclass(frozen=True)
class BrokenLink:
    dispute_id: int
    number: str
    sequence: int
    event_id: int
    reason: str


def verify(session, dispute_id=None):
    """The first broken link of each chain checked (an empty list when all hold)."""
    stmt = select(Dispute.id, Dispute.number).order_by(Dispute.id)
    if dispute_id is not None:
        stmt = stmt.where(Dispute.id == dispute_id)
    broken = []
    for the_id, number in session.execute(stmt).all():
        prev_hash, expected_sequence = GENESIS, 1
        for event in session.scalars(select(DisputeEvent).where(DisputeEvent.dispute_id == the_id)
                                     .order_by(DisputeEvent.sequence)):
            reason = None
            if event.sequence != expected_sequence:
                reason = f"缺少第 {expected_sequence} 条记录"
            elif event.prev_hash != prev_hash:
                reason = "前一条记录的哈希不符（前一条被改动或删除）"
            elif event.hash != _hash_of(event, prev_hash):
                reason = "记录内容与其哈希不符（该条被改动）"
            if reason:
                broken.append(BrokenLink(the_id, number, event.sequence, event.id, reason))
                break
            prev_hash, expected_sequence = event.hash, expected_sequence + 1
    return broken
