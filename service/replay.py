"""回放 2023 年: a year of the town's work, played through the service's own domain functions.

``replay_2023(session, seed)`` builds a plan of every step first — who does what, and when
(town time, working hours on working days, per the Chinese holiday calendar) — and then plays
the steps in time order, each with the service clock set to its moment (``clock_at``), through
``incidents.actions.report``, ``incidents.steps.perform``, ``disputes.actions.intake/perform`` and
``supervision.supervise_overdue``. Nothing is inserted behind the domain's back, so
case numbers, case records (hash chains), routing decisions, deadlines and notifications are
all the service's own.

What it plays (the figures are the town's own 2023 report, see /work/shared/DOMAIN.md):
- grid workers (level 4) reporting incidents of every non-petition category in every village
  and month; most move through accept → dispatch → handle → verify by centre staff or the
  village secretary (level 3), some are rejected, a few fail verification and are redone;
- petitions (category ``petition``) registered by centre staff: exactly 17 online, 14 walk-in
  and 121 via the 12345 hotline, dispatched to the village secretaries, the petitioners and
  callers answered (答复), verified, and visited afterwards with a satisfaction rating (回访);
- disputes: field reports by level-4 workers and walk-in / 12345 intake by centre staff;
  village or town committee (serious and multi-village cases go to the town), acceptance,
  assignment, mediation sessions, agreements (amounts in yuan, perform-by dates), follow-up
  visits (some learning of a judicial confirmation) and closing. Exactly 126 mediations
  conclude in 2023, all with an agreement; a few village mediations fail and are escalated to
  the town committee, which then settles them (only the final conclusion counts); a few cases
  are declined (a party refuses mediation); two 督办 cases are left late on purpose and
  ``supervise_overdue`` runs at a later clock. Every other step meets its deadline, so the
  supervision runs touch only the cases meant to be late.

The year's cases are opened in 2023; steps finishing them (late follow-up visits, closing,
two disputes received in the last days of December and settled in January) run on into
January 2024, as they would in the town. Deterministic: one ``random.Random(seed)``.
"""
import heapq
import itertools
import random
import time as timer
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from geoalchemy2.shape import to_shape
from shapely import union_all
from shapely.geometry import Point
from shapely.prepared import prep
from sqlalchemy import event, func, select
from sqlalchemy.orm import undefer

from service.clock import clock_at
from service.deadlines import TOWN_TIME_ZONE, is_working_day
from service.disputes import actions as dispute_actions
from service.supervision import supervise_overdue
from service.incidents import actions as incident_actions, steps as incident_steps
from service.models import Dispute, Grid, Incident, User, Village
from service.personal_data import id_check_char
from service.scope import scope_of

YEAR = 2023
# The town's 2023 report: disputes mediated (all settled) and petitions by channel.
MEDIATED = 126
PETITIONS = {"online": 17, "walk_in": 14, "hotline_12345": 121}
ANSWERS = {"online": "已通过网上信访平台答复信访人", "walk_in": "已出具书面答复意见并送达信访人",
           "hotline_12345": "已电话答复诉求人办理结果"}
SATISFACTION_WEIGHTS = [(5, 60), (4, 28), (3, 8), (2, 3), (1, 1)]  # a petition's return visit
# Steps after this moment are not played (cases still open then stay open).
REPLAY_END = datetime(2024, 1, 31, 18, 0, tzinfo=TOWN_TIME_ZONE)
# Every 2023 mediation concludes by this day; later ones would spill into 2024.
LAST_CONCLUSION = date(2023, 12, 28)

WINDOWS = ((8 * 60 + 30, 12 * 60), (14 * 60 + 30, 17 * 60 + 30))  # town working hours


class ReplayRefused(RuntimeError):
    """The replay cannot run on this database."""


# --- time in the town ---------------------------------------------------------------

def local(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), TOWN_TIME_ZONE)


def town_day(moment: datetime) -> date:
    return moment.astimezone(TOWN_TIME_ZONE).date()


def working_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def add_working(day: date, n: int) -> date:
    for _ in range(n):
        day = working_on_or_after(day + timedelta(days=1))
    return day


def slot(rng, day: date, after: datetime | None = None, late=False):
    """A random working-hours moment on ``day`` at least 5 minutes after ``after`` (when that
    is the same day); None when the day has no time left. ``late``: keep to the afternoon."""
    earliest = 0
    if after is not None and town_day(after) == day:
        local_after = after.astimezone(TOWN_TIME_ZONE)
        earliest = local_after.hour * 60 + local_after.minute + 5
    windows = [(max(a, earliest), b) for a, b in (WINDOWS[1:] if late else WINDOWS)
               if b > max(a, earliest)]
    total = sum(b - a for a, b in windows)
    if not total:
        return None
    pick = rng.randrange(total)
    for a, b in windows:
        if pick < b - a:
            return local(day, a + pick)
        pick -= b - a
    raise AssertionError("unreachable")


