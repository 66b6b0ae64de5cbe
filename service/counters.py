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
