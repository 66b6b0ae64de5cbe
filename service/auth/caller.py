"""The signed-in caller, as read with their token: who they are and what their scope is made of.

A plain value, not a mapped ``User``: it is read on every request, and loading the user with
their roles, assignments and committee memberships through the ORM cost more than the rest of
the token check. It answers to the same attribute names as ``User``, so scope and permission
rules take either.
"""
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam, select

from service.models import CommitteeMember, IssuedToken, User, UserRole, WorkerAssignment


class Assignment(NamedTuple):
    level: int
    town_id: int | None
    village_id: int | None
    grid_id: int | None


class Membership(NamedTuple):
    committee_id: int
    is_head: bool


@dataclass(frozen=True)
class Caller:
    id: int
    username: str
    name: str
    active: bool
    role_names: frozenset
    assignments: frozenset
    memberships: frozenset


_tokens, _users = IssuedToken.__table__, User.__table__
_roles, _assignments = UserRole.__table__, WorkerAssignment.__table__
_memberships = CommitteeMember.__table__

# One row per role × assignment × membership of the holder (a person has one or two of each).
TOKEN_AND_HOLDER = (
    select(_tokens.c.revoked_at, _users.c.id, _users.c.username, _users.c.name, _users.c.active,
           _roles.c.role, _assignments.c.level, _assignments.c.town_id,
           _assignments.c.village_id, _assignments.c.grid_id, _memberships.c.committee_id,
           _memberships.c.is_head)
    .select_from(_tokens.join(_users, _users.c.id == _tokens.c.user_id)
                 .outerjoin(_roles, _roles.c.user_id == _users.c.id)
                 .outerjoin(_assignments, _assignments.c.user_id == _users.c.id)
                 .outerjoin(_memberships, _memberships.c.user_id == _users.c.id))
    .where(_tokens.c.jti == bindparam("jti"))
)


def caller_of(rows):
    """(revoked_at, Caller) from the rows of TOKEN_AND_HOLDER, or None for no rows."""
    if not rows:
        return None
    first = rows[0]
    caller = Caller(
        id=first.id, username=first.username, name=first.name, active=first.active,
        role_names=frozenset(row.role for row in rows if row.role is not None),
        assignments=frozenset(Assignment(row.level, row.town_id, row.village_id, row.grid_id)
                              for row in rows if row.level is not None),
        memberships=frozenset(Membership(row.committee_id, row.is_head)
                              for row in rows if row.committee_id is not None))
    return first.revoked_at, caller
