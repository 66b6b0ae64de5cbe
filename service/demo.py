"""Loading the synthetic demo town (示例数据): geography from geo.demo_town, and its people.

Usernames (all with the demo password ``songyuan-demo``, refused by the production config):
admin; center01, center02; l1-01, l1-02; l2-01 … l2-08 (each stationed in about three villages);
l3-<village code>; l4-<grid code>; med-town-1 … med-town-5; med-<village code>-1 … -3
(the -1 of each committee is its head).
"""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from config import DEMO_PASSWORD
from geo.demo_town import generate_demo_town
from geo.geojson import to_column
from service.auth.passwords import hash_password
from service.models import (Committee, CommitteeMember, Grid, LegalAdvisor, Town, User, UserRole,
                            Village, WorkerAssignment)

LEVEL2_COUNT = 8
TOWN_MEDIATORS = 5
VILLAGE_MEDIATORS = 3
SURNAMES = "李张黄刘陈罗温钟曾廖古丘叶谢邱林何杨朱蓝"
GIVEN_NAMES = ["建华", "秀英", "志强", "丽芳", "国平", "美玲", "伟东", "小红", "海涛", "玉梅",
               "永康", "桂兰", "文彬", "春燕", "振声", "雪梅", "德胜", "翠娥", "锦辉", "慧珍"]


class DemoRefused(RuntimeError):
    """The demo town cannot be loaded here."""


def person_name(index: int) -> str:
    return SURNAMES[index % len(SURNAMES)] + GIVEN_NAMES[(index // len(SURNAMES) + index) % len(GIVEN_NAMES)]


@dataclass
class PeopleFactory:
    password_hash: str
    made: int = 0
    users: list = field(default_factory=list)

    def user(self, username, roles, name=None):
        person = User(username=username, name=name or person_name(self.made),
                      phone=f"139{self.made:08d}", password_hash=self.password_hash, active=True,
                      roles=[UserRole(role=role) for role in roles])
        self.made += 1
        self.users.append(person)
        return person


def town_is_loaded(session) -> bool:
    return session.scalar(select(func.count()).select_from(Town)) > 0


def load_demo_town(session, seed=2023, allow_demo_password=True, password_hash=None):
    """Create the demo town and its people in an empty database; return the Town.

    ``password_hash`` (of the demo password) may be given to skip hashing it here.
    """
    if not allow_demo_password:
        raise DemoRefused("生产环境不能加载演示数据（演示密码不安全）")
    if town_is_loaded(session):
        raise DemoRefused("数据库中已有镇的数据，不能再加载演示数据")
    demo = generate_demo_town(seed)
    town = Town(code=demo.code, name=demo.name, boundary=to_column(demo.boundary))
    session.add(town)
    session.flush()
    villages = {}
    for item in demo.villages:
        villages[item.code] = Village(town_id=town.id, code=item.code, name=item.name,
                                      kind=item.kind, boundary=to_column(item.boundary))
    session.add_all(villages.values())
    session.flush()
    grids = [Grid(town_id=town.id, village_id=villages[item.village_code].id, code=item.code,
                  name=item.name, boundary=to_column(item.boundary)) for item in demo.grids]
    session.add_all(grids)
    session.flush()
    people = PeopleFactory(password_hash or hash_password(DEMO_PASSWORD))
    _add_staff(people, town, list(villages.values()), grids)
    session.add_all(people.users)
    session.flush()
    _add_committees(session, people, town, list(villages.values()))
    session.add_all(LegalAdvisor(village_id=village.id, name=person_name(500 + i),
                                 organization="广东客中梅律师事务所（示例）", phone=f"0753{i:07d}")
                    for i, village in enumerate(villages.values()))
    session.commit()
    return town


def _add_staff(people, town, villages, grids):
    people.user("admin", ["admin"], "系统管理员")
    for number in (1, 2):
        people.user(f"center{number:02d}", ["center_staff"])
    titles = ["镇党委书记", "镇长"]
    for number in (1, 2):
        person = people.user(f"l1-{number:02d}", ["worker"], f"{person_name(900 + number)}（{titles[number - 1]}）")
        person.assignments.append(WorkerAssignment(level=1, town_id=town.id))
    stationed = [people.user(f"l2-{number:02d}", ["worker"]) for number in range(1, LEVEL2_COUNT + 1)]
    for index, village in enumerate(villages):
        stationed[index % LEVEL2_COUNT].assignments.append(
            WorkerAssignment(level=2, village_id=village.id))
        secretary = people.user(f"l3-{village.code}", ["worker"])
        secretary.assignments.append(WorkerAssignment(level=3, village_id=village.id))
    for grid in grids:
        cadre = people.user(f"l4-{grid.code}", ["worker"])
        cadre.assignments.append(WorkerAssignment(level=4, village_id=grid.village_id, grid_id=grid.id))


def _add_committees(session, people, town, villages):
    committees = [(Committee(town_id=town.id, level="town", name=f"{town.name}人民调解委员会"),
                   "med-town", TOWN_MEDIATORS)]
    committees += [(Committee(town_id=town.id, level="village", village_id=village.id,
                              name=f"{village.name}人民调解委员会"), f"med-{village.code}",
                    VILLAGE_MEDIATORS) for village in villages]
    for committee, prefix, size in committees:
        for number in range(1, size + 1):
            roles = ["mediator", "committee_head"] if number == 1 else ["mediator"]
            mediator = people.user(f"{prefix}-{number}", roles)
            session.add(mediator)
            committee.members.append(CommitteeMember(user=mediator, is_head=number == 1))
        session.add(committee)
    session.flush()