class Timeline:
    """One case's moments, each strictly later than the one before."""

    def __init__(self, rng, start: datetime):
        self.rng, self.t = rng, start

    def soon(self, low=10, high=90):
        """Later the same working day, or early on the next one."""
        candidate = self.t + timedelta(minutes=self.rng.randint(low, high))
        minute = candidate.astimezone(TOWN_TIME_ZONE)
        minute_of_day = minute.hour * 60 + minute.minute
        if town_day(candidate) == town_day(self.t):
            if any(a <= minute_of_day < b for a, b in WINDOWS):
                self.t = candidate
                return self.t
            if WINDOWS[0][1] <= minute_of_day < WINDOWS[1][0]:  # lunch break
                self.t = local(town_day(self.t), WINDOWS[1][0] + self.rng.randint(0, 40))
                return self.t
        day = add_working(town_day(self.t), 1)
        self.t = local(day, WINDOWS[0][0] + self.rng.randint(0, 60))
        return self.t

    def on(self, day: date):
        """A moment on ``day`` (a working day on or after the current one)."""
        day = working_on_or_after(max(day, town_day(self.t)))
        moment = slot(self.rng, day, self.t)
        while moment is None:
            day = add_working(day, 1)
            moment = slot(self.rng, day, self.t)
        self.t = moment
        return self.t

    def after_working_days(self, n):
        return self.on(add_working(town_day(self.t), n))

    def after_days(self, n):
        return self.on(town_day(self.t) + timedelta(days=n))


# --- the town as the replay sees it -------------------------------------------------

@dataclass
class GridInfo:
    id: int
    code: str
    village_id: int
    shape: object
    prepared: object = None


@dataclass
class VillageInfo:
    id: int
    code: str
    name: str
    kind: str
    grids: list = field(default_factory=list)
    neighbours: list = field(default_factory=list)


class Town:
    def __init__(self, session):
        self.session = session
        self.users = {u.username: u for u in session.scalars(select(User))}
        self.villages = {}
        for village in session.scalars(select(Village).order_by(Village.code)):
            self.villages[village.id] = VillageInfo(village.id, village.code, village.name,
                                                    village.kind)
        self.grids = []
        for grid in session.scalars(select(Grid).options(undefer(Grid.boundary))
                                    .order_by(Grid.code)):
            shape = to_shape(grid.boundary)
            inner = shape.buffer(-0.0002)  # about 20 m in from the edges
            info = GridInfo(grid.id, grid.code, grid.village_id, inner if not inner.is_empty else shape)
            info.prepared = prep(info.shape)
            self.grids.append(info)
            self.villages[grid.village_id].grids.append(info)
        shapes = {v.id: [g.shape for g in v.grids] for v in self.villages.values()}
        outlines = {vid: union_all(parts).buffer(0.0005) for vid, parts in shapes.items()}
        for vid, outline in outlines.items():
            self.villages[vid].neighbours = sorted(
                other for other, shape in outlines.items() if other != vid and outline.intersects(shape))
        needed = ["center01", "center02"] + [f"l4-{g.code}" for g in self.grids] + [
            name for v in self.villages.values() for name in (f"l3-{v.code}", f"med-{v.code}-1")]
        missing = [name for name in needed if name not in self.users]
        if not self.grids or missing:
            raise ReplayRefused(f"回放需要演示镇及其人员（缺少 {missing[:3]} 等），请先载入示例镇")
        self._scopes = {}

    def user(self, username):
        return self.users[username]

    def scope(self, username):
        if username not in self._scopes:
            self._scopes[username] = scope_of(self.users[username])
        return self._scopes[username]

    def point_in(self, rng, grid):
        minx, miny, maxx, maxy = grid.shape.bounds
        for _ in range(200):
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if grid.prepared.contains(Point(lon, lat)):
                return round(lon, 6), round(lat, 6)
        point = grid.shape.representative_point()
        return round(point.x, 6), round(point.y, 6)


# --- words ---------------------------------------------------------------------------

SURNAMES = "李张黄刘陈罗温钟曾廖古丘叶谢邱林何杨朱蓝赖冯"
GIVEN = ["建国", "秀兰", "志明", "丽华", "国强", "美英", "伟平", "桂芳", "海波", "玉兰", "永红",
         "金凤", "文华", "春梅", "振兴", "雪英", "德明", "翠兰", "锦泉", "慧敏", "汉良", "素芬",
         "石生", "月娥", "添福", "亚妹", "运通", "梅香"]

PLACES = ["村委会旁", "村道拐弯处", "河堤边", "老屋门口", "小学附近", "菜市场", "桥头", "祠堂前",
          "果园边", "山塘旁", "集镇路口", "新村安置点"]

