"""The case record is append-only: the ORM refuses to update or delete its entries."""
from sqlalchemy import event
from sqlalchemy.orm import Session

APPEND_ONLY = []


class CaseRecordIsAppendOnly(RuntimeError):
    pass


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
