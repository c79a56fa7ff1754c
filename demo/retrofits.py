"""智能化改造 of one enterprise (一企一策): a diagnosis, a plan, and the projects it lists, done on time, late or not yet."""
from __future__ import annotations

import random
from datetime import date, timedelta

from demo.span import DemoSpan, chance, random_day, random_workday, weighted
from demo.world import Enterprise

# 改造类型 -> (项目名称, fewest and most 危险岗位 it takes people off, 投资金额 range in 万元)
PROJECTS = {
    "机器换人": (("自动包装码垛机器人替代人工包装", 3, 8, 60, 380), ("危化品装卸鹤管自动对位系统", 2, 5, 40, 220),
             ("巡检机器人替代人工巡检", 1, 4, 30, 160)),
    "自动化减人": (("反应釜DCS自动化控制改造", 2, 6, 45, 300), ("原料自动计量投料系统", 2, 5, 25, 180),
              ("SIS安全仪表系统改造", 1, 3, 50, 260), ("罐区自动化装卸改造", 2, 5, 35, 240)),
    "智能化改造": (("安全生产风险监测预警系统建设", 0, 2, 15, 120), ("人员定位与智能视频监控系统", 0, 2, 20, 110),
              ("设备在线监测与预测性维护平台", 0, 3, 25, 150)),
    "其他": (("可燃有毒气体检测报警系统升级", 0, 1, 8, 60), ("双重预防体系信息化平台建设", 0, 1, 5, 45)),
}
TYPE_WEIGHTS = (("机器换人", 25), ("自动化减人", 35), ("智能化改造", 30), ("其他", 10))


def month_end(day: date) -> date:
    """Plans name a month: the project is due on its last day."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def make_retrofits(rng: random.Random, enterprise: Enterprise, span: DemoSpan) -> list[dict]:
    """About half the enterprises were diagnosed; their plan lists one to three projects."""
    if enterprise.status == "关闭" or not chance(rng, 0.45 + (enterprise.quality - 0.92) * 3):
        return []
    diagnosed = random_workday(rng, span.start - timedelta(days=120), span.end - timedelta(days=75))
    plan_on = random_workday(rng, diagnosed + timedelta(days=20), diagnosed + timedelta(days=70))
    on_time = 0.55 + (enterprise.quality - 0.9) * 3
    count = int(weighted(rng, (("1", 50), ("2", 35), ("3", 15))))
    kinds = [weighted(rng, TYPE_WEIGHTS) for _ in range(count)]
    rows, names = [], set()
    for kind in kinds:
        name, fewest, most, low, high = rng.choice(PROJECTS[kind])
        if name in names:
            continue
        names.add(name)
        planned = month_end(plan_on + timedelta(days=rng.randint(90, 420)))
        r = rng.random()
        if planned <= span.end:
            if r < on_time:
                completed = random_day(rng, plan_on + timedelta(days=45), planned)
            elif r < on_time + 0.25:  # late, or still open past the plan
                completed = planned + timedelta(days=rng.randint(10, 150))
            else:
                completed = None
        else:
            first = plan_on + timedelta(days=45)
            completed = random_day(rng, first, span.end) if r < 0.12 and first <= span.end else None
        if completed is not None and completed > span.end:
            completed = None
        posts = rng.randint(fewest, most)
        rows.append({"enterprise": enterprise, "diagnosed_on": None if chance(rng, 0.05) else diagnosed,
                     "plan_on": plan_on, "project_name": name, "retrofit_type": kind, "planned_on": planned,
                     "completed_on": completed, "investment": round(rng.uniform(low, high), 1),
                     "posts_reduced": None if completed is None and chance(rng, 0.3) else posts})
    return rows