INCIDENT_TEXTS = {
    "public_security": ["{place}夜间有陌生人员多次徘徊，群众反映存在治安隐患",
                        "{place}路灯损坏多日，夜间照明不足，易发生盗窃",
                        "{place}有人聚集赌博，影响周边群众生活",
                        "{place}电动车被盗，车主已报警，网格内需加强巡查",
                        "出租屋人员信息未登记，存在治安管理隐患（{place}）"],
    "safety_hazard": ["{place}边坡出现裂缝，雨后有落石风险",
                      "{place}老旧土坯房墙体开裂，仍有老人居住",
                      "{place}电线老化裸露，存在触电和火灾隐患",
                      "{place}山塘水位上涨，坝体渗水，需及时排查",
                      "{place}村道护栏缺失，急弯处车辆通行危险",
                      "{place}有商户违规存放液化气瓶，消防通道堵塞"],
    "environment": ["{place}生活垃圾堆放多日未清运，气味明显",
                    "{place}河道漂浮垃圾较多，影响水质",
                    "{place}有人焚烧秸秆和垃圾，烟雾较大",
                    "{place}养殖场污水直排水渠，群众反映强烈",
                    "{place}建筑余泥随意倾倒，占用道路"],
    "public_service": ["独居老人反映{place}自来水停水两天，请求协调",
                       "群众咨询城乡居民医保缴费及报销事宜（{place}）",
                       "{place}村道路面破损，请求修复",
                       "困难户申请临时救助，需协助准备材料（{place}）",
                       "{place}公交站牌损坏，群众出行不便"],
    "emergency": ["强降雨致{place}道路塌方，交通中断",
                  "{place}民房失火，已组织群众扑救并拨打119",
                  "{place}山体滑坡阻断村道，需紧急转移附近群众",
                  "台风过境，{place}树木倒伏压断电线"],
    "other": ["{place}流浪犬较多，群众担心伤人",
              "{place}私搭乱建棚屋，占用公共用地",
              "{place}广告牌松动，需加固或拆除",
              "群众反映{place}噪音扰民，夜间施工未停止"],
}

PETITION_TEXTS = {
    "online": ["网上信访：反映{village}征地补偿款发放进度缓慢，请求核实",
               "网上信访：反映{village}低保评定不公，要求重新评议",
               "网上信访：反映{village}道路硬底化工程质量问题",
               "网上信访：反映{village}山林权属确权遗留问题"],
    "walk_in": ["来访：{village}村民反映宅基地审批久拖未办",
                "来访：{village}村民反映务工工资被拖欠，请求协调",
                "来访：{village}村民反映危房改造补助未到位",
                "来访：{village}村民反映承包地被占用"],
    "hotline_12345": ["12345 工单：{village}群众反映自来水水压不足",
                      "12345 工单：{village}群众反映养殖场臭味扰民",
                      "12345 工单：{village}群众反映路灯不亮",
                      "12345 工单：{village}群众投诉商户占道经营",
                      "12345 工单：{village}群众咨询社保缴费政策",
                      "12345 工单：{village}群众反映垃圾清运不及时",
                      "12345 工单：{village}群众反映农村客运班次减少",
                      "12345 工单：{village}群众投诉夜间施工噪音"],
}

DISPUTE_TYPES = [("neighbour", 24), ("marriage_family", 15), ("housing_homestead", 12),
                 ("land_forest", 12), ("damages", 9), ("contract", 6), ("labour", 5),
                 ("traffic", 5), ("production_business", 4), ("consumer", 2),
                 ("land_acquisition", 2), ("pollution", 2), ("property_management", 1),
                 ("medical", 1), ("other", 3)]

DISPUTE_TEXTS = {
    "neighbour": ["{a}与邻居{b}因排水沟堵塞、污水流入对方院内发生纠纷",
                  "{a}与{b}因房前屋后种植竹木遮挡采光引发矛盾",
                  "{a}与{b}因饲养家禽损坏菜地发生口角"],
    "marriage_family": ["{a}与{b}兄弟之间因赡养老人费用分担发生纠纷",
                        "{a}与{b}夫妻因家庭琐事长期争吵，女方要求调解",
                        "{a}与{b}因分家析产发生争执"],
    "housing_homestead": ["{a}与{b}因宅基地界址不清发生争执",
                          "{a}建房占用{b}祖屋通道，双方发生纠纷"],
    "land_forest": ["{a}与{b}因山林界址不清发生纠纷", "{a}与{b}因承包田灌溉用水发生纠纷",
                    "{a}与{b}因责任田边界发生争执"],
    "damages": ["{a}家的狗咬伤{b}，双方就医疗费赔偿发生纠纷",
                "{a}砍伐树木砸坏{b}的屋顶瓦面，双方就赔偿发生争议"],
    "contract": ["{a}与{b}因房屋租赁合同到期退还押金发生纠纷",
                 "{a}与{b}因脐橙收购货款结算发生纠纷"],
    "labour": ["{a}等人追讨{b}拖欠的建房务工工资", "{a}在{b}的加工厂受伤，就工伤待遇发生争议"],
    "traffic": ["{a}驾驶摩托车与{b}的电动车相撞，双方就损失赔偿发生纠纷"],
    "production_business": ["{a}与{b}合伙经营养殖场，因利润分配发生纠纷"],
    "consumer": ["{a}在{b}的商店购买的农药疑似假货，造成作物减产"],
    "land_acquisition": ["{a}与{b}因征地补偿款分配发生争议"],
    "pollution": ["{a}反映{b}的养猪场污水污染其鱼塘"],
    "property_management": ["{a}与{b}因新村安置点公共区域管理费用发生纠纷"],
    "medical": ["{a}与{b}因村卫生站输液后出现不良反应发生纠纷"],
    "other": ["{a}与{b}因借款归还期限发生纠纷", "{a}与{b}因祖坟迁移问题发生争执"],
}

AMOUNT_RANGES = {  # yuan, for written agreements that involve money
    "neighbour": (200, 3000), "marriage_family": (1000, 20000), "housing_homestead": (500, 8000),
    "land_forest": (500, 10000), "damages": (800, 30000), "contract": (2000, 50000),
    "labour": (3000, 60000), "traffic": (1500, 40000), "production_business": (5000, 80000),
    "consumer": (500, 6000), "land_acquisition": (3000, 50000), "pollution": (2000, 20000),
    "property_management": (300, 5000), "medical": (2000, 30000), "other": (1000, 20000),
}

