"""Training records and emergency drills of one enterprise: sessions spread so every 12-month window holds one."""
from __future__ import annotations

import random
from datetime import date, timedelta

from demo.span import DemoSpan, chance, next_weekday, weighted
from demo.world import Enterprise, Person

DRILL_TOPICS = ("危险化学品泄漏事故", "火灾爆炸事故", "中毒窒息事故", "防汛防台", "受限空间作业事故", "触电事故",
                "灼烫事故")
DRILL_TYPES = ("综合演练", "专项演练", "现场处置方案演练", "桌面推演")


def session_dates(rng: random.Random, first: date, last: date, spacing: tuple[int, int]) -> list[date]:
    """Dates at most spacing[1] days apart, so every 12-month window holds one."""
    days, day = [], first + timedelta(days=rng.randint(5, 100))
    while day <= last:
        days.append(next_weekday(day))
        day += timedelta(days=rng.randint(*spacing))
    return [d for d in days if d <= last]


def training_row(enterprise: Enterprise, person: Person, course: str, day: date, hours: float, score: int) -> dict:
    return {"enterprise": enterprise, "person_id": person.person_id, "person_name": person.name,
            "course": course, "trained_on": day, "hours": hours, "score": score,
            "result": "合格" if score >= 60 else "不合格"}


def exam_score(rng: random.Random, fail_rate: float) -> int:
    if chance(rng, fail_rate):
        return rng.randint(35, 59)
    return min(100, max(60, round(rng.gauss(86, 7))))


def make_training(rng: random.Random, enterprise: Enterprise, span: DemoSpan) -> list[dict]:
    rows = []
    last = min(span.end, enterprise.active_until)
    fail_rate = 0.01 + (1 - enterprise.quality) * 0.12
    attendance = 0.985 - (1 - enterprise.quality) * 0.1
    for day in session_dates(rng, span.lookback_start, last, (300, 360)):
        course = f"{day.year}年度全员安全教育培训"
        for person in enterprise.staff:
            if person.never_trained or not person.on_duty(day) or not chance(rng, attendance):
                continue
            score = exam_score(rng, fail_rate)
            rows.append(training_row(enterprise, person, course, day, 8, score))
            retake = next_weekday(day + timedelta(days=rng.randint(10, 30)))
            if score < 60 and chance(rng, 0.75) and retake <= last:
                rows.append(training_row(enterprise, person, f"{course}（补考）", retake, 2, exam_score(rng, 0)))
    key_people = [p for p in enterprise.staff if p.category in ("主要负责人", "安全总监", "安全管理人员")]
    for day in session_dates(rng, span.lookback_start, last, (330, 360)):
        for person in key_people:
            if person.on_duty(day) and not person.never_trained:
                rows.append(training_row(enterprise, person, "主要负责人和安全管理人员年度再培训", day, 16,
                                         exam_score(rng, fail_rate / 2)))
    for person in enterprise.staff:
        start = next_weekday(person.hired_on + timedelta(days=rng.randint(0, 5)))
        if person.hired_on >= span.lookback_start and start <= last and not person.never_trained:
            rows.append(training_row(enterprise, person, "新员工三级安全教育", start, 24, exam_score(rng, 0.01)))
    rows.sort(key=lambda row: (row["trained_on"], row["person_id"]))
    return rows


def make_drills(rng: random.Random, enterprise: Enterprise, span: DemoSpan) -> list[dict]:
    rows = []
    full_turnout = 0.6 + (enterprise.quality - 0.85) * 2
    for day in session_dates(rng, span.lookback_start, min(span.end, enterprise.active_until), (120, 200)):
        present = enterprise.on_duty(day)
        drill_type = weighted(rng, zip(DRILL_TYPES, (25, 35, 30, 10), strict=True))
        if drill_type == "综合演练":
            expected = len(present)
        elif drill_type == "桌面推演":
            expected = sum(p.category != "其他从业人员" and p.category != "特种作业人员" for p in present) + 2
        else:
            expected = max(4, round(len(present) * rng.uniform(0.2, 0.5)))
        r = rng.random()
        if r < full_turnout:
            actual = expected
        elif r < 0.95:
            actual = expected - rng.randint(1, max(1, expected // 12))
        else:
            actual = int(expected * rng.uniform(0.6, 0.85))
        rows.append({"enterprise": enterprise, "drill_date": day, "drill_type": drill_type,
                     "drill_name": f"{day.year}年{rng.choice(DRILL_TOPICS)}{drill_type}",
                     "expected": expected, "actual": actual})
    return rows
