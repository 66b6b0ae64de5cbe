"""The case record is append-only: the ORM refuses to update or delete its entries; and every
entry's action has a name a phone can show."""
from sqlalchemy import event
from sqlalchemy.orm import Session

APPEND_ONLY = []


class CaseRecordIsAppendOnly(RuntimeError):
    pass


def require_named(action, names):
    """Refuse an entry whose action has no name in ``names`` (a module's RECORD_ACTION_NAMES):
    a new action fails where it is written, not later where a phone lists it."""
    if action not in names:
        raise ValueError(f"case-record action without a name: {action!r}")


def append_only(model):
    """Class decorator marking a model as an append-only record."""
    APPEND_ONLY.append(model)
    return model


@event.listens_for(Session, "before_flush")
def _refuse_rewrites(session, _context, _instances):
    for instance in list(session.dirty) + list(session.deleted):
        if isinstance(instance, tuple(APPEND_ONLY)) and (
                instance in session.deleted or session.is_modified(instance)):
            raise CaseRecordIsAppendOnly(f"{type(instance).__name__} 是只增不改的案卷记录")
