"""Changing accounts: bringing them to a checked roster, deactivating, resetting a password —
each change entered in the account's record (AccountEvent) with who made it.

What an account may see is read from its roles, levels and committees on every request
(service/auth/caller.py), so a change here holds from the next request on; a phone that
syncs sees the new ``scope_tag`` and starts over. Deactivating an account or resetting its
password also revokes every token it holds.
"""
import secrets
from typing import NamedTuple

from sqlalchemy import delete, select

from service.auth.passwords import hash_password
from service.auth.tokens import revoke_tokens_of
from service.models import AccountEvent, CommitteeMember, User, UserRole, WorkerAssignment
from service.models.types import utcnow
from service.people.hand_over import announce_leaving, announce_move
from service.people.roster import COLUMNS, IN_POST, RosterErrors, roster_row

ACCOUNT_ACTION_NAMES = {"created": "新建", "changed": "变更", "deactivated": "停用",
                        "password_reset": "重设密码", "password_changed": "本人修改密码",
                        "api_key_issued": "签发接入密钥", "api_key_revoked": "吊销接入密钥"}


# The roster columns that decide which cases an account may work on.
WHERE_ONE_WORKS = ("角色", "网格员层级", "负责区域", "调委会")


class Changes(NamedTuple):
    created: list     # [(username, initial password)]
    changed: list     # [(username, what changed: column: old → new; …)]
    unchanged: int
    absent: list      # [username]: active accounts the roster does not name
    deactivated: bool  # … and whether they were deactivated


def new_password():
    """A password to hand over once: 16 characters from 96 random bits."""
    return secrets.token_urlsafe(12)


class Operator(NamedTuple):
    """Who made a change, for the account's record: the system account that ran a command
    (``account_id`` None), or the signed-in account that made it through the service."""
    name: str
    account_id: int | None = None


def operator_label(entry):
    """Who made a recorded change, as the record shows it."""
    return f"{entry.operator}（{'账号' if entry.operator_id else '系统用户'}）"


class Saved(NamedTuple):
    user: User
    password: str | None      # a new account's initial password, to hand over once
    differences: str | None   # what changed (column: old → new; …), None if nothing did


def apply_roster(session, people, places, operator, progress=lambda _count: None,
                 deactivate_absent=False):
    """Bring every account of ``people`` (read_roster) to its row. Active accounts the roster
    does not name stay as they are, or with ``deactivate_absent`` are deactivated (a full
    roster: whoever left was taken off it). Refused (RosterErrors) if no active administrator
    would be left."""
    users = {user.username: user for user in session.scalars(
        select(User).where(User.username.in_([person.username for person in people])))}
    created, changed, unchanged = [], [], 0
    for person in people:
        saved = save_person(session, users.get(person.username), person, places, operator)
        progress(1)
        if saved.password is not None:
            created.append((person.username, saved.password))
        elif saved.differences is not None:
            changed.append((person.username, saved.differences))
        else:
            unchanged += 1
    absent = session.scalars(select(User).where(
        User.active.is_(True), User.username.not_in([person.username for person in people]))
        .order_by(User.username)).all()
    for user in absent if deactivate_absent else ():
        _deactivate(session, user, "花名册中没有", operator)
    require_an_admin(session, "导入后将没有在岗的管理员账号")
    return Changes(created, changed, unchanged, [user.username for user in absent],
                   deactivate_absent)


def save_person(session, user, person, places, operator) -> Saved:
    """Bring ``user`` (None: a new account) to ``person``'s roster row, on its record. Taking
    an account out of post revokes its tokens; that, or moving it away from cases it holds, is
    told to whoever hands them on (hand_over)."""
    before = roster_row(user, places) if user else None
    password = None
    if user is None:
        password = new_password()
        user = User(username=person.username, password_hash=hash_password(password))
        session.add(user)
    _bring_to(session, user, person, places)
    session.flush()
    session.refresh(user)
    after = roster_row(user, places)
    if before is None:
        record(session, user, "created", _fields(after), operator)
        return Saved(user, password, None)
    if after == before:
        return Saved(user, None, None)
    differences = _differences(before, after)
    record(session, user, "changed", differences, operator)
    if not user.active and before["状态"] == IN_POST:
        _out_of_post(session, user, operator)
    elif user.active and any(before[column] != after[column] for column in WHERE_ONE_WORKS):
        announce_move(session, user, operator.account_id, utcnow())
    return Saved(user, None, differences)


def _fields(row):
    return "；".join(f"{column}：{row[column]}" for column in COLUMNS[1:] if row[column])


def _differences(before, after):
    return "；".join(f"{column}：{before[column] or '（空）'} → {after[column] or '（空）'}"
                    for column in COLUMNS if before[column] != after[column])


def record(session, user, action, detail, operator: Operator):
    """An entry in the account's record."""
    session.add(AccountEvent(user_id=user.id, action=action, detail=detail,
                             operator=operator.name, operator_id=operator.account_id))


def history(session, user):
    """The account's record, oldest first."""
    return session.scalars(select(AccountEvent).where(AccountEvent.user_id == user.id)
                           .order_by(AccountEvent.id)).all()


def _bring_to(session, user, person, places):
    user.name, user.phone, user.active = person.name, person.phone, person.active
    roles = set(person.roles) | ({"committee_head"} if person.head else set())
    for role in list(user.roles):
        if role.role not in roles:
            user.roles.remove(role)
    user.roles.extend(UserRole(role=role) for role in sorted(roles - user.role_names))
    user.assignments.clear()
    session.flush()  # the old rows go before the new ones come, and a new account gets its id
    user.assignments.extend(_assignments(person, places))
    session.execute(delete(CommitteeMember).where(CommitteeMember.user_id == user.id))
    if person.committee is not None:
        session.add(CommitteeMember(committee_id=places.committees[person.committee],
                                    user=user, is_head=person.head))


def _assignments(person, places):
    def assignment(level, code):
        if level == 1:
            return WorkerAssignment(level=1, town_id=places.town.id)
        if level == 4:
            grid_id, village_id = places.grids[code]
            return WorkerAssignment(level=4, grid_id=grid_id, village_id=village_id)
        return WorkerAssignment(level=level, village_id=places.villages[code])

    return [assignment(level, code) for level, code in person.posts]


def require_an_admin(session, refusal):
    """Refuse (RosterErrors) a change that would leave no active administrator."""
    session.flush()
    if session.scalar(select(User.id).join(UserRole).where(
            UserRole.role == "admin", User.active.is_(True)).limit(1)) is None:
        raise RosterErrors([(0, refusal)])


def account(session, username):
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(username)
    return user


def deactivate(session, user, operator, reason=None):
    """停用: the account can no longer sign in, and its tokens stop working."""
    _deactivate(session, user, reason, operator)
    require_an_admin(session, "停用后将没有在岗的管理员账号")
    return user


def _deactivate(session, user, reason, operator):
    user.active = False
    _out_of_post(session, user, operator)
    record(session, user, "deactivated", reason, operator)


def _out_of_post(session, user, operator):
    """Whoever leaves their post is signed out everywhere, and whoever hands on the cases they
    hold hears of it."""
    revoke_tokens_of(user.id)
    announce_leaving(session, user, operator.account_id, utcnow())


def reset_password(session, user, operator):
    """A new password for the account, returned once; its tokens stop working."""
    password = new_password()
    user.password_hash = hash_password(password)
    revoke_tokens_of(user.id)
    record(session, user, "password_reset", None, operator)
    return password
