"""Every setting of the product, declared once: name, default, type, bounds and a Chinese help text.

`config/settings.toml` holds only the values an office changes; everything not written there takes
its default from the declarations below. The file is read and checked once, at start: an unknown key
or a value of the wrong type or out of range is a Chinese error naming the key. Any text that states a
setting's value (page captions, the meeting paper, list titles) reads it from here, most simply by
naming the setting in the text as `{section.name}` and passing the text through `fill`.
"""
from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.config import CONFIG_DIR, PROJECT_ROOT
from core.text import printable

SETTINGS_FILE_NAME = "settings.toml"
SETTINGS_ENV_VAR = "WEIHAI_SETTINGS"


class SettingsError(Exception):
    """A bad settings file, with a Chinese message naming the key."""


@dataclass(frozen=True)
class Setting:
    section: str
    name: str
    default: int | float
    help: str
    minimum: float | None = None
    maximum: float | None = None
    fractional: bool = False  # a whole-number default that also accepts a fraction (sizes in MB)

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def kind(self) -> type:
        return float if self.fractional else type(self.default)

    @property
    def kind_name(self) -> str:
        return "整数" if self.kind is int else "数字"

    @property
    def range_text(self) -> str:
        return f"{shown(self.minimum)}–{shown(self.maximum)}"


SECTIONS: dict[str, str] = {
    "findings": "评定等级：达标 = 比率 ≥ pass_rate；关注 = 比率 ≥ watch_rate；其余为 整改；分母为 0 时为 无数据。",
    "watch": "预警清单：总览页、隐患整改页和会商材料中的到期证书、待轮换驻点人员、移交未办结隐患清单。",
    "indicators": "指标统计：培训合格率、演练参与率和报送完整性中的演练按此窗口统计；重大隐患直报的时限。",
    "import": "导入上限：在解析文件之前检查，超过的文件整个拒收并说明原因（请拆分后分别发送），防止一个文件耗尽内存。",
    "access": "登录与会话：看板的登录失败限制和会话有效期。",
    "reconcile": "对账检查（数据可信度）：各项对账检查的容差和判定条件。",
    "escalation": "直通车时间线：重大隐患和移交事项各环节的时限（上报时限见 indicators.major_hazard_report_days，"
                  "移交办结时限见 watch.transfer_reply_days）。",
    "scorecard": "驻点人员考评（本办做法）：各项的权重（只按有数据的项目折算为百分制），发现隐患的满分标准，"
                 "参加排名的最少驻点天数和各区市表扬、约谈候选人数。",
}

