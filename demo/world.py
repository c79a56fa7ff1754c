"""The invented world: districts, their enterprises, the staff of each and the supervisors stationed there."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from core.config import districts as configured_districts
from demo.names import (
    NOT_ON_ROSTER_NAME,
    company_name,
    fresh,
    id_number,
    make_credit_code,
    name_key,
    person_name,
    unique_name,
)
from demo.span import DemoSpan, chance, next_weekday, random_day, weighted
from demo.styles import STYLES, Style

DIVISION_CODES = {  # 行政区划代码, the 3rd–8th characters of a credit code
    "环翠区": "371002", "文登区": "371003", "荣成市": "371082", "乳山市": "371083",
    "高区": "371071", "经区": "371072", "临港区": "371073", "南海新区": "371074",
}
ENTERPRISES_PER_DISTRICT = {
    "环翠区": 32, "文登区": 48, "荣成市": 52, "乳山市": 38, "高区": 34, "经区": 36, "临港区": 34, "南海新区": 26,
}
DEFAULT_ENTERPRISES_PER_DISTRICT = 35
# District quality levels (shuffled over the districts): they drive every shortfall.
QUALITY_LEVELS = (0.985, 0.975, 0.965, 0.95, 0.935, 0.92, 0.9, 0.875)
# Below this headcount the demo's enterprises need no 安全总监 (their checklists answer 不适用).
DIRECTOR_HEADCOUNT = 30
SPECIAL_WORK_TYPES = ("电工作业", "焊接与热切割作业", "高处作业", "危险化学品安全作业", "制冷与空调作业")
OTHER_WORK_TYPES = (None, None, "操作工", "化验员", "仓管员", "维修工")
THIRD_PARTY_UNITS = ("威海安信安全技术服务有限公司", "山东鲁安安全评价有限公司", "威海海安安全技术咨询有限公司")


@dataclass
class Person:
    person_id: str
    name: str
    category: str
    work_type: str | None
    cert_no: str | None
    cert_valid_until: date | None
    hired_on: date
    left_on: date | None
    never_trained: bool = False

    def on_duty(self, day: date) -> bool:
        return self.hired_on <= day and (self.left_on is None or self.left_on > day)


@dataclass
class Stint:
    supervisor: str
    dispatch_unit: str
    start: date
    end: date  # last day stationed
    diligence: float  # share of workdays with a log
    pretraining_on: date | None = None  # 岗前培训日期
    handover_on: date | None = None  # 交接日期, to the successor
    handed_to: str | None = None  # 交接人: the successor
    current: bool = False  # still stationed at the span's end (撤离日期 left empty)


@dataclass
class Enterprise:
    name: str
    credit_code: str
    district: str
    industry: str
    quality: float
    status: str = "正常生产"
    active_until: date | None = None  # 关闭: the day it closed
    idle_from: date | None = None  # 停产
    staff: list[Person] = field(default_factory=list)
    stints: list[Stint] = field(default_factory=list)  # who was stationed when (驻点派驻记录)
    rota: list[Stint] = field(default_factory=list)  # the six-monthly plan the logs are drawn over, see make_rota
    rules_required: int = 20
    position: int = 0  # its place in the district roster
    director_required: bool = True  # small enterprises need no 安全总监: their checklist says 不适用

    def on_duty(self, day: date) -> list[Person]:
        return [p for p in self.staff if p.on_duty(day)]


@dataclass
class DistrictPlan:
    name: str
    position: int
    division: str
    quality: float
    style: Style
    enterprises: list[Enterprise] = field(default_factory=list)

    @property
    def written_name(self) -> str:
        """How this office writes its own district: canonical, with the city prefix, or an alias."""
        config = configured_districts()
        aliases = [a for a, n in config.aliases.items() if n == self.name and a != self.name]
        options = [self.name, config.city + self.name, *aliases]
        return options[self.position % len(options)]


@dataclass
class World:
    span: DemoSpan
    plans: list[DistrictPlan]
    used_names: set[str]
    used_codes: set[str]
    supervisor_names: set[str]
    seed: int = 0
    spare_names: set[str] = field(default_factory=set)  # supervisors drawn from a side stream

    def stream(self, *parts: str) -> random.Random:
        """A random stream of its own for one part of the world, derived from the seed.

        Parts added to the demo draw from such streams, so that the main stream, and with it every
        record drawn before those parts existed, stays what it was for a seed.
        """
        return random.Random("/".join((str(self.seed), *parts)))


def plan_districts(rng: random.Random) -> list[DistrictPlan]:
    names = configured_districts().names
    levels = list(QUALITY_LEVELS)
    rng.shuffle(levels)
    plans = []
    for position, name in enumerate(names):
        division = DIVISION_CODES.get(name, f"3710{90 + position % 10:02d}")
        plans.append(DistrictPlan(name, position, division, levels[position % len(levels)],
                                  STYLES[position % len(STYLES)]))
    return plans


def make_enterprise(rng: random.Random, world: World, plan: DistrictPlan, bracketed: bool) -> Enterprise:
    drawn: dict[str, str] = {}

    def draw(two_brands: bool) -> str:
        name, drawn[name] = company_name(rng, plan.name, bracketed, two_brands)
        return name

    name = fresh(draw, lambda name: name_key(name) in world.used_names or name_key(name) == name_key(NOT_ON_ROSTER_NAME))
    industry = drawn[name]
    world.used_names.add(name_key(name))
    code = make_credit_code(rng, plan.division)
    while code in world.used_codes:
        code = make_credit_code(rng, plan.division)
    world.used_codes.add(code)
    quality = min(0.999, max(0.75, rng.gauss(plan.quality, 0.02)))
    return Enterprise(name, code, plan.name, industry, quality, rules_required=rng.randint(12, 30))


def set_statuses(rng: random.Random, plan: DistrictPlan, span: DemoSpan, scale: int) -> None:
    """A few 关闭 (in half the districts) and 停产 (in the others) enterprises."""
    count = scale
    chosen = rng.sample(plan.enterprises[1:], min(count, len(plan.enterprises) - 1))
    for enterprise in chosen:
        if plan.position % 2:
            enterprise.status = "关闭"
            enterprise.active_until = random_day(rng, span.end - timedelta(days=270), span.end - timedelta(days=30))
        else:
            enterprise.status = "停产"
            enterprise.idle_from = random_day(rng, span.quarters[-2].start, span.end - timedelta(days=20))


def build_world(rng: random.Random, scale: int, span: DemoSpan, seed: int = 0) -> World:
    world = World(span, plan_districts(rng), set(), set(), set(), seed)
    for plan in world.plans:
        count = ENTERPRISES_PER_DISTRICT.get(plan.name, DEFAULT_ENTERPRISES_PER_DISTRICT) * scale
        for index in range(count):
            enterprise = make_enterprise(rng, world, plan, bracketed=index == 0 or chance(rng, 0.12))
            enterprise.position = index
            plan.enterprises.append(enterprise)
        set_statuses(rng, plan, span, scale)
        stationings = world.stream("stationings", plan.name)
        for enterprise in plan.enterprises:
            enterprise.active_until = enterprise.active_until or span.end
            enterprise.staff = make_staff(rng, enterprise, plan, span)
            enterprise.rota = make_rota(rng, enterprise, plan, world)
            enterprise.stints = make_stints(stationings, enterprise, plan, world)
    return world


# ---------------------------------------------------------------- staff

def role_plan(size: int, has_director: bool) -> list[str]:
    roles = ["主要负责人"] + ["分管负责人"] * (1 + (size > 80))
    roles += ["安全总监"] if has_director else []
    roles += ["安全管理人员"] * max(1, min(4, size // 30)) + ["特种作业人员"] * max(2, size // 8)
    return roles + ["其他从业人员"] * max(0, size - len(roles))


def certificate(rng: random.Random, category: str, quality: float, division: str, span: DemoSpan):
    """(证书编号, 证书有效期至): some missing, some expired, some expiring within 90 days."""
    needs = category in ("主要负责人", "安全总监", "安全管理人员", "特种作业人员") or (
        category == "分管负责人" and chance(rng, 0.5))
    if not needs:
        return None, None
    r = rng.random()
    missing, expired, soon = 0.01 + (1 - quality) * 0.25, 0.01 + (1 - quality) * 0.35, 0.05
    if r < missing:
        return None, None
    number = ("T" if category == "特种作业人员" else "") + id_number(rng, division)
    if r < missing + expired:
        return number, span.end - timedelta(days=rng.randint(1, 200))
    if r < missing + expired + soon:
        return number, span.end + timedelta(days=rng.randint(1, 90))
    return number, span.end + timedelta(days=rng.randint(91, 1500))


def make_staff(rng: random.Random, enterprise: Enterprise, plan: DistrictPlan, span: DemoSpan) -> list[Person]:
    size = min(320, max(12, int(math.exp(rng.gauss(3.6, 0.55)))))
    enterprise.director_required = size >= DIRECTOR_HEADCOUNT
    has_director = chance(rng, 0.97 - (1 - enterprise.quality))
    roles = role_plan(size, has_director)
    roles += [weighted(rng, (("其他从业人员", 80), ("特种作业人员", 15), ("安全管理人员", 5)))
              for _ in range(round(size * rng.uniform(0.05, 0.15)))]
    long_ago = date(2003, 1, 1)
    drafts = []
    for index, category in enumerate(roles):
        departed = index >= size
        if departed:
            left_on = random_day(rng, span.start, span.end)
            hired_on = random_day(rng, long_ago, min(left_on, span.lookback_start) - timedelta(days=30))
        else:
            left_on = None
            recent = chance(rng, 0.15)
            hired_on = random_day(rng, span.lookback_start, span.end - timedelta(days=5)) if recent \
                else random_day(rng, long_ago, span.lookback_start)
        drafts.append((hired_on, index, category, left_on))
    drafts.sort()
    used: set[str] = set()
    staff = []
    for number, (hired_on, _, category, left_on) in enumerate(drafts, start=1):
        cert_no, valid_until = certificate(rng, category, enterprise.quality, plan.division, span)
        work_type = rng.choice(SPECIAL_WORK_TYPES) if category == "特种作业人员" else (
            rng.choice(OTHER_WORK_TYPES) if category == "其他从业人员" else None)
        staff.append(Person(
            f"{plan.style.person_id_prefix}{number:04d}", unique_name(rng, used), category, work_type,
            cert_no, valid_until, hired_on, left_on,
            never_trained=chance(rng, (1 - enterprise.quality) * 0.2)))
    return staff


# ---------------------------------------------------------------- supervisors

def dispatch_unit(rng: random.Random, district: str) -> str:
    return weighted(rng, ((f"{district}应急管理局", 45), (f"{district}化工专项行动办公室", 35),
                          (rng.choice(THIRD_PARTY_UNITS), 20)))


def diligence(rng: random.Random, quality: float) -> float:
    if chance(rng, 0.05):
        return rng.uniform(0.7, 0.85)
    return min(0.998, rng.gauss(0.975 - (1 - quality) * 0.5, 0.015))


def make_rota(rng: random.Random, enterprise: Enterprise, plan: DistrictPlan, world: World) -> list[Stint]:
    """The six-monthly plan, back in time from today's supervisor: who, from which unit, how diligent.

    Drawn from the main stream; `make_stints` turns it into the stationings as they happened.
    """
    span = world.span
    r = rng.random()
    if r < 0.68:
        start = span.end - timedelta(days=rng.randint(92, 182))
    elif r < 0.8:  # rotated in the middle of the last quarter
        start = span.end - timedelta(days=rng.randint(5, 88))
    elif r < 0.95:
        start = span.end - timedelta(days=rng.randint(183, 365))
    else:
        start = span.end - timedelta(days=rng.randint(366, 700))
    end = enterprise.active_until
    stints = []
    while True:
        stints.insert(0, Stint(unique_name(rng, world.supervisor_names), dispatch_unit(rng, plan.name),
                               start, end, diligence(rng, enterprise.quality)))
        if start <= span.start:
            return stints
        end = start - timedelta(days=1)
        start = end - timedelta(days=rng.randint(150, 200))


def spare_name(rng: random.Random, world: World, taken: list[Stint]) -> str:
    """A supervisor beyond the rota, named from a side stream (so not kept out of later rota draws)."""
    name = fresh(lambda wide: person_name(rng, wide), lambda name: name in world.supervisor_names
                 or name in world.spare_names or any(s.supervisor == name for s in taken))
    world.spare_names.add(name)
    return name


def stint_length(rng: random.Random, quality: float) -> int:
    """Days of one past stationing: about six months, a few overstaying to eight to ten."""
    if chance(rng, 0.04 + (1 - quality) * 0.6):
        return rng.randint(240, 305)
    return rng.randint(165, 200)


def make_stints(rng: random.Random, enterprise: Enterprise, plan: DistrictPlan, world: World) -> list[Stint]:
    """The stationings as they happened: the rota's supervisors, in its order, on dates of their own.

    Today's supervisor came when the rota says (the roster's 进驻日期). Before, most rotated after about six
    months, some after eight to ten; the successor usually arrived the day the predecessor left, a few
    some days before (a handover week, both stationed) and a few some days after (nobody stationed).
    Some successors had no 岗前培训 on record, some handovers no 交接日期.
    """
    span = world.span
    today = enterprise.rota[-1]
    start = today.start
    if enterprise.status == "关闭" and start > today.end - timedelta(days=30):  # came well before it closed
        start = today.end - timedelta(days=rng.randint(60, 170))
    stints = [replace(today, start=start, current=enterprise.status != "关闭")]
    earlier = enterprise.rota[-2::-1]
    while stints[0].start > span.start:
        successor = stints[0]
        r = rng.random()
        if r < 0.07:  # nobody stationed for some days
            end = successor.start - timedelta(days=rng.randint(4, 21))
        elif r < 0.17:  # a handover week with both stationed
            end = min(successor.start + timedelta(days=rng.randint(3, 7)), span.end - timedelta(days=1))
        else:
            end = successor.start - timedelta(days=1)
        start = end - timedelta(days=stint_length(rng, enterprise.quality))
        if earlier:
            predecessor = replace(earlier.pop(0), start=start, end=end)
        else:
            predecessor = Stint(spare_name(rng, world, stints), dispatch_unit(rng, plan.name), start, end,
                                diligence(rng, enterprise.quality))
        predecessor.handed_to = successor.supervisor
        if not chance(rng, 0.06 + (1 - enterprise.quality) * 0.5):
            first = successor.start if successor.start <= end else end - timedelta(days=2)
            predecessor.handover_on = random_day(rng, first, end)
        elif chance(rng, 0.5):
            predecessor.handed_to = None
        stints.insert(0, predecessor)
    for stint in stints:
        if not chance(rng, 0.05 + (1 - enterprise.quality) * 0.6):
            stint.pretraining_on = next_weekday(stint.start - timedelta(days=rng.randint(5, 30)))
    return stints


def stint_on(enterprise: Enterprise, day: date) -> Stint:
    """Who was stationed on `day` (the newcomer in a handover week; the next to arrive in a gap)."""
    for stint in reversed(enterprise.stints):
        if stint.start <= day <= stint.end:
            return stint
    return next((s for s in enterprise.stints if s.start > day), enterprise.stints[-1])