FAILURE_REASONS = ["双方对赔偿数额分歧较大，经两次调解仍未达成一致",
                   "一方坚持要求对方承担全部责任，村调委会调解不成",
                   "涉及山林权属历史遗留问题，村级无法调处"]
DIRECT_ESCALATION = ["涉及金额较大、关系复杂，村调委会申请镇调委会调处",
                     "当事人对村调委会有回避要求，上报镇调委会"]
DECLINE_REASONS = ["一方当事人明确表示不同意调解，已告知可通过诉讼途径解决",
                   "双方已向法院起诉，依法不予受理调解"]


def person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def id_number(rng):
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(50 * 365))
    first17 = f"441403{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def phone(rng):
    prefix = rng.choice(["138", "139", "135", "137", "150", "159", "186", "188"])
    return f"{prefix}{rng.randrange(10**8):08d}"


def weighted(rng, pairs):
    names, weights = zip(*pairs)
    return rng.choices(names, weights)[0]


def uuid_from(rng):
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def working_days_of_year(year=YEAR, until=None):
    day, last = date(year, 1, 1), until or date(year, 12, 31)
    days = []
    while day <= last:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


# --- the plan ------------------------------------------------------------------------

class Schedule:
    """Steps in time order; ties keep the order they were planned in."""

    def __init__(self):
        self._heap, self._order = [], itertools.count()

    def add(self, moment, kind, step):
        heapq.heappush(self._heap, (moment, next(self._order), kind, step))

    def play(self, stats):
        while self._heap:
            moment, _order, kind, step = heapq.heappop(self._heap)
            if moment > REPLAY_END:
                stats["steps_not_played"] += 1
                continue
            with clock_at(moment):
                step(moment)
            stats["steps"] += 1
            stats[kind] += 1
            stats["last_step_at"] = moment