SETTINGS: tuple[Setting, ...] = (
    Setting("findings", "pass_rate", 1.0, "评定为“达标”的最低比率（比率 ≥ 此值为达标）。", 0, 1),
    Setting("findings", "watch_rate", 0.95, "评定为“关注”的最低比率（低于达标、不低于此值为关注，其余为整改）。", 0, 1),
    Setting("watch", "certificate_expiry_days", 90, "证书到期预警：有效期在截至日期后多少天内到期即列入预警。",
            1, 3650),
    Setting("watch", "rotation_months", 6, "驻点轮换：驻点满多少个月应轮换。", 1, 60),
    Setting("watch", "rotation_notice_days", 30,
            "驻点轮换提醒：距应轮换日期（进驻日期加 rotation_months 个月）多少天内列为“即将到期”，提前确定接任人选、"
            "安排岗前培训。", 1, 365),
    Setting("watch", "rotation_grace_days", 30,
            "驻点超期未轮换：过了应轮换日期多少天仍无接任人员进驻即列为“超期未轮换”，并起草提请会商事项；"
            "在此之前为“应轮换”。", 0, 365),
    Setting("watch", "work_plan_days", 30,
            "进驻后未见工作计划：驻点人员进驻后多少天内应在工作日志的工作内容中记录制定工作计划"
            "（写明“工作计划”）。", 1, 180),
    Setting("watch", "transfer_reply_days", 30,
            "移交未办结：隐患移交其他部门满多少天仍无移交办结日期即列入清单。", 1, 3650),
    Setting("indicators", "window_months", 12, "培训、演练的统计窗口（月），区间为 (截至日期 − N 个月, 截至日期]。",
            1, 60),
    Setting("indicators", "major_hazard_report_days", 1,
            "重大隐患直报时限（天）：上报日期不晚于发现日期后多少天计为直报；0 为须当日上报。", 0, 30),
    Setting("import", "max_upload_mb", 50, "看板上传单个文件的大小上限（MB）。", 1, 1024, fractional=True),
    Setting("import", "max_rows", 200000, "单个文件最多多少行（各工作表合计；Excel 按已用区域的行数计）。",
            1, 10_000_000),
    Setting("import", "max_cells", 2000000,
            "单个文件最多多少个单元格：各工作表已用区域的 行数 × 列数 合计（CSV 为 行数 × 最宽一行的列数）。"
            "表格外远处误填的一个单元格会使已用区域变得很大，也按此计算。一次导入中同一模板的多个文件按此分批校验。",
            1, 100_000_000),
    Setting("import", "max_unpacked_mb", 100,
            "Excel 工作簿解压后的总大小上限（MB），各单元格引用的共享文字展开后的总量也按此限制；"
            "也是任何文件本身的大小上限。", 1, 4096, fractional=True),
    Setting("import", "max_cell_chars", 32767, "CSV 单个单元格最多多少个字符（Excel 的上限是 32767）。", 1, 10_000_000),
    Setting("import", "database_memory_mb", 512,
            "导入时数据库引擎最多使用的内存（MB）；超过时暂存到磁盘，导入稍慢，但不会耗尽内存。", 64, 65536),
    Setting("access", "session_idle_minutes", 30, "会话闲置多少分钟后需重新登录。", 1, 24 * 60),
    Setting("access", "max_failed_logins", 5,
            "同一用户名连续登录失败多少次后暂停该用户名的登录（不论该用户是否存在）。"
            "暂停期满后计数从零开始；距上次失败已超过暂停时长的失败也不再累计。", 1, 1000),
    Setting("access", "lockout_minutes", 15, "登录暂停多少分钟（用户名和客户端地址相同）。", 1, 24 * 60),
    Setting("access", "max_failed_logins_per_address", 20,
            "同一客户端地址登录失败多少次后暂停来自该地址的所有登录（暂停时长同上）；防止换着用户名试密码。",
            1, 100000),
    Setting("reconcile", "problem_count_tolerance", 0,
            "日志与台账对账：本季度工作日志记录的发现问题数与隐患台账登记的隐患数相差超过此数才列出"
            "（日志多于台账全部隐患，或台账中驻点检查发现的隐患多于日志）。", 0, 1000),
    Setting("reconcile", "headcount_tolerance_pct", 10,
            "从业人员数对账：企业名册的从业人员数与人员台账截至日期的在岗人数相差超过名册人数的百分之多少即列出。",
            0, 100),
    Setting("reconcile", "repeat_months", 12,
            "隐患反复：同一企业、同一类别、描述几乎相同的隐患，在前一项销号（未填销号日期的按整改完成日期）后"
            "多少个月内再次发现即列出。", 1, 60),
    Setting("reconcile", "repeat_similarity", 0.8,
            "隐患反复：两条隐患描述去掉空格和标点后的相似度（共有的相邻两字组合数 × 2 ÷ 两条描述各自的相邻两字组合数之和）"
            "不低于此值即视为几乎相同；1 为组合完全相同。", 0.5, 1),
    Setting("reconcile", "log_gap_days", 5, "日志断档：驻点人员连续多少个应填报的法定工作日没有工作日志即列出。", 2, 60),
    Setting("reconcile", "perfect_onsite_min_days", 20,
            "现场监督记录过于完美：季度内记录了特殊作业的天数不少于此数、且每天的现场监督数都等于特殊作业数的，列为需核实。",
            1, 92),
    Setting("escalation", "close_days", 15,
            "验收销号时限（天）：隐患整改完成后多少天内应验收销号；超过的在直通车时间线上标为超时。", 0, 365),
    Setting("scorecard", "weight_log_fill", 25, "考评权重：日志填报率。", 0, 100),
    Setting("scorecard", "weight_onsite", 20, "考评权重：动火、设备检维修、高处作业的现场监督率。", 0, 100),
    Setting("scorecard", "weight_hazards_found", 10,
            "考评权重：驻点检查发现隐患（每驻点 30 天发现数达到 hazards_per_month 为满分）。", 0, 100),
    Setting("scorecard", "weight_on_time", 15, "考评权重：驻点期间发现的隐患按期整改率。", 0, 100),
    Setting("scorecard", "weight_major_reported", 10, "考评权重：驻点期间发现的重大隐患按时直报率。", 0, 100),
    Setting("scorecard", "weight_weekly", 10, "考评权重：周报完整率（有应填报日的周中有工作日志的周数占比）。", 0, 100),
    Setting("scorecard", "weight_handover", 10, "考评权重：离任交接完成率（本季度离任且有接任人员的，填了交接日期）。",
            0, 100),
    Setting("scorecard", "hazards_per_month", 1,
            "考评：每驻点 30 天驻点检查发现多少项隐患得满分（少于此数按比例计分）。", 0.1, 100, fractional=True),
    Setting("scorecard", "min_days", 30, "考评：本季度驻点不少于多少天才参加区内排名和表扬、约谈候选。", 1, 92),
    Setting("scorecard", "candidates", 2, "考评：每个区市列出得分最高、最低各多少人作为表扬、约谈候选。", 1, 20),
)
BY_KEY = {s.key: s for s in SETTINGS}


