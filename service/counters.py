"""Named counters, incremented atomically inside the caller's transaction.

The row stays locked until that transaction commits, so values are handed out in commit
order: a reader that sees value N committed knows every smaller value is committed too.
Take them as late in a transaction as possible.
"""
from sqlalchemy import text

_NEXT_VALUE = text(
    "INSERT INTO counters (name, value) VALUES (:name, 1) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value")


def next_value(session, name: str) -> int:
    return session.execute(_NEXT_VALUE, {"name": name}).scalar_one()


def next_values(session, *names: str) -> list[int]:
    """The next value of each named counter, in one statement; rows are locked in the order
    given, so callers that name the same counters name them in the same order."""
    params = {f"name{i}": name for i, name in enumerate(names)}
    rows = session.execute(text(
        "INSERT INTO counters (name, value) VALUES "
        + ", ".join(f"(:name{i}, 1)" for i in range(len(names)))
        + " ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING name, value"),
        params).all()
    values = dict(rows)
    return [values[name] for name in names]