class Replay:
    def __init__(self, session, seed):
        self.session = session
        self.rng = random.Random(seed)
        self.town = Town(session)
        self.schedule = Schedule()
        self.stats = Counter()
        self.supervised = []
        self.amounts = Decimal(0)
        self.days = working_days_of_year()
        self.village_list = list(self.town.villages.values())

    # helpers -------------------------------------------------------------------
    def start_moment(self, month=None, until=None):
        """A random working-hours moment of the year (or of ``month``), on or before ``until``."""
        days = [d for d in self.days if (month is None or d.month == month)
                and (until is None or d <= until)]
        return slot(self.rng, self.rng.choice(days))

    def incident_do(self, username, case, action, body):
        def step(_moment):
            incident_steps.perform(self.town.user(username), self.town.scope(username),
                                     case["incident_id"], action, body)
        return step

    def dispute_do(self, username, case, action, body):
        def step(_moment):
            dispute_actions.perform(self.town.user(username), self.town.scope(username),
                                    case["dispute_id"], action, body)
        return step

    # incidents -----------------------------------------------------------------
    def plan_incidents(self, count=320):
        rng = self.rng
        months = [1.1, 0.8, 0.9, 1.0, 1.2, 1.3, 1.3, 1.2, 1.1, 0.9, 0.8, 0.9]
        for _ in range(count):
            month = rng.choices(range(1, 13), months)[0]
            rainy = 4 <= month <= 9
            category = weighted(rng, [("public_security", 12), ("safety_hazard", 30 if rainy else 18),
                                      ("environment", 24), ("public_service", 22),
                                      ("emergency", 6 if rainy else 1), ("other", 10)])
            grid = rng.choice(self.town.grids)
            self.plan_incident(category, grid, self.start_moment(month))

    def plan_incident(self, category, grid, reported_at):
        rng, town = self.rng, self.town
        reporter = f"l4-{grid.code}"
        village = town.villages[grid.village_id]
        with_gps = rng.random() > 0.06
        text = rng.choice(INCIDENT_TEXTS[category]).format(place=village.name + rng.choice(PLACES))
        case = {}
        payload = {"client_id": uuid_from(rng), "category": category, "description": text,
                   "location": town.point_in(rng, grid) if with_gps else None,
                   "accuracy_m": round(rng.uniform(3, 25), 1) if with_gps else None,
                   "occurred_at": reported_at - timedelta(minutes=rng.randint(10, 36 * 60)),
                   "channel": "grid_worker", "grid_id": None if with_gps else grid.id,
                   "dispute": None}

        def report(_moment):
            incident, _created = incident_actions.report(town.user(reporter), town.scope(reporter),
                                                         payload)
            case["incident_id"] = incident.id
            self.stats[f"incidents.{category}"] += 1
        self.schedule.add(reported_at, "incident.report", report)

        supervisor = rng.choice(["center01", "center02", f"l3-{village.code}"])
        assignee = reporter if rng.random() < 0.75 else f"l3-{village.code}"
        line = Timeline(rng, reported_at)
        if rng.random() < 0.07:
            self.schedule.add(line.soon(30, 300), "incident.reject",
                              self.incident_do(supervisor, case, "reject",
                                               {"note": "经核实为重复上报，已并入原事件办理"}))
            return
        self.schedule.add(line.soon(20, 240), "incident.accept",
                          self.incident_do(supervisor, case, "accept", {"note": "已受理"}))
        self.schedule.add(line.soon(5, 60), "incident.dispatch", self.incident_do(
            supervisor, case, "dispatch",
            {"assignee_id": town.user(assignee).id, "note": "请于时限内处置并反馈"}))
        rounds = 2 if rng.random() < 0.06 else 1
        for round_ in range(rounds):
            if category == "emergency" or rng.random() < 0.3:
                line.soon(60, 240)
            else:
                line.after_working_days(rng.randint(1, 5))
            self.schedule.add(line.t, "incident.handle", self.incident_do(
                assignee, case, "handle", {"note": "已现场处置，附处置情况说明"}))
            passed = round_ == rounds - 1
            if rng.random() < 0.6:
                line.after_working_days(rng.randint(0, 2))
            else:
                line.soon(30, 120)
            self.schedule.add(line.t, "incident.verify", self.incident_do(
                supervisor, case, "verify",
                {"passed": passed, "note": "核查通过，予以结案" if passed else "处置不到位，退回重办"}))

    # petitions -----------------------------------------------------------------
    def plan_petitions(self):
        rng, town = self.rng, self.town
        for channel, count in PETITIONS.items():
            for _ in range(count):
                grid = rng.choice(town.grids)
                village = town.villages[grid.village_id]
                clerk = rng.choice(["center01", "center02"])
                registered_at = self.start_moment()
                text = rng.choice(PETITION_TEXTS[channel]).format(village=village.name)
                case = {}
                payload = {"client_id": uuid_from(rng), "category": "petition",
                           "description": text, "location": None, "accuracy_m": None,
                           "occurred_at": registered_at - timedelta(days=rng.randint(0, 20),
                                                                     minutes=rng.randint(5, 600)),
                           "channel": channel, "grid_id": grid.id, "dispute": None}

                def register(_moment, clerk=clerk, payload=payload, case=case, channel=channel):
                    incident, _created = incident_actions.report(
                        town.user(clerk), town.scope(clerk), payload)
                    case["incident_id"] = incident.id
                    self.stats[f"petitions.{channel}"] += 1
                self.schedule.add(registered_at, "petition.register", register)
                line = Timeline(rng, registered_at)
                if rng.random() < 0.03:
                    self.schedule.add(line.after_working_days(rng.randint(1, 3)), "incident.reject",
                                      self.incident_do(clerk, case, "reject",
                                                       {"note": "同一事项已依法办结并答复，不再重复受理"}))
                    continue
                secretary = f"l3-{village.code}"
                self.schedule.add(line.soon(30, 240), "incident.accept",
                                  self.incident_do(clerk, case, "accept", {"note": "登记受理"}))
                self.schedule.add(line.soon(10, 60), "incident.dispatch", self.incident_do(
                    clerk, case, "dispatch",
                    {"assignee_id": town.user(secretary).id, "note": "转村（社区）办理并答复群众"}))
                # Answered within the limit: a 12345 work order's 15 working days (a complaint),
                # a petition's 60 days.
                handling_days = rng.randint(2, 12 if channel == "hotline_12345" else 20)
                self.schedule.add(line.after_working_days(handling_days), "incident.handle",
                                  self.incident_do(secretary, case, "handle",
                                                   {"note": "已约见群众，办理情况已答复"}))
                # Answered the same day or the next: within the limit.
                self.schedule.add(line.soon(20, 180), "incident.reply", self.incident_do(
                    clerk, case, "reply", {"note": ANSWERS[channel]}))
                self.schedule.add(line.after_working_days(rng.randint(0, 3)), "incident.verify",
                                  self.incident_do(clerk, case, "verify",
                                                   {"passed": True, "note": "核查办理情况，办结"}))
                self.schedule.add(line.after_working_days(rng.randint(1, 3)), "incident.visit",
                                  self.incident_do(clerk, case, "visit", {
                                      "satisfaction": weighted(rng, SATISFACTION_WEIGHTS),
                                      "note": "电话回访诉求人"}))

    # disputes ------------------------------------------------------------------
    def plan_disputes(self):
        rng = self.rng
        special = (["escalate_after_failure"] * 3 + ["escalate_direct"] * 2 + ["serious"] * 4
                   + ["multi_village"] * 4 + ["late_accept", "late_mediation"])
        channels = ["grid_worker"] * 64 + ["walk_in"] * 32 + ["hotline_12345"] * 30
        rng.shuffle(channels)
        kinds = ["village"] * MEDIATED
        # Hotline cases are settled fast in the village (12345 limits); the special ones
        # come from field reports and walk-ins.
        slots = [i for i, channel in enumerate(channels) if channel != "hotline_12345"]
        for index, kind in zip(rng.sample(slots, len(special)), special):
            kinds[index] = kind
        months = [1.4, 1.3, 1.0, 0.9, 0.9, 0.8, 0.9, 0.9, 0.8, 0.9, 1.0, 0.9]
        for kind, channel in zip(kinds, channels):
            long_case = kind != "village"
            month = rng.choices(range(1, 11 if long_case else 13), months[:10 if long_case else 12])[0]
            received_at = self.start_moment(month, until=date(YEAR, 12, 12))
            self.plan_dispute(kind, channel, received_at)
        for channel in ("grid_worker", "walk_in", "grid_worker", "walk_in"):
            self.plan_dispute("declined", channel, self.start_moment(until=date(YEAR, 12, 20)))
        for day in (date(YEAR, 12, 26), date(YEAR, 12, 28)):
            self.plan_dispute("year_end", "grid_worker", slot(rng, day))

    def dispute_details(self, village, kind):
        rng = self.rng
        dtype = weighted(rng, DISPUTE_TYPES)
        parties = []
        for _ in range(3 if rng.random() < 0.12 else 2):
            party = {"name": person(rng), "phone": phone(rng) if rng.random() < 0.9 else None,
                     "id_number": id_number(rng) if rng.random() < 0.65 else None}
            parties.append(party)
        village_ids = []
        if kind == "multi_village":
            others = village.neighbours or [v.id for v in self.village_list if v.id != village.id]
            village_ids = sorted({village.id, rng.choice(others)})
        details = {"type": dtype, "parties": parties, "serious": kind == "serious",
                   "village_ids": village_ids}
        text = rng.choice(DISPUTE_TEXTS[dtype]).format(a=parties[0]["name"], b=parties[1]["name"])
        if kind == "serious":
            text += "，涉及人数较多、情绪激烈，列为重大纠纷"
        if kind == "multi_village":
            names = "、".join(self.town.villages[v].name for v in village_ids)
            text += f"（涉及{names}）"
        return details, text

    def plan_dispute(self, kind, channel, received_at):
        rng, town = self.rng, self.town
        grid = rng.choice(town.grids)
        village = town.villages[grid.village_id]
        details, text = self.dispute_details(village, kind)
        case = {"kind": kind, "type": details["type"]}
        stats = self.stats

        if channel == "grid_worker":
            reporter = f"l4-{grid.code}"
            payload = {"client_id": uuid_from(rng), "category": "dispute", "description": text,
                       "location": town.point_in(rng, grid), "accuracy_m": round(rng.uniform(3, 20), 1),
                       "occurred_at": received_at - timedelta(minutes=rng.randint(30, 3 * 24 * 60)),
                       "channel": "grid_worker", "grid_id": None, "dispute": details}

            def register(_moment):
                incident, _created = incident_actions.report(town.user(reporter),
                                                             town.scope(reporter), payload)
                case["dispute_id"] = incident.dispute_id
                stats["incidents.dispute"] += 1
                stats[f"disputes.received.{channel}"] += 1
        else:
            clerk = rng.choice(["center01", "center02"])
            prefix = "来访登记：" if channel == "walk_in" else "12345 工单转办："
            payload = {"channel": channel, "description": prefix + text,
                       "work_order_type": (rng.choice(["complaint", "help"])
                                           if channel == "hotline_12345" else None),
                       "village_id": village.id, "location": None, "dispute": details}

            def register(_moment):
                dispute = dispute_actions.intake(town.user(clerk), town.scope(clerk), payload)
                case["dispute_id"] = dispute.id
                stats[f"disputes.received.{channel}"] += 1
        self.schedule.add(received_at, "dispute.register", register)

        to_town = kind in ("serious", "multi_village")
        committee_code = "town" if to_town else village.code
        line = Timeline(rng, received_at)

        if kind == "declined":
            head = f"med-{village.code}-1"
            decline = self.dispute_do(head, case, "decline", {"reason": rng.choice(DECLINE_REASONS)})

            def declined(moment):
                decline(moment)
                stats["disputes.declined"] += 1
            self.schedule.add(line.after_working_days(rng.randint(0, 2)), "dispute.decline", declined)
            return

        if kind == "late_accept":
            # Nobody accepts it in time: 督办 lifts it to level 3, then to level 2.
            due_day = add_working(town_day(received_at), 3)
            self.supervise_at(local(add_working(due_day, 1), 8 * 60 + 40), case)
            self.supervise_at(local(add_working(due_day, 4), 8 * 60 + 40), case)
            line.on(add_working(due_day, 4))
            line.t = max(line.t, local(add_working(due_day, 4), 9 * 60 + 30))
        else:
            line.after_working_days(rng.randint(0, 1 if channel == "hotline_12345" else 2))
        self.mediate(case, committee_code, line, channel, stage="first")

    def mediate(self, case, committee_code, line, channel, stage):
        """Accept, assign, sessions and the outcome at one committee; then what follows."""
        rng, kind = self.rng, case["kind"]
        at_town = committee_code == "town"
        prefix = "med-town" if at_town else f"med-{committee_code}"
        members = [f"{prefix}-{n}" for n in range(1, 6 if at_town else 4)]
        head = members[0]
        accepter = head if rng.random() < 0.8 else rng.choice(["center01", "center02"])
        note = "经督办后受理，向当事人致歉并说明情况" if kind == "late_accept" and stage == "first" else "当事人申请调解，予以受理"
        self.schedule.add(line.t, "dispute.accept", self.dispute_do(accepter, case, "accept",
                                                                    {"note": note}))
        accepted_day = town_day(line.t)
        mediators = rng.sample(members[1:] if at_town else members, 2 if rng.random() < 0.4 else 1)
        assigner = head if accepter == head or rng.random() < 0.5 else accepter
        self.schedule.add(line.soon(5, 60), "dispute.assign", self.dispute_do(
            assigner, case, "assign",
            {"mediator_ids": [self.town.user(m).id for m in mediators], "note": "指派调解员"}))

        fails = kind == "escalate_after_failure" and stage == "first"
        direct = kind == "escalate_direct" and stage == "first"
        if kind == "late_mediation":
            # Past the 30-day limit on purpose: 督办 lifts it to level 3, then it is settled.
            supervised_day = working_on_or_after(accepted_day + timedelta(days=32))
            self.supervise_at(local(supervised_day, 8 * 60 + 40), case)
            span = (add_working(supervised_day, 2) - accepted_day).days
        elif channel == "hotline_12345":
            span = rng.randint(1, 6)
        elif kind == "year_end":
            span = rng.randint(8, 14)
        else:
            span = rng.choice([rng.randint(2, 8), rng.randint(5, 15), rng.randint(8, 22)])
        latest = LAST_CONCLUSION if kind != "year_end" else date(YEAR + 1, 1, 12)
        end_day = min(accepted_day + timedelta(days=span), latest)
        end_day = working_on_or_before(end_day)
        if end_day <= accepted_day:
            end_day = add_working(accepted_day, 1)
            if end_day > latest:
                raise RuntimeError("回放计划有误：一宗 2023 年的调解将在年底之后办结")
        sessions = 1 if span <= 3 else rng.choice([1, 2, 2, 3])
        if direct:
            sessions = 1
        gap = (end_day - accepted_day).days
        session_days = sorted({accepted_day + timedelta(days=1 + rng.randrange(max(gap - 1, 1)))
                               for _ in range(sessions - 1)} | {end_day})
        if kind == "late_mediation":
            session_days = [accepted_day + timedelta(days=8), accepted_day + timedelta(days=20), end_day]
        mediator = mediators[0]
        for number, day in enumerate(session_days, 1):
            held = line.on(day)
            recorded = line.soon(30, 100)
            summary = (f"第{number}次调解：召集双方当事人到{'镇综治中心' if at_town else '村委会'}调解室，"
                       f"{'听取双方陈述、核实事实' if number == 1 else '释法说理、提出调解方案'}")
            self.schedule.add(recorded, "dispute.session", self.dispute_do(
                mediator, case, "session",
                {"held_at": held, "summary": summary,
                 "attendees": "、".join(["双方当事人"] + (["法律顾问"] if rng.random() < 0.3 else [])
                                       + (["法律明白人"] if rng.random() < 0.3 else []))}))
        if direct:
            escalator = head if rng.random() < 0.6 else f"l3-{committee_code}"
            self.schedule.add(line.soon(60, 180), "dispute.escalate", self.dispute_do(
                escalator, case, "escalate", {"reason": rng.choice(DIRECT_ESCALATION)}))
            line.after_working_days(rng.randint(0, 1))
            self.mediate(case, "town", line, channel, stage="town")
            return
        if fails:
            self.schedule.add(line.soon(20, 60), "dispute.resolve_failed", self.dispute_do(
                mediator, case, "resolve", {"outcome": "failed", "reason": rng.choice(FAILURE_REASONS)}))
            escalator = head if rng.random() < 0.5 else f"l3-{committee_code}"
            self.schedule.add(line.after_working_days(1), "dispute.escalate", self.dispute_do(
                escalator, case, "escalate", {"reason": "村调委会调解不成，上报镇人民调解委员会调处"}))
            line.after_working_days(rng.randint(0, 1))
            self.mediate(case, "town", line, channel, stage="town")
            return
        self.settle(case, line, mediator, members, head)

    def settle(self, case, line, mediator, members, head):
        rng, stats = self.rng, self.stats
        agreed_at = line.soon(20, 60)
        agreed_day = town_day(agreed_at)
        dtype = case["type"]
        written = rng.random() < 0.82 or dtype in ("labour", "traffic", "contract", "land_acquisition")
        amount = None
        if written and (rng.random() < 0.7 or dtype in ("damages", "traffic", "labour", "contract")):
            low, high = AMOUNT_RANGES[dtype]
            amount = Decimal(rng.randrange(low, high + 1, 50)).quantize(Decimal("0.01"))
        long_terms = (amount is not None and amount >= 10000 and rng.random() < 0.4
                      and case["kind"] != "year_end" and agreed_day.month < 11)
        if long_terms:
            perform_by = working_on_or_after(agreed_day + timedelta(days=rng.randint(30, 60)))
        elif written or rng.random() < 0.5:
            perform_by = working_on_or_after(agreed_day + timedelta(days=rng.randint(2, 10)))
        else:
            perform_by = None
        terms = "双方自愿达成如下协议：" + (
            f"由一方于{perform_by:%Y年%m月%d日}前" if perform_by else "由一方当场") + (
            f"支付{amount}元" if amount is not None else "赔礼道歉并恢复原状") + (
            "，分两期付清" if long_terms else "") + "；双方今后互谅互让，不再因此事发生争执。"
        agreement = {"terms": terms, "form": "written" if written else "oral",
                     "amount_yuan": amount, "perform_by": perform_by}

        def agreed(moment):
            dispute_actions.perform(self.town.user(mediator), self.town.scope(mediator),
                                    case["dispute_id"], "resolve",
                                    {"outcome": "agreed", "agreement": agreement})
            if town_day(moment).year == YEAR:
                stats["disputes.agreed_2023"] += 1
                if amount is not None:
                    self.amounts += amount
        self.schedule.add(agreed_at, "dispute.resolve_agreed", agreed)

        # The return visit: after performance, before the follow-up deadline.
        follow_up_due = agreed_day + timedelta(days=15)
        if perform_by is None:
            visit_day = working_on_or_before(agreed_day + timedelta(days=rng.randint(3, 12)))
            visit_day = max(visit_day, add_working(agreed_day, 1))
        else:
            visit_day = working_on_or_after(perform_by + timedelta(days=rng.randint(0, 2)))
            if visit_day > max(follow_up_due, perform_by):
                visit_day = perform_by
        close_first = rng.random() < 0.2
        closer = head if rng.random() < 0.7 else rng.choice(["center01", "center02"])
        if close_first:
            self.schedule.add(line.after_working_days(rng.randint(0, 1)), "dispute.close",
                              self.dispute_do(closer, case, "close", {"note": "调解协议已签订，案卷归档"}))
        partly = rng.random() < 0.05 and not long_terms
        confirmed = written and rng.random() < 0.15
        visitor = mediator if rng.random() < 0.8 else rng.choice(members)
        visit = line.on(visit_day)
        visits = [(visit, not partly, confirmed)]
        if partly:
            second = Timeline(rng, visit).after_days(rng.randint(7, 14))
            visits.append((second, True, False))
        for when, performed, judicial in visits:
            line.t = max(line.t, when)
            recorded = line.soon(30, 120)
            note = ("协议已履行，当事人满意" if performed else "协议尚未完全履行，已督促履行")
            if judicial:
                note += "；双方已共同申请司法确认，法院已裁定确认协议有效"
            body = {"visited_at": when, "performed": performed,
                    "satisfaction": rng.choice([5, 5, 5, 4, 4]) if performed else 3,
                    "judicially_confirmed": judicial or None, "note": note}
            self.schedule.add(recorded, "dispute.follow_up",
                              self.dispute_do(visitor, case, "follow_up", body))
        if not close_first:
            self.schedule.add(line.after_working_days(rng.randint(0, 2)), "dispute.close",
                              self.dispute_do(closer, case, "close", {"note": "回访完毕，结案归档"}))

    def supervise_at(self, moment, case):
        def step(now):
            done = supervise_overdue(self.session, now)
            self.supervised.extend(done)
        self.schedule.add(moment, "dispute.supervise_run", step)

    # the whole ------------------------------------------------------------------
    def run(self):
        self.plan_incidents()
        self.plan_petitions()
        self.plan_disputes()
        self.schedule.play(self.stats)


