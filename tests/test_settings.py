"""Settings: declared once (core/settings.py), overridden by config/settings.toml, checked at start.

A bad settings file stops the dashboard and every command with a Chinese message naming the key;
every text that states a setting's value (list titles, indicator wording, the meeting paper, page
captions) follows the setting.
"""
from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from access.users import User
from cli import etl_commands, metrics_commands, pack_commands
from tests.app_pages_support import each_section
from core import settings as declared
from core.settings import SettingsError, parse_settings, setting, settings
from metrics import api, quality
from metrics.indicators import DRILL_PARTICIPATION, INDICATORS, TRAINING
from pack.content import gather
from pack.draft import draft_sections
from pack.workbook import build_workbook
from tests.app_warehouse import Q3
from tests.filemaker import CODE_A
from ui.text import plain
from warehouse.store import open_reader

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
CITY_USER = User("city_tester", "市化工办 测试", "市级", None)
PACKAGES = ("core", "warehouse", "etl", "metrics", "access", "demo", "pack", "cli", "ui", "pages")

# The values config/settings.toml held before the settings were declared in code; the defaults keep them.
TODAY = {
    "findings": {"pass_rate": 1.0, "watch_rate": 0.95},
    "watch": {"certificate_expiry_days": 90, "rotation_months": 6, "rotation_notice_days": 30, "rotation_grace_days": 30,
              "work_plan_days": 30, "transfer_reply_days": 30},
    "indicators": {"window_months": 12, "major_hazard_report_days": 1},
    "import": {"max_upload_mb": 50, "max_rows": 200000, "max_cells": 2000000, "max_unpacked_mb": 100,
               "max_cell_chars": 32767, "database_memory_mb": 512},
    "access": {"session_idle_minutes": 30, "max_failed_logins": 5, "lockout_minutes": 15,
               "max_failed_logins_per_address": 20},
    "reconcile": {"problem_count_tolerance": 0, "headcount_tolerance_pct": 10, "repeat_months": 12,
                  "repeat_similarity": 0.8, "log_gap_days": 5, "perfect_onsite_min_days": 20},
    "escalation": {"close_days": 15},
    "scorecard": {"weight_log_fill": 25, "weight_onsite": 20, "weight_hazards_found": 10, "weight_on_time": 15,
                  "weight_major_reported": 10, "weight_weekly": 10, "weight_handover": 10, "hazards_per_month": 1,
                  "min_days": 30, "candidates": 2},
}
CHANGED = ("[watch]\nrotation_months = 5\ncertificate_expiry_days = 60\n\n[indicators]\nwindow_months = 6\n\n"
           "[reconcile]\nrepeat_months = 9\n")
# What the texts said with today's values: none of it may remain once the settings change.
OLD_TEXTS = re.compile(r"满 ?6 ?个月|12 ?个月|90 ?天")


def use_settings(monkeypatch, tmp_path: Path, text: str) -> Path:
    """Make `text` the settings file for this test (the reading is cached: forget it now and afterwards)."""
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WEIHAI_SETTINGS", str(path))
    declared.reset()
    return path



@pytest.fixture
def changed(monkeypatch, tmp_path):
    return use_settings(monkeypatch, tmp_path, CHANGED)


# --- declarations ----------------------------------------------------------------------------------

