"""The service's clock. Everything that stamps a time asks ``now()``; a replay of a past year
(``flask demo replay-2023``) sets the clock for the steps it plays."""
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

_fixed: ContextVar[datetime | None] = ContextVar("fixed_now", default=None)


def now() -> datetime:
    return _fixed.get() or datetime.now(timezone.utc)


@contextmanager
def clock_at(moment: datetime):
    if moment.tzinfo is None:
        raise ValueError("clock_at needs an aware datetime")
    token = _fixed.set(moment.astimezone(timezone.utc))
    try:
        yield
    finally:
        _fixed.reset(token)
