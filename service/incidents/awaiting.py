"""What the town still owes a petitioner or a 12345 caller (待办): the incidents awaiting an
answer (待答复), a return visit (待回访) or a review's opinion (待出具复查复核意见).

Each is data — the values an awaiting incident's fields have — read three ways: as the SQL
condition of a list, as the predicate of its partial index (so that a short to-do list is read
from a short index, however long the town's history), and against one row for a phone's sync,
where a case that stops awaiting is named in ``removed``.
"""
from typing import NamedTuple

from sqlalchemy import and_, column, literal, or_

from service.incidents.workflow import ANSWER_AWAITED, PETITION

SET, UNSET = "set", "unset"  # a field's value: any, or none (NULL)


class Awaiting(NamedTuple):
    name: str
    fields: tuple        # (field, value) pairs every incident awaiting it has
    any_of: tuple = ()   # groups of (field, value) pairs: it has all of at least one group


ANSWERED_CASES = tuple((case,) for case in ANSWER_AWAITED)
# A dispute report follows its dispute (answered, closed and visited there): never listed.
AWAITING = {
    "answer": Awaiting("待答复", (("status", "handled"), ("replied_at", UNSET),
                                ("dispute_id", UNSET)), ANSWERED_CASES),
    "visit": Awaiting("待回访", (("status", "closed"), ("visited_at", UNSET),
                               ("dispute_id", UNSET)), ANSWERED_CASES),
    "review": Awaiting("待出具复查复核意见", (("status", "closed"), PETITION), (
        (("review_requested_at", SET), ("review_decided_at", UNSET)),
        (("re_review_requested_at", SET), ("re_review_decided_at", UNSET)))),
}


def condition(name, columns=None):
    """The SQL condition of awaiting ``name`` on ``columns`` (a table's ``.c``; by default
    bare column names, for an index's predicate). Values are written into the SQL, not bound:
    a partial index serves only a statement whose condition visibly implies its predicate."""
    def term(field, value):
        col = getattr(columns, field) if columns is not None else column(field)
        if value == SET:
            return col.is_not(None)
        if value == UNSET:
            return col.is_(None)
        return col == literal(value, literal_execute=True)

    awaiting = AWAITING[name]
    terms = [term(*pair) for pair in awaiting.fields]
    if awaiting.any_of:
        terms.append(or_(*(and_(*(term(*pair) for pair in group)) for group in awaiting.any_of)))
    return and_(*terms)


def holds(name, row) -> bool:
    """Whether ``row`` (anything with the fields) awaits ``name``."""
    def has(field, value):
        actual = getattr(row, field)
        return actual is not None if value == SET else (
            actual is None if value == UNSET else actual == value)

    awaiting = AWAITING[name]
    return all(has(*pair) for pair in awaiting.fields) and (
        not awaiting.any_of or any(all(has(*pair) for pair in group)
                                   for group in awaiting.any_of))