def test_defaults_are_the_values_in_use_and_the_shipped_file_changes_none():
    assert declared.defaults() == TODAY
    assert settings() == TODAY
    text = (ROOT / "config" / "settings.toml").read_text(encoding="utf-8")
    assert parse_settings(text) == TODAY
    assert [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")] == []


def test_docs_are_generated_from_the_declarations():
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert doc == declared.markdown(), "重新生成：python -m etl settings --format markdown > docs/settings.md"
    for item in declared.SETTINGS:
        assert f"| `{item.key}` | {declared.shown(item.default)} |" in doc
    assert "docs/settings.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_no_module_reads_the_settings_file_or_keeps_its_own_default():
    """One reader (core.settings); no `settings().get(section, {}).get(key, fallback)` anywhere else."""
    reads = re.compile(r"settings\(\)\s*\.get\(|/ \"settings\.toml\"|from core\.config import[^\n]*\bsettings\b")
    paths = [ROOT / "dashboard.py", *(p for folder in PACKAGES for p in (ROOT / folder).rglob("*.py"))]
    offenders = [str(p.relative_to(ROOT)) for p in paths
                 if p != ROOT / "core" / "settings.py" and reads.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_text_states_a_setting_value_as_a_literal():
    """Texts shown to users name the setting ({watch.rotation_months} or setting(...)), not today's value."""
    found = []
    for folder in PACKAGES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
            found += [f"{path.relative_to(ROOT)}:{t.start[0]}" for t in tokens
                      if t.type == tokenize.STRING and re.search(r"满 ?6 ?个月|12 ?个月|90 ?天内|前 ?90 ?天", t.string)]
    assert found == []


# --- validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("[watch]\nrotation_month = 5\n",
     "s.toml 中有未知的设置项 watch.rotation_month，请检查拼写或删除该行。可用的设置项见 `python -m etl settings`。"),
    ("[watch]\nrotation_months = \"6\"\n",
     "s.toml 中设置项 watch.rotation_months 的值“6”不是整数，请改为整数（默认 6）。驻点轮换：驻点满多少个月应轮换。"),
    ("[watch]\nrotation_months = 6.5\n",
     "s.toml 中设置项 watch.rotation_months 的值“6.5”不是整数，请改为整数（默认 6）。驻点轮换：驻点满多少个月应轮换。"),
    ("[access]\nlockout_minutes = true\n",
     "s.toml 中设置项 access.lockout_minutes 的值“True”不是整数，请改为整数（默认 15）。"
     "登录暂停多少分钟（用户名和客户端地址相同）。"),
    ("[watch]\nrotation_months = 0\n",
     "s.toml 中设置项 watch.rotation_months 的值 0 超出允许范围 1–60，请改为此范围内的值（默认 6）。"
     "驻点轮换：驻点满多少个月应轮换。"),
    ("[findings]\nwatch_rate = 1.5\n",
     "s.toml 中设置项 findings.watch_rate 的值 1.5 超出允许范围 0–1，请改为此范围内的值（默认 0.95）。"
     "评定为“关注”的最低比率（低于达标、不低于此值为关注，其余为整改）。"),
    ("[findings]\nwatch_rate = nan\n",
     "s.toml 中设置项 findings.watch_rate 的值 nan 超出允许范围 0–1，请改为此范围内的值（默认 0.95）。"
     "评定为“关注”的最低比率（低于达标、不低于此值为关注，其余为整改）。"),
    ("[findings]\npass_rate = 0.8\nwatch_rate = 0.9\n",
     "s.toml 中设置项 findings.watch_rate（0.9）大于 findings.pass_rate（0.8），“关注”的下限不能高于“达标”的下限，"
     "请改小 watch_rate。"),
    ("[wach]\nrotation_months = 5\n",
     "s.toml 中有未知的设置分组 [wach]，可用的分组：findings、watch、indicators、import、access、reconcile、escalation、scorecard。"
     "可用的设置项见 `python -m etl settings`。"),
    ("rotation_months = 5\n",
     "s.toml 中的 rotation_months 不在任何分组之下；每项设置须写在它的 [分组] 之下，例如 [watch] 下一行写 "
     "rotation_months = 6。可用的设置项见 `python -m etl settings`。"),
], ids=["unknown_key", "text_for_number", "fraction_for_whole", "boolean", "below_range", "above_range", "nan",
        "watch_above_pass", "unknown_section", "outside_a_section"])
def test_a_bad_value_is_a_chinese_error_naming_the_key(text, message):
    with pytest.raises(SettingsError) as raised:
        parse_settings(text, "s.toml")
    assert str(raised.value) == message


def test_a_file_that_is_not_toml_says_so():
    with pytest.raises(SettingsError, match=r"^s\.toml 格式有误（.*），请按 TOML 格式填写，例如 \[watch\] 下一行写"):
        parse_settings("[watch\nrotation_months = 5\n", "s.toml")


def test_overrides_keep_every_other_default():
    values = parse_settings("[import]\nmax_upload_mb = 20.5\n[findings]\npass_rate = 1\n")
    assert values["import"]["max_upload_mb"] == 20.5 and values["import"]["max_rows"] == 200000
    assert values["findings"]["pass_rate"] == 1.0 and isinstance(values["findings"]["pass_rate"], float)
    assert values["watch"] == TODAY["watch"]


BAD = "[watch]\nrotation_months = 0\n"
BAD_MESSAGE = "watch.rotation_months 的值 0 超出允许范围 1–60"


