"""Keyset pagination with opaque cursors: a page costs the same at the millionth row as at the first."""
import base64
import binascii
import json
from datetime import datetime

from sqlalchemy import Integer, bindparam, tuple_

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
    page = keyset_statement(stmt, columns, descending, bool(cursor))
    rows = session.scalars(page, page_params(cursor, kinds, limit)).all()
    return page_of(rows, columns, limit)


def keyset_statement(stmt, columns, descending=False, with_cursor=False, view=None):
    """``stmt`` as one page, its values all bound at execution (``page_params``), so that a
    busy listing can build it once and run it again: ordered by ``columns``, after the key
    of the cursor when ``with_cursor``, one row more than the page's limit. With ``view``,
    what ``view(page)`` selects of each row of the page (a subquery), in the same order."""
    if with_cursor:
        key = tuple_(*columns)
        after = tuple_(*(bindparam(f"after_{n}", type_=column.type)
                         for n, column in enumerate(columns)))
        stmt = stmt.where(key < after if descending else key > after)
    # The row count is written into the SQL, not bound: PostgreSQL may reuse one generic plan
    # for a prepared statement, and planned without knowing the LIMIT it chose to scan and
    # sort whole tables (0.3 s for a town-wide page at 100k incidents).
    stmt = stmt.order_by(*_ordered(columns, descending)).limit(
        bindparam("page_rows", type_=Integer, literal_execute=True))
    if view is None:
        return stmt
    page = stmt.subquery()
    return view(page).order_by(*_ordered([page.c[column.key] for column in columns], descending))


def page_params(cursor, kinds, limit):
    """The bound values of a ``keyset_statement`` page: the cursor's key and the row count."""
    after = decode_cursor(cursor, kinds) if cursor else []
    return {"page_rows": limit + 1, **{f"after_{n}": value for n, value in enumerate(after)}}


def page_of(rows, columns, limit):
    """(rows, next_cursor) from a page's rows, fetched one more than ``limit``."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, column.key) for column in columns])


def _ordered(columns, descending):
    return [column.desc() if descending else column.asc() for column in columns]
