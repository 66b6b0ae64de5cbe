"""The town's roster (花名册): one row per account — who they are, their roles, the level and
area they watch as grid workers, the mediation committee they sit on, whether they are in post.

A clerk exports it, edits it in a spreadsheet and imports it back: a worker moved to another
grid, a new village secretary, a mediator who left. Every row is checked against the town's
places before anything is written; the import then brings each listed account to its row and
leaves accounts the file does not name as they are.
"""
import csv
import io
import re
from typing import NamedTuple

from sqlalchemy import select

from service.exports.writers import inert
from service.models import Committee, Grid, Town, User, Village
from service.models.people import WORKER_LEVELS

COLUMNS = ("账号", "姓名", "电话", "角色", "网格员层级", "负责区域", "调委会", "调委会主任", "状态")
ROLE_NAMES = {"admin": "管理员", "center_staff": "综治中心", "worker": "网格员", "mediator": "调解员"}
ROLES_BY_NAME = {name: role for role, name in ROLE_NAMES.items()}
IN_POST, LEFT = "在岗", "停用"
TOWN_COMMITTEE = "镇"
YES = "是"
POST_NAMES = {1: "镇", 2: "村（社区）", 3: "村（社区）", 4: "网格"}
SEPARATORS = re.compile(r"[；;、，,\s]+")
USERNAME = re.compile(r"[A-Za-z0-9_.@-]{2,64}")
PHONE = re.compile(r"[0-9+\- ]{5,20}")


class Person(NamedTuple):
    """One row of the roster, checked: what an account is to become."""
    line: int
    username: str
    name: str
    phone: str | None
    roles: frozenset          # service roles; committee_head follows from ``head``
    posts: tuple              # (level, code): the town's (1), a village's (2, 3), a grid's (4)
    committee: str | None     # TOWN_COMMITTEE or a village's code
    head: bool
    active: bool


class RosterErrors(Exception):
    def __init__(self, problems):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems  # [(line, message)]


class Places(NamedTuple):
    """The codes a roster may name and the ids they stand for, read once."""
    town: Town
    villages: dict            # code → id
    grids: dict               # code → (id, village id)
    committees: dict          # TOWN_COMMITTEE or village code → committee id
    codes: dict               # ("village" | "grid" | "committee", id) → code
    names: dict               # ("village" | "grid" | "committee", id) → name

    @classmethod
    def of(cls, session):
        town = session.scalar(select(Town))
        village_rows = session.execute(select(Village.id, Village.code, Village.name)).all()
        grid_rows = session.execute(select(Grid.id, Grid.code, Grid.name, Grid.village_id)).all()
        committee_rows = session.execute(
            select(Committee.id, Committee.village_id, Committee.name)).all()
        villages = {code: id_ for id_, code, _ in village_rows}
        grids = {code: (id_, village_id) for id_, code, _, village_id in grid_rows}
        village_codes = {id_: code for id_, code, _ in village_rows}
        committees = {TOWN_COMMITTEE if village_id is None else village_codes[village_id]: id_
                      for id_, village_id, _ in committee_rows}
        codes = {**{("village", id_): code for code, id_ in villages.items()},
                 **{("grid", id_): code for code, (id_, _) in grids.items()},
                 **{("committee", id_): code for code, id_ in committees.items()}}
        names = {**{("village", id_): name for id_, _, name in village_rows},
                 **{("grid", id_): name for id_, _, name, _ in grid_rows},
                 **{("committee", id_): name for id_, _, name in committee_rows}}
        return cls(town, villages, grids, committees, codes, names)


def read_roster(text, places):
    """The people of a roster's CSV text, checked; RosterErrors lists every problem."""
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [column for column in COLUMNS if column not in (rows.fieldnames or ())]
    if missing:
        raise RosterErrors([(1, f"缺少列：{'、'.join(missing)}（表头应为 {','.join(COLUMNS)}）")])
    people, problems, seen = [], [], {}
    for line, row in enumerate(rows, start=2):
        cells = {column: _cell(row.get(column)) for column in COLUMNS}
        if not any(cells.values()):
            continue  # a spreadsheet's empty line
        person, row_problems = person_of(cells, places, line)
        if person.username in seen:
            row_problems.append(("账号", f"账号 {person.username} 与第 {seen[person.username]} 行重复"))
        problems += [(line, message) for _column, message in row_problems]
        if not row_problems:
            seen[person.username] = line
            people.append(person)
    if problems:
        raise RosterErrors(problems)
    return people


