"""Account administration through the service (账号管理): what ``flask people`` does from the
command line, one account at a time from the administrator's console — the same roster rules,
the same record, which names the administrator who made each change."""
import hashlib
import json

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from service.auth import api_keys
from service.errors import (Conflict, Forbidden, InvalidTransition, NotFound, PayloadTooLarge,
                            ValidationFailed, VersionMismatch)
from service.extensions import db
from service.models import CommitteeMember, User, UserRole, WorkerAssignment
from service.pagination import keyset_page
from service.people import accounts
from service.people.hand_over import holds_work
from service.people.roster import (IN_POST, LEFT, YES, Places, RosterErrors, all_users,
                                  decode_roster, person_of, read_roster, roster_csv, roster_row)
from service.schema_base import town_time
from service.versions import matches

ROSTER_MAX_BYTES = 2 * 1024 * 1024  # a town's roster is tens of kilobytes
# New accounts one upload may create: each password is hashed on purpose slowly (argon2,
# about 0.1 s), and the upload is one request. A whole county goes in through the command.
ROSTER_MAX_NEW = 300
# The field of an account's JSON that each roster column stands for, to place a problem.
FIELDS = {"账号": "username", "姓名": "name", "电话": "phone", "角色": "roles",
          "负责区域": "posts", "调委会": "committee_id", "调委会主任": "committee_head",
          "状态": "active"}


def require_admin(caller):
    if "admin" not in caller.role_names:
        raise Forbidden("只有管理员可以管理账号", "Only administrators manage accounts")


def _operator(caller):
    return accounts.Operator(caller.username, caller.id)


def account_of(caller, account_id):
    """The account ``account_id``, for an administrator."""
    require_admin(caller)
    user = db.session.get(User, account_id)
    if user is None:
        raise NotFound("账号不存在", "Account not found")
    return user


def etag_of(user, places):
    """A version of the account: its roster row, hashed (what an edit can change)."""
    row = json.dumps(roster_row(user, places), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(row.encode()).hexdigest()[:20]


def _check_version(user, places, if_match):
    if not matches(if_match, etag_of(user, places), None):
        raise VersionMismatch("账号已被他人修改，请刷新后重试",
                              "The account changed; reload and retry")


def list_page(caller, filters, limit, cursor):
    """Accounts by id, filtered by a search text, role, area, committee and state."""
    require_admin(caller)
    stmt = select(User).options(selectinload(User.roles), selectinload(User.assignments),
                                selectinload(User.memberships))
    if filters.get("q"):
        pattern = "%" + filters["q"].replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(column.like(pattern, escape="\\")
                                for column in (User.username, User.name, User.phone))))
    if filters.get("role"):
        stmt = stmt.where(exists().where(UserRole.user_id == User.id,
                                         UserRole.role == filters["role"]))
    for name in ("village_id", "grid_id"):
        if filters.get(name) is not None:
            stmt = stmt.where(exists().where(WorkerAssignment.user_id == User.id,
                                             getattr(WorkerAssignment, name) == filters[name]))
    if filters.get("committee_id") is not None:
        stmt = stmt.where(exists().where(CommitteeMember.user_id == User.id,
                                         CommitteeMember.committee_id == filters["committee_id"]))
    if filters.get("active") is not None:
        stmt = stmt.where(User.active.is_(filters["active"]))
    if filters.get("holds_work") is not None:
        stmt = stmt.where(holds_work() if filters["holds_work"] else ~holds_work())
    return keyset_page(db.session, stmt, [User.id], [int], limit, cursor)


def create(caller, body):
    """A new account from its fields; returns (user, initial password)."""
    require_admin(caller)
    places = Places.of(db.session)
    if db.session.scalar(select(User.id).where(User.username == body["username"])) is not None:
        raise _username_taken(body["username"])
    person = _checked_person(body, places)
    try:
        saved = accounts.save_person(db.session, None, person, places, _operator(caller))
    except IntegrityError:  # the same username, created at the same moment by another request
        db.session.rollback()
        raise _username_taken(body["username"]) from None
    db.session.commit()
    return saved.user, saved.password


def update(caller, account_id, body, if_match):
    """The account brought to ``body`` (every field, as a roster row is), on its record."""
    user = account_of(caller, account_id)
    places = Places.of(db.session)
    _check_version(user, places, if_match)
    person = _checked_person({**body, "username": user.username}, places)
    if user.id == caller.id and not ("admin" in person.roles and person.active):
        raise _not_on_oneself("不能停用自己的账号或取消自己的管理员角色（请另一位管理员来做）")
    accounts.save_person(db.session, user, person, places, _operator(caller))
    db.session.commit()
    return user


def deactivate(caller, account_id, reason, if_match):
    """停用: no more sign-ins, every token revoked; the cases they hold stay theirs until a
    supervisor dispatches or assigns them on (service/people/hand_over.py)."""
    user = account_of(caller, account_id)
    _check_version(user, Places.of(db.session), if_match)
    if user.id == caller.id:
        raise _not_on_oneself("不能停用自己的账号（请另一位管理员来做）")
    if not user.active:
        raise InvalidTransition("该账号已停用", "The account is deactivated already")
    accounts.deactivate(db.session, user, _operator(caller), reason)
    db.session.commit()
    return user


