"""What part of the town a person may see, derived from roles, assignments and committees.

Queries ask the scope for a SQL condition; nothing filters rows after loading them.
"""
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import false, or_, true

from service.errors import NotFound
from service.models import User

TOWN_WIDE_ROLES = {"admin", "center_staff"}


@dataclass(frozen=True)
class Scope:
    town_wide: bool
    village_ids: frozenset
    grid_ids: frozenset
    committee_ids: frozenset
    head_of_committee_ids: frozenset

    def area_condition(self, village_column, grid_column):
        """A SQL condition true for rows whose village/grid lies in this scope."""
        if self.town_wide:
            return true()
        conditions = []
        if self.village_ids:
            conditions.append(village_column.in_(sorted(self.village_ids)))
        if self.grid_ids:
            conditions.append(grid_column.in_(sorted(self.grid_ids)))
        return or_(*conditions) if conditions else false()

    def covers(self, village_id, grid_id) -> bool:
        return self.town_wide or village_id in self.village_ids or grid_id in self.grid_ids

    def tag(self) -> str:
        """A short fingerprint of this scope: it changes when the area, the committees or the
        headships do, so a phone can tell that its copy was made for another scope."""
        parts = [self.town_wide, *(sorted(ids) for ids in (
            self.village_ids, self.grid_ids, self.committee_ids, self.head_of_committee_ids))]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def levels_of(user: User) -> list[int]:
    return sorted({assignment.level for assignment in user.assignments})


def scope_of(user: User) -> Scope:
    roles = user.role_names
    levels = levels_of(user)
    memberships = user.memberships
    return Scope(
        town_wide=bool(roles & TOWN_WIDE_ROLES) or 1 in levels,
        village_ids=frozenset(a.village_id for a in user.assignments if a.level in (2, 3)),
        grid_ids=frozenset(a.grid_id for a in user.assignments if a.level == 4),
        committee_ids=frozenset(m.committee_id for m in memberships),
        head_of_committee_ids=frozenset(m.committee_id for m in memberships if m.is_head),
    )


def visible_one(session, model, visible, row_id, not_found, for_update=False):
    """Row ``row_id`` of ``model`` among ``visible`` (a select already kept to the caller's
    scope), locked for update if asked. Out of scope and absent are the same 404."""
    stmt = visible.where(model.id == row_id)
    if for_update:
        stmt = stmt.with_for_update(of=model.__table__)
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(*not_found)
    return row