def decode_roster(data: bytes) -> str:
    """A roster file's text: UTF-8 (with or without a byte-order mark), or GB18030 as a
    spreadsheet on a Chinese Windows saves CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterErrors([(0, f"文件不是 UTF-8 或 GB18030 编码的 CSV（表头应为 {','.join(COLUMNS)}）")])


def _cell(text):
    """A cell as written, without the apostrophe ``roster_csv`` puts before a cell that a
    spreadsheet would otherwise take for a formula."""
    text = (text or "").strip()
    return text[1:] if text.startswith("'") and inert(text[1:]) != text[1:] else text


def person_of(cells, places, line=0):
    """The Person a roster row's cells (column → text) describe, and its problems as
    [(column, message)]: the roster lists them by line, the accounts API by field."""
    problems = []
    username, name, phone = cells["账号"], cells["姓名"], cells["电话"] or None
    if not USERNAME.fullmatch(username):
        problems.append(("账号", "账号须为 2–64 个字母、数字或 _ . @ -"))
    if not name or len(name) > 50:
        problems.append(("姓名", "姓名不能为空，最多 50 字"))
    if phone and not PHONE.fullmatch(phone):
        problems.append(("电话", f"电话“{phone}”不是电话号码"))
    names = [part for part in SEPARATORS.split(cells["角色"]) if part]
    unknown = [part for part in names if part not in ROLES_BY_NAME and part not in ROLE_NAMES]
    if unknown or not names:
        problems.append(("角色", f"角色须为 {'、'.join(ROLES_BY_NAME)} 中的一个或几个"
                         + (f"，没有“{'、'.join(unknown)}”" if unknown else "")))
    roles = frozenset(ROLES_BY_NAME.get(part, part) for part in names)
    posts, post_problems = _posts(cells["网格员层级"], cells["负责区域"], roles, places)
    problems += [("负责区域", message) for message in post_problems]
    committee, head = cells["调委会"] or None, cells["调委会主任"] == YES
    problems += _committee_problems(committee, head, cells["调委会主任"], roles, places)
    if cells["状态"] not in ("", IN_POST, LEFT):
        problems.append(("状态", f"状态须为“{IN_POST}”或“{LEFT}”"))
    return Person(line, username, name, phone, roles, posts, committee, head,
                  cells["状态"] != LEFT), problems


def _posts(level_text, area_text, roles, places):
    """((level, code) of each grid-worker post, problems). One may hold several levels (a
    village secretary who is also a grid's cadre: 3 and 4); each area code says which post it
    is by what it names: the town (1), a village (2 or 3), a grid (4)."""
    parts = [part for part in SEPARATORS.split(level_text) if part]
    areas = [part for part in SEPARATORS.split(area_text) if part]
    if not parts:
        problems = ["网格员须填网格员层级（1–4）"] if "worker" in roles else []
        return (), problems + (["没有网格员层级的不填负责区域"] if areas else [])
    if not set(parts) <= {str(level) for level in WORKER_LEVELS}:
        return (), ["网格员层级须为 1、2、3、4 中的一个或几个"]
    levels = {int(part) for part in parts}
    problems = [] if "worker" in roles else ["有网格员层级的须有“网格员”角色"]
    if {2, 3} <= levels:
        problems.append("二级、三级不能同在一个账号上：所填的村（社区）分不出是哪一级的")
    village_level = 2 if 2 in levels else 3
    posts = [(1, places.town.code)] if 1 in levels else []
    for code in areas:
        level = (1 if code == places.town.code else 4 if code in places.grids
                 else village_level if code in places.villages else None)
        if level is None:
            problems.append(f"没有代码为 {code} 的村（社区）或网格")
        elif level not in levels:
            problems.append(f"{code} 是{POST_NAMES[level]}，所填层级中没有第{level}级")
        elif level != 1:
            posts.append((level, code))
    for level in sorted(levels - {1}):
        count = sum(1 for post_level, _ in posts if post_level == level)
        if count == 0:
            problems.append(f"第{level}级网格员须填负责的{POST_NAMES[level]}代码")
        elif level == 3 and count > 1:
            problems.append("第三级网格员（村支书）只负责一个村（社区）")
    return tuple(posts), problems


def _committee_problems(committee, head, head_text, roles, places):
    problems = []
    if committee is not None and committee not in places.committees:
        problems.append(("调委会", f"调委会填“{TOWN_COMMITTEE}”或村（社区）代码，没有 {committee} 的调委会"))
    if ("mediator" in roles) != (committee is not None):
        problems.append(("调委会", "调解员须填所在调委会，不是调解员的不填"))
    if head_text not in ("", YES, "否"):
        problems.append(("调委会主任", f"调委会主任填“{YES}”或留空"))
    elif head and committee is None:
        problems.append(("调委会主任", "调委会主任须填所在调委会"))
    return problems


def roster_row(user, places):
    """The roster row of an account, as read back by ``read_roster``."""
    levels = sorted({a.level for a in user.assignments})
    areas = [places.town.code if a.level == 1 else places.codes["grid", a.grid_id]
             if a.level == 4 else places.codes["village", a.village_id]
             for a in sorted(user.assignments, key=post_order)]
    membership = user.memberships[0] if user.memberships else None
    return {"账号": user.username, "姓名": user.name, "电话": user.phone or "",
            "角色": "、".join(ROLE_NAMES[role] for role in ROLE_NAMES if role in user.role_names),
            "网格员层级": "、".join(str(level) for level in levels),
            "负责区域": "、".join(areas),
            "调委会": places.codes["committee", membership.committee_id] if membership else "",
            "调委会主任": YES if membership and membership.is_head else "",
            "状态": IN_POST if user.active else LEFT}


def post_order(assignment):
    return (assignment.level, assignment.grid_id or 0, assignment.village_id or 0)


def roster_csv(users, places):
    """The roster as CSV text, with the byte-order mark a spreadsheet needs to read UTF-8."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({column: inert(text) for column, text in roster_row(user, places).items()}
                     for user in users)
    return "\ufeff" + out.getvalue()


def all_users(session):
    return session.scalars(select(User).order_by(User.id)).all()