def reset_password(caller, account_id):
    """A new password, returned once; every token of the account stops working."""
    user = account_of(caller, account_id)
    if user.id == caller.id:
        raise _not_on_oneself("自己的密码请用“修改密码”（POST /api/v1/me/password）")
    password = accounts.reset_password(db.session, user, _operator(caller))
    db.session.commit()
    return password


def issue_api_key(caller, account_id, name, days):
    """A new Open311 access key of an active account: (its record, the key, shown once)."""
    user = account_of(caller, account_id)
    if not user.active:
        raise Conflict("停用的账号不能签发接入密钥", "An inactive account gets no access key")
    api_keys.refuse_for(user)
    row, key = api_keys.issue(user, name, days)
    accounts.record(db.session, user, "api_key_issued",
                    f"{name}，有效至 {town_time(row.expires_at):%Y-%m-%d}", _operator(caller))
    db.session.commit()
    return row, key


def revoke_api_key(caller, account_id, key_id):
    """Revoke one of the account's access keys; on its record the first time only."""
    user = account_of(caller, account_id)
    row, changed = api_keys.revoke(user.id, key_id)
    if changed:
        accounts.record(db.session, user, "api_key_revoked", row.device_id, _operator(caller))
    db.session.commit()
    return row


def api_keys_of(caller, account_id):
    return api_keys.keys_of(account_of(caller, account_id).id)


def export_roster(caller):
    """The roster as CSV text (every account, every phone number)."""
    require_admin(caller)
    return roster_csv(all_users(db.session), Places.of(db.session))


def import_roster(caller, data, dry_run, deactivate_absent):
    """A roster file applied as ``flask people import`` applies it (Changes); every problem
    by line (422) and nothing written, nor with ``dry_run``."""
    require_admin(caller)
    if len(data) > ROSTER_MAX_BYTES:
        raise PayloadTooLarge("花名册文件不能超过 2 MB", "A roster file is at most 2 MB")
    places = Places.of(db.session)
    try:
        people = read_roster(decode_roster(data), places)
        _refuse_too_many_new(people)
        changes = accounts.apply_roster(db.session, people, places, _operator(caller),
                                        deactivate_absent=deactivate_absent)
    except RosterErrors as errors:
        db.session.rollback()
        raise ValidationFailed(
            f"花名册有 {len(errors.problems)} 个问题，未写入任何数据",
            f"The roster has {len(errors.problems)} problems; nothing was written",
            errors={"file": [f"第 {line} 行：{message}" if line else message
                             for line, message in errors.problems]}) from None
    caller_row = db.session.get(User, caller.id)
    if not (caller_row.active and "admin" in caller_row.role_names):
        db.session.rollback()
        raise _not_on_oneself("花名册会停用自己的账号或取消自己的管理员角色（请另一位管理员来做）")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return changes


def _refuse_too_many_new(people):
    usernames = [person.username for person in people]
    known = set(db.session.scalars(select(User.username).where(User.username.in_(usernames))))
    if len(set(usernames) - known) > ROSTER_MAX_NEW:
        raise ValidationFailed(
            f"一次上传最多新建 {ROSTER_MAX_NEW} 个账号，请分批上传，或在服务器上用 flask people import 导入",
            f"At most {ROSTER_MAX_NEW} new accounts per upload",
            errors={"file": [f"文件中有 {len(set(usernames) - known)} 个新账号，"
                             f"一次最多 {ROSTER_MAX_NEW} 个"]})


def _not_on_oneself(message_zh):
    """The caller is an active administrator who keeps both through the console, so the town
    is never left without one."""
    return Conflict(message_zh, "Not on one's own account")


def _username_taken(username):
    return Conflict(f"账号 {username} 已存在", f"The username {username} is taken")


def _checked_person(body, places):
    """The roster Person ``body`` describes; every problem at its field (422)."""
    errors = {}
    areas = []
    for post in body["posts"]:
        if post["level"] == 1:
            continue  # the town: the only area of level 1
        kind = "grid" if post["level"] == 4 else "village"
        code = places.codes.get((kind, post.get("area_id")))
        if code is None:
            errors.setdefault("posts", []).append(
                f"第{post['level']}级的负责区域须为{'网格' if kind == 'grid' else '村（社区）'}的 id，"
                f"没有 {post.get('area_id')}")
        else:
            areas.append(code)
    committee = None
    if body["committee_id"] is not None:
        committee = places.codes.get(("committee", body["committee_id"]))
        if committee is None:
            errors.setdefault("committee_id", []).append(f"没有 id 为 {body['committee_id']} 的调委会")
    cells = {"账号": body["username"], "姓名": body["name"].strip(),
             "电话": (body["phone"] or "").strip(), "角色": "、".join(body["roles"]),
             "网格员层级": "、".join(str(post["level"]) for post in body["posts"]),
             "负责区域": "、".join(areas),
             "调委会": committee or "", "调委会主任": YES if body["committee_head"] else "",
             "状态": IN_POST if body["active"] else LEFT}
    person, problems = person_of(cells, places)
    for column, message in problems:
        errors.setdefault(FIELDS[column], []).append(message)
    if errors:
        raise ValidationFailed(errors=errors)
    return person
