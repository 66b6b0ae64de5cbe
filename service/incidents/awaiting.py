"""What the town still owes a petitioner or a 12345 caller (待办): the incidents awaiting an
answer (待答复), a return visit (待回访) or a review's opinion (待出具复查复核意见).

Each is data — the values an awaiting incident's fields have — read three ways: as the SQL
condition of a list, as the predicate of its partial index (so that a short to-do list is read
from a short index, however long the town's history), and against one row for a phone's sync,
where a case that stops awaiting is named in ``removed``.
"""
from typing import NamedTuple

from sqlalchemy import and_, column, literal, or_

from service.incidents.workflow import ANSWER_AWAITED, PETITION, REVIEWS

SET, UNSET = "set", "unset"  # a field's value: any, or none (NULL)


class Awaiting(NamedTuple):
    name: str            # what the list is called, and which cases it holds
    fields: tuple        # (field, value) pairs every incident awaiting it has
    any_of: tuple = ()   # groups of (field, value) pairs: it has all of at least one group


ANSWERED_CASES = tuple((case,) for case in ANSWER_AWAITED)
# A dispute report follows its dispute (answered, closed and visited there): never listed.
AWAITING = {
    "answer": Awaiting("待答复（已处置、尚未答复的信访事项和 12345 工单）",
                       (("status", "handled"), ("replied_at", UNSET), ("dispute_id", UNSET)),
                       ANSWERED_CASES),
    "visit": Awaiting("待回访（已结案、尚未回访的信访事项和 12345 工单）",
                      (("status", "closed"), ("visited_at", UNSET), ("dispute_id", UNSET)),
                      ANSWERED_CASES),
    # a review or re-review asked for and not decided
    "review": Awaiting("待出具复查复核意见（已请求复查或复核、尚无意见的信访事项）",
                       (("status", "closed"), PETITION),
                       tuple(((f"{stage}_requested_at", SET), (f"{stage}_decided_at", UNSET))
                             for stage, _name in REVIEWS)),
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
