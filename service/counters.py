"""Named counters, incremented atomically inside the caller's transaction.

The row stays locked until that transaction commits, so values are handed out in commit
order: a reader that sees value N committed knows every smaller value is committed too.
Take them as late in a transaction as possible.
"""
from functools import cache

from sqlalchemy import text


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