def section_title(section: str) -> str:
    """A section's Chinese title, the head of its description in SECTIONS: 对账检查 for reconcile."""
    return re.split("[（：]", SECTIONS[section], maxsplit=1)[0]


def shown(value: int | float | None) -> str:
    """A setting's value as the texts state it: 6, 0.95, 1 (not 1.0)."""
    if value is None:
        return "不限"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _checked(setting: Setting, value, source: str) -> int | float:
    if isinstance(value, int) and not isinstance(value, bool) and setting.kind is float:
        value = float(value) if isinstance(setting.default, float) else value
    elif isinstance(value, bool) or not isinstance(value, setting.kind):
        raise SettingsError(f"{source} 中设置项 {setting.key} 的值“{printable(value, 40)}”不是{setting.kind_name}，"
                            f"请改为{setting.kind_name}（默认 {shown(setting.default)}）。{setting.help}")
    if not math.isfinite(value) or (setting.minimum is not None and value < setting.minimum) or (
            setting.maximum is not None and value > setting.maximum):
        raise SettingsError(f"{source} 中设置项 {setting.key} 的值 {shown(value)} 超出允许范围 {setting.range_text}，"
                            f"请改为此范围内的值（默认 {shown(setting.default)}）。{setting.help}")
    return value


def defaults() -> dict[str, dict[str, int | float]]:
    values: dict[str, dict[str, int | float]] = {section: {} for section in SECTIONS}
    for setting in SETTINGS:
        values[setting.section][setting.name] = setting.default
    return values


