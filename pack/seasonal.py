"""Seasonal common tasks for the coming quarter (contract §5: agree next quarter's tasks in light of the season).

Declared as data: each task names the calendar quarters it belongs to. Weihai's
main flood season is July–August (汛期 June–September); the festival periods are
those when many plants stop and restart, the riskiest days for hot work and
start-up.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.quarters import Quarter


@dataclass(frozen=True)
class SeasonalTask:
    title: str
    text: str
    quarters: tuple[int, ...]  # calendar quarters (1–4) in which the task is due


SEASONAL_TASKS: tuple[SeasonalTask, ...] = (
    SeasonalTask(
        "元旦春节及全国“两会”期间安全防范",
        "督促企业制定节日期间停产检修、值班值守和开停车方案，节前开展一次全面安全检查，"
        "节后复工复产前逐企业开展安全条件确认，驻点监督人员全程监督开车和动火作业。",
        (1,),
    ),
    SeasonalTask(
        "春季开工和冬春季防火",
        "低温天气持续期间，继续做好防冻防凝和冬春季防火，春季复产前组织设备设施、"
        "安全附件和消防设施全面检查。",
        (1,),
    ),
    SeasonalTask(
        "汛前准备和“安全生产月”",
        "汛期到来前督促企业修订防汛应急预案，检查厂区排水、围堰、防雷接地和防汛物资；"
        "6月结合“安全生产月”开展全员应急演练和隐患排查。",
        (2,),
    ),
    SeasonalTask(
        "清明、五一、端午节日期间安全防范",
        "节日期间严格特殊作业审批，确需作业的由驻点监督人员到场监督；落实值班值守和领导带班制度。",
        (2,),
    ),
    SeasonalTask(
        "主汛期遇水反应化学品和防雨防潮",
        "7—8月主汛期，重点排查遇水反应、遇湿易燃化学品（如金属钠、电石、保险粉等）的储存场所："
        "仓库防雨防渗漏、地面垫高、禁止露天存放；检查厂区排水、围堰和雨水收集池，"
        "强降雨前后逐企业巡查，防止雨水倒灌引发化学反应和泄漏。",
        (3,),
    ),
    SeasonalTask(
        "夏季高温和防雷",
        "高温时段督促企业落实储罐、易挥发及低沸点物料的喷淋降温和温度监控措施，"
        "合理调整作业时间，防止中暑；检查防雷防静电设施检测情况。",
        (3,),
    ),
    SeasonalTask(
        "中秋、国庆“双节”期间安全防范",
        "节前组织一次全面隐患排查，节日期间严格动火等特殊作业管理，节后复工前开展安全条件确认。",
        (3, 4),
    ),
    SeasonalTask(
        "冬季防火、防冻防凝和电气安全",
        "入冬前督促企业做好冬季防火，检查消防设施、器材和消防通道；对管线、阀门、仪表和"
        "消防水系统采取保温伴热等防冻防凝措施；排查取暖和临时用电线路，严防电气火灾；"
        "防范受限空间和燃气取暖中毒窒息。",
        (4,),
    ),
    SeasonalTask(
        "岁末年初安全防范",
        "岁末年初生产经营任务重，督促企业严禁超能力、超强度生产，做好年度隐患清零和"
        "驻点监督人员轮换交接。",
        (4,),
    ),
)


def seasonal_tasks(quarter: Quarter) -> list[SeasonalTask]:
    """The seasonal tasks due in `quarter` (usually the quarter after the one under review)."""
    return [task for task in SEASONAL_TASKS if quarter.q in task.quarters]
