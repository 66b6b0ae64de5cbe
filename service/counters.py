"""Named counters, incremented atomically inside the caller's transaction.

The row stays locked until that transaction commits, so values are handed out in commit
order: a reader that sees value N committed knows every smaller value is committed too.
Take them as late in a transaction as possible.
"""
from functools import cache

from sqlalchemy import text

from service.extensions import db
from service.models.types import utcnow


@cache
def _increment(count: int):
    """``count`` counters incremented (created at 1) in one statement."""
    values = ", ".join(f"(:name{i}, 1)" for i in range(count))
    return text(f"INSERT INTO counters (name, value) VALUES {values} "
                "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING name, value")


def next_value(session, name: str) -> int:
    return next_values(session, name)[0]


def next_values(session, *names: str) -> list[int]:
    """The next value of each named counter, in one statement; rows are locked in the order
    given, so callers that name the same counters name them in the same order."""
    rows = session.execute(_increment(len(names)),
                           {f"name{i}": name for i, name in enumerate(names)}).all()
    values = dict(rows)
    return [values[name] for name in names]


def mark_change(row, sequence: str):
    """A change to a case a phone syncs: a new version, a change number from ``sequence`` taken
    in commit order, then the time.

    The time is read after the change number's row lock is held, so ``updated_at`` grows with
    ``change_seq``: a phone that syncs from the newest ``updated_at`` it has seen misses
    nothing committed after it."""
    row.version = (row.version or 0) + 1
    row.change_seq = next_value(db.session, sequence)
    row.updated_at = utcnow()