def parse_settings(text: str, source: str = SETTINGS_FILE_NAME) -> dict[str, dict[str, int | float]]:
    """Defaults overlaid with the file's values, as {section: {name: value}}; SettingsError when bad."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{source} 格式有误（{error}），请按 TOML 格式填写，"
                            "例如 [watch] 下一行写 rotation_months = 6。") from None
    values = defaults()
    for section, entries in raw.items():
        if not isinstance(entries, dict):
            raise SettingsError(f"{source} 中的 {section} 不在任何分组之下；每项设置须写在它的 [分组] 之下，"
                                "例如 [watch] 下一行写 rotation_months = 6。可用的设置项见 `python -m etl settings`。")
        if section not in SECTIONS:
            raise SettingsError(f"{source} 中有未知的设置分组 [{section}]，可用的分组：{'、'.join(SECTIONS)}。"
                                "可用的设置项见 `python -m etl settings`。")
        for name, value in entries.items():
            setting = BY_KEY.get(f"{section}.{name}")
            if setting is None:
                raise SettingsError(f"{source} 中有未知的设置项 {section}.{name}，请检查拼写或删除该行。"
                                    "可用的设置项见 `python -m etl settings`。")
            values[section][name] = _checked(setting, value, source)
    if values["findings"]["watch_rate"] > values["findings"]["pass_rate"]:
        raise SettingsError(f"{source} 中设置项 findings.watch_rate（{shown(values['findings']['watch_rate'])}）"
                            f"大于 findings.pass_rate（{shown(values['findings']['pass_rate'])}），"
                            "“关注”的下限不能高于“达标”的下限，请改小 watch_rate。")
    return values


def settings_path() -> Path:
    """`$WEIHAI_SETTINGS`, else settings.toml in `$WEIHAI_CONFIG_DIR` or config/."""
    folder = os.environ.get("WEIHAI_CONFIG_DIR") or CONFIG_DIR
    return Path(os.environ.get(SETTINGS_ENV_VAR) or Path(folder) / SETTINGS_FILE_NAME)


@lru_cache(maxsize=None)
def settings() -> dict[str, dict[str, int | float]]:
    """Every setting as {section: {name: value}}: the declared defaults overlaid with the settings file."""
    path = settings_path()
    resolved = path.resolve()
    source = resolved.relative_to(PROJECT_ROOT).as_posix() if resolved.is_relative_to(PROJECT_ROOT) else str(path)
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"无法读取设置文件 {source}（{type(error).__name__}），"
                            "请检查文件权限，并以 UTF-8 编码保存。") from None
    return parse_settings(text, source)


def reset() -> None:
    """Forget the settings read, so the next `settings()` reads the file again (tests change it)."""
    settings.cache_clear()


def setting(key: str) -> int | float:
    """One setting by its key, e.g. setting("watch.rotation_months")."""
    section, name = key.split(".")
    return settings()[section][name]


_NAMED = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")


def fill(text: str) -> str:
    """`text` with every `{section.name}` replaced by that setting's value: "驻点满{watch.rotation_months}个月"."""
    return _NAMED.sub(lambda match: shown(setting(match[1])), text)


class FilledTexts(Mapping):
    """Texts naming settings as `{section.name}`, filled in with the current values each time one is read."""

    def __init__(self, texts: dict[str, str]):
        self._texts = dict(texts)

    def __getitem__(self, key: str) -> str:
        return fill(self._texts[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __repr__(self) -> str:
        return f"FilledTexts({dict(self)!r})"


class FilledText:
    """A dataclass text field that may name settings as `{section.name}`; reading it fills in their values.

    Declarations made once at import (the indicators' wording) so follow the settings file instead of
    freezing the values read when the module was first imported.
    """

    def __set_name__(self, owner, name: str) -> None:
        self._stored = f"_{name}_text"

    def __get__(self, instance, owner=None) -> str:
        if instance is None:
            raise AttributeError(self._stored)  # no class-level default: the dataclass field stays required
        return fill(getattr(instance, self._stored))

    def __set__(self, instance, value: str) -> None:
        object.__setattr__(instance, self._stored, value)


def rows(current: dict[str, dict[str, int | float]] | None = None) -> list[tuple[str, str, str, str, str]]:
    """(key, value, default, range, help) per declared setting, in declaration order."""
    current = current or settings()
    return [(s.key, shown(current[s.section][s.name]), shown(s.default), s.range_text, s.help) for s in SETTINGS]


def markdown() -> str:
    """docs/settings.md, generated from the declarations (`python -m etl settings --format markdown`)."""
    lines = [
        "# 系统设置 / Settings",
        "",
        "每一项设置都在 `core/settings.py` 中声明一次：默认值、类型、允许范围和说明。",
        "`config/settings.toml` 只写本单位要改的项，未写出的项取默认值；修改后重启看板生效。",
        "看板和每个命令启动时检查该文件：未知的设置项、类型不对或超出范围的值都会报错并指明是哪一项。",
        "",
        "查看全部设置项及当前值：`python -m etl settings`（`--format csv` 输出 CSV）。",
        "本文件由 `python -m etl settings --format markdown > docs/settings.md` 生成。",
        "",
        "写法示例（`config/settings.toml`）：",
        "",
        "```toml",
        "[watch]",
        "rotation_months = 6",
        "```",
    ]
    for section, about in SECTIONS.items():
        lines += ["", f"## [{section}]", "", about, "", "| 设置项 | 默认值 | 类型 | 允许范围 | 说明 |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| `{s.key}` | {shown(s.default)} | {s.kind_name} | {s.range_text} | {s.help} |"
                  for s in SETTINGS if s.section == section]
    return "\n".join(lines) + "\n"