@pytest.mark.parametrize("main, argv", [
    (etl_commands.main, ["settings"]),
    (etl_commands.main, ["batches"]),
    (metrics_commands.main, ["watch", "--quarter", "2026Q3"]),
    (metrics_commands.main, ["--help"]),  # its help states the watch lists' settings
    (pack_commands.main, ["--quarter", "2026Q3", "--out", "unused"]),
], ids=["etl_settings", "etl_batches", "metrics_watch", "metrics_help", "pack"])
def test_every_command_stops_at_start_on_a_bad_setting(monkeypatch, tmp_path, capsys, main, argv):
    path = use_settings(monkeypatch, tmp_path, BAD)
    monkeypatch.setenv("WEIHAI_DB", str(tmp_path / "never_created.duckdb"))
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{path} 中设置项 {BAD_MESSAGE}，请改为此范围内的值（默认 6）。驻点轮换：驻点满多少个月应轮换。\n"
    assert not (tmp_path / "never_created.duckdb").exists() and not (tmp_path / "unused").exists()


def test_a_settings_folder_is_found_through_the_config_dir_variable(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("WEIHAI_SETTINGS", raising=False)
    monkeypatch.setenv("WEIHAI_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.toml").write_text("[access]\nlockout_minutes = 0\n", encoding="utf-8")
    declared.reset()
    assert etl_commands.main(["settings"]) == 1
    assert "access.lockout_minutes 的值 0 超出允许范围 1–1440" in capsys.readouterr().err


def test_the_dashboard_stops_with_the_error_before_sign_in(monkeypatch, tmp_path):
    use_settings(monkeypatch, tmp_path, BAD)
    monkeypatch.setenv("WEIHAI_DB", str(tmp_path / "never_created.duckdb"))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(tmp_path / "access.sqlite3"))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    [error] = app.error
    assert error.value.startswith("系统设置有误，看板无法启动：")
    assert plain(BAD_MESSAGE) in error.value and error.value.endswith("改正后重启看板。")
    assert not app.text_input and not app.button  # no sign-in form, nothing built
    assert not (tmp_path / "never_created.duckdb").exists()


# --- the settings command --------------------------------------------------------------------------

