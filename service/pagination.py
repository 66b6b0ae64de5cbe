"""Keyset pagination with opaque cursors: a page costs the same at the millionth row as at the first."""
import base64
import binascii
import json
from datetime import datetime

from sqlalchemy import tuple_

from service.errors import ValidationFailed

BAD_CURSOR = {"cursor": ["游标无效，请从第一页重新获取"]}


def encode_cursor(values) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor, kinds):
    """The key values of a cursor; ``kinds`` gives each value's type (int, str or datetime)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError
        values = []
        for kind, value in zip(kinds, raw):
            if kind is datetime:
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    raise ValueError
            elif not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError
            values.append(value)
        return values
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("游标无效", "Invalid cursor", errors=BAD_CURSOR) from None


def keyset_page(session, stmt, columns, kinds, limit, cursor, descending=False):
    """Run ``stmt`` ordered by ``columns`` from after ``cursor``; return (rows, next_cursor).

    The statement must select one entity that has the key ``columns`` as attributes.
    """
    if cursor:
        after = decode_cursor(cursor, kinds)
        key = tuple_(*columns)
        stmt = stmt.where(key < tuple_(*after) if descending else key > tuple_(*after))
    order = [column.desc() if descending else column.asc() for column in columns]
    rows = session.scalars(stmt.order_by(*order).limit(limit + 1)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, column.key) for column in columns])