@contextmanager
def quick_commits(session):
    """On PostgreSQL, commit without waiting for the WAL flush while the replay runs
    (``SET LOCAL synchronous_commit TO off`` in each of its transactions): thousands of small
    commits, each otherwise waiting for a disk flush. A crash could lose the last few steps of
    the demo year, never corrupt it. Nothing changes on SpatiaLite."""
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        yield
        return

    def no_flush_wait(connection):
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO off")
    event.listen(engine, "begin", no_flush_wait)
    try:
        yield
    finally:
        event.remove(engine, "begin", no_flush_wait)


def replay_2023(session, seed=2023):
    """Play 2023 through the domain functions; a summary of what was played.

    Refuses a database that already holds incidents or disputes (a second replay would
    double the year's figures)."""
    started = timer.perf_counter()
    if session.scalar(select(func.count()).select_from(Incident)) or \
            session.scalar(select(func.count()).select_from(Dispute)):
        raise ReplayRefused("数据库中已有事件或纠纷，不能再回放 2023 年（会使年度数字重复）")
    replay = Replay(session, seed)
    with quick_commits(session):
        replay.run()
    stats = replay.stats
    incidents = {key.split(".", 1)[1]: n for key, n in sorted(stats.items())
                 if key.startswith("incidents.")}
    return {
        "seed": seed,
        "steps": stats["steps"],
        "steps_not_played": stats["steps_not_played"],
        "last_step_at": stats["last_step_at"].isoformat() if stats["last_step_at"] else None,
        "incidents_by_category": incidents,
        "petitions": {channel: stats[f"petitions.{channel}"] for channel in PETITIONS},
        "incident_actions": {key.split(".", 1)[1]: n for key, n in sorted(stats.items())
                             if key.startswith("incident.") and key != "incident.report"},
        "disputes_received": {key.rsplit(".", 1)[1]: n for key, n in sorted(stats.items())
                              if key.startswith("disputes.received.")},
        "disputes_agreed_2023": stats["disputes.agreed_2023"],
        "disputes_declined": stats["disputes.declined"],
        "dispute_actions": {key.split(".", 1)[1]: n for key, n in sorted(stats.items())
                            if key.startswith("dispute.") and key != "dispute.register"},
        "supervision_steps": [f"{s.number}: {s.from_level}→{s.to_level}" for s in replay.supervised],
        "agreement_amount_yuan_2023": f"{replay.amounts:.2f}",
        "seconds": round(timer.perf_counter() - started, 1),
    }