def test_settings_command_lists_value_default_and_help(changed, capsys):
    assert etl_commands.main(["settings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["设置项", "当前值", "默认值", "允许范围", "说明"]
    row = next(line for line in lines if line.startswith("watch.rotation_months "))
    assert row.split()[:4] == ["watch.rotation_months", "5", "6", "1–60"] and "驻点满多少个月应轮换" in row
    assert lines[-1] == f"设置文件：{changed}（只写改动的项，未写出的项取默认值）"
    assert etl_commands.main(["settings", "--format", "csv"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0] == "key,value,default,range,help" and len(csv_lines) == 1 + len(declared.SETTINGS)
    assert next(line for line in csv_lines if line.startswith("indicators.window_months,")).startswith(
        "indicators.window_months,6,12,1–60,")


# --- texts follow the settings -----------------------------------------------------------------------

def test_list_titles_and_indicator_wording_follow_the_settings(changed):
    assert setting("watch.rotation_months") == 5
    assert dict(api.WATCH_TITLES) == {
        "overdue_hazards": "超期未整改隐患", "open_within_deadline": "整改中·未到期隐患",
        "rectified_late": "逾期整改隐患", "rectified_not_closed": "已整改未销号隐患",
        "unreported_major_hazards": "未上报重大隐患", "overdue_major_hazards": "超期重大隐患（挂牌督办候选）",
        "transfer_unanswered": "移交满30天未办结", "expiring_certificates": "60天内到期证书",
        "missing_checklists": "未报季度检查表企业", "rotation_due": "驻点满5个月待轮换",
        "late_retrofit_projects": "逾期未完成的智能化改造项目", "rotation_upcoming": "30天内满5个月待轮换",
        "rotation_overdue": "超期未轮换驻点人员", "supervision_gaps": "无驻点人员时段",
        "successor_untrained": "接任驻点人员未见岗前培训", "handover_undated": "轮换未见交接日期",
        "work_plan_missing": "进驻后未见工作计划"}
    assert TRAINING.definition == ("截至日期在岗的全部从业人员中，在截至日期前6个月内（不含起点当日，含截至日期）"
                                   "至少有一次考核合格培训记录的人数占比。")
    assert (TRAINING.numerator, TRAINING.shortfall_title) == ("近6个月有合格培训的在岗人员", "近6个月无合格培训人员")
    assert DRILL_PARTICIPATION.definition.startswith("截至日期前6个月内（不含起点当日，含截至日期）的演练中")
    wording = [text for i in INDICATORS for text in (i.definition, i.numerator, i.denominator, i.shortfall_title)]
    assert not any(OLD_TEXTS.search(text) for text in wording)
    assert quality.drills_column() == "近6个月演练次数"


def test_today_wording_is_unchanged():
    assert api.WATCH_TITLES["rotation_due"] == "驻点满6个月待轮换"
    assert api.WATCH_TITLES["expiring_certificates"] == "90天内到期证书"
    assert TRAINING.shortfall_title == "近12个月无合格培训人员"
    assert quality.drills_column() == "近12个月演练次数"


def test_the_pack_states_the_changed_settings(changed, pack_world):
    con = open_reader(pack_world)
    try:
        content = gather(con, Q3)
    finally:
        con.close()
    assert "近6个月演练次数" in content.coverage.columns
    drafts = draft_sections(content)
    paper = "\n".join(drafts.values())
    assert "王强已驻点268天、满5个月待轮换" in drafts["problems"]
    assert "驻点满5个月驻点监督人员的轮换" in drafts["tasks"]
    # Q1's certificate runs to 2026-12-01, 62 days after 09-30: in the 90-day list, not in the 60-day one
    assert content.watch["expiring_certificates"].empty and "天内到期" not in drafts["problems"]
    # training in (03-31, 09-30]: P3 05-01, Q1 Q2 08-01, S1 04-01; not P1 (03-01), R1 R2 (02-01), P2 (none)
    assert "4人近6个月没有培训记录" in drafts["problems"]
    assert not OLD_TEXTS.search(paper), OLD_TEXTS.findall(paper)
    workbook = openpyxl.load_workbook(io.BytesIO(build_workbook(content)))
    cells = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    text = "\n".join(cells)
    assert "近6个月没有演练记录的企业" in text and "进驻日期加5个月不晚于截至日期" in text and "60天内到期证书" in text
    assert not OLD_TEXTS.search(text), OLD_TEXTS.findall(text)


def open_page(monkeypatch, db: Path, page: str) -> AppTest:
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(db.with_name("access.sqlite3")))
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state["_user"] = CITY_USER
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception and not app.error, ([e.value for e in app.exception], [e.value for e in app.error])
    return app


def shown_text(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption] + [m.label for m in app.metric]
    parts += [t.label for t in app.tabs] + [h.proto.body for h in app.get("html")]
    parts += [str(column) for table in app.dataframe for column in table.value.columns]
    return "\n".join(str(p) for p in parts)


def test_pages_state_the_changed_settings(changed, monkeypatch, tmp_path, small_warehouse):
    # A warehouse of its own: its path is part of the dashboard's cache key, so nothing cached under
    # today's settings by another test is reused.
    db = small_warehouse(tmp_path / "warehouse")
    overview = shown_text(open_page(monkeypatch, db, ""))
    assert "60天内到期证书" in overview and "驻点满5个月待轮换" in overview

    supervision = open_page(monkeypatch, db, "pages/supervision.py")
    labels = [m.label for m in supervision.metric]
    assert "驻点满5个月待轮换（人次）" in labels and "30天内满5个月（人次）" in labels
    # the page is drawn a section at a time: the text of every section
    supervision_text = "\n".join(shown_text(drawn) for drawn in each_section(supervision, "sv_view"))
    assert "进驻满 5 个月应轮换并做好交接。" in supervision_text

    quality_page = open_page(monkeypatch, db, "pages/quality.py")
    assert any("近 6 个月演练，缺任何一项即列出。" in c.value for c in quality_page.caption)
    assert "近6个月演练次数" in shown_text(quality_page)

    enterprise = open_page(monkeypatch, db, "pages/enterprise.py")
    enterprise.selectbox(key="ent").set_value(CODE_A).run()
    enterprise.segmented_control(key="ent_view").set_value("人员与证书").run()
    assert {m.label: m.value for m in enterprise.metric}["60天内到期"] == "1"  # A006: 46 days after 09-30
    assert any("黄色为 60 天内到期。" in c.value for c in enterprise.caption)

    definitions = shown_text(open_page(monkeypatch, db, "pages/definitions.py"))
    assert "截至日期前6个月内" in definitions

    for text in (overview, supervision_text, shown_text(quality_page), shown_text(enterprise), definitions):
        assert not OLD_TEXTS.search(text), OLD_TEXTS.findall(text)
