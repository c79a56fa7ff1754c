"""Labels and charts a user can read: small n beside a rate, district colours apart from level colours, a trend
chart without labels on its lines, settings stated with their values, codes labelled in Chinese."""
from __future__ import annotations

import colorsys

import pandas as pd
import pytest

from core import presentation
from core import settings as declared
from core.config import districts as configured_districts
from core.presentation import CITY_COLOR, DISTRICT_PALETTE, LEVEL_COLORS, district_color, is_small, rate_label, \
    rate_with_n, small_n_rule
from core.settings import section_title, setting
from metrics.indicators import INDICATORS
from metrics.reconcile import CHECKS
from pack import charts as pack_chart_module
from tests.app_pages_support import open_app
from ui.charts import rate_bars, trend_lines
from ui.indicators import matrix

# District colours are blues, cyans and purples: hues in this band, never a level colour's.
DISTRICT_HUES = (170.0, 320.0)


def figures_row(group: str, numerator: int, denominator: int, level: str) -> dict:
    return {"indicator": "major_hazard_reported", "group": group, "rate": numerator / denominator,
            "numerator": numerator, "denominator": denominator, "level": level}


def test_a_matrix_rate_on_a_small_denominator_shows_its_n():
    """Before: 文登区 75.0% (3 / 4) stood red and bare beside rates over 2,000 people."""
    frame = pd.DataFrame([figures_row("全市", 2256, 2391, "整改"), figures_row("文登区", 3, 4, "整改"),
                          figures_row("荣成市", 9, 10, "整改")])
    table = matrix(frame, ["全市", "文登区", "荣成市"]).set_index("指标")
    row = table.loc[next(i.name for i in INDICATORS if i.code == "major_hazard_reported")]
    assert (row["全市"], row["文登区"], row["荣成市"]) == ("94.4%", "75.0%（3/4）", "90.0%")
    assert row["文登区等级"] == "整改"


def test_the_small_n_rule_and_its_caption_read_the_one_threshold(monkeypatch):
    monkeypatch.setattr(presentation, "SMALL_N", 20)
    assert [is_small(n) for n in (0, 1, 19, 20, None)] == [False, True, True, False, False]
    assert rate_with_n(0.9, 9, 10) == "90.0%（9/10）"
    assert rate_with_n(0.95, 19, 20) == "95.0%"
    assert rate_with_n(None, 0, 0) == "无数据"
    assert (rate_label(0.9, 10), rate_label(0.95, 20), rate_label(0.95, 20, with_n=True)) == (
        "90.0%（n=10）", "95.0%", "95.0%（n=20）")
    assert small_n_rule().startswith("分母少于 20 的比率后面括号内标出分子/分母")


def test_a_dashboard_bar_and_a_pack_bar_read_the_one_small_n_rule(monkeypatch):
    """Before: the dashboard's bars spelt 0 < n < SMALL_N inline and the pack had its own copy of the rule."""
    monkeypatch.setattr(presentation, "SMALL_N", 5)
    frame = pd.DataFrame({"district": ["文登区", "荣成市"], "rate": [0.5, 0.9], "numerator": [2, 9],
                          "denominator": [4, 10], "level": ["整改", "整改"]})
    draw = rate_bars.__wrapped__  # built afresh, not a figure kept from another threshold
    bars = draw(frame, category="district", title="持证上岗率").data[0]
    assert list(bars.text) == ["90.0%（n=10）", "50.0%（n=4）"]  # the dashboard prints every bar's n
    assert list(bars.insidetextfont.color) == ["#FFFFFF", "#333333"]  # n = 4 < 5 faint, n = 10 not
    pack_bars = pack_chart_module._bar_texts(frame["rate"], frame["denominator"])
    assert pack_bars["text"] == ["50.0%（n=4）", "90.0%"]  # the pack prints only a small one's
    assert pack_bars["insidetextfont"]["color"] == ["#333333", "#FFFFFF"]
    monkeypatch.setattr(presentation, "SMALL_N", 3)  # one threshold moves both
    assert pack_chart_module._bar_texts(frame["rate"], frame["denominator"])["text"] == ["50.0%", "90.0%"]
    assert list(draw(frame, category="district", title="持证上岗率").data[0].insidetextfont.color) == [
        "#FFFFFF", "#FFFFFF"]


def _hue_saturation(color: str) -> tuple[float, float]:
    red, green, blue = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    hue, _, saturation = colorsys.rgb_to_hls(red, green, blue)
    return hue * 360, saturation


def test_no_district_colour_reads_as_a_level_colour():
    """Before: 文登区 was orange (关注) and 荣成市 green (达标) on the trend chart beside level-coloured bars."""
    low, high = DISTRICT_HUES
    for level in ("达标", "关注", "整改"):
        hue, _ = _hue_saturation(LEVEL_COLORS[level])
        assert not low <= hue <= high, level  # the level colours lie outside the districts' band
    for color in DISTRICT_PALETTE:
        hue, saturation = _hue_saturation(color)
        assert low <= hue <= high and saturation >= 0.3, color  # blue to purple, never red/orange/green or grey
    names = configured_districts().names
    colours = [district_color(name) for name in names]
    assert len(set(colours)) == len(names) and CITY_COLOR not in colours
    assert (district_color("文登区"), district_color("荣成市")) == (DISTRICT_PALETTE[names.index("文登区")],
                                                                DISTRICT_PALETTE[names.index("荣成市")])


def test_a_trend_chart_prints_no_label_on_its_lines_and_names_the_target_in_the_legend():
    """Before: the total's end label 94.4% covered the lines and the right edge, and 目标 100% sat on the 100%
    tick."""
    quarters = ["2026Q1", "2026Q2", "2026Q3"]
    frame = pd.DataFrame({
        "series": ["全市"] * 3 + ["文登区"] * 3 + ["荣成市"] * 3, "quarter": quarters * 3,
        "rate": [0.95, 0.95, 0.944, 0.96, 0.955, 0.95, 0.97, 0.5, 0.96],
        "denominator": [2000, 2100, 2391, 400, 390, 387, 430, 4, 432],
    })
    fig = trend_lines(frame, series="series", title="持证上岗率：近八个季度走势", highlight="文登区", by_district=True)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["全市", "文登区", "荣成市"] and all(t.text is None for t in lines)
    [dot] = [t for t in fig.data if t.mode == "markers+text"]  # 荣成市 2026Q2 on n = 4: a hollow dot with its n
    assert (dot.name, list(dot.text)) == ("荣成市", ["n=4"])
    assert not [a for a in fig.layout.annotations if "目标" in (a.text or "")]
    [target] = [t for t in fig.data if t.name == "目标 100%"]
    assert target.line.dash == "dot" and target.showlegend is not False
    assert list(fig.layout.yaxis.range) == [0.0, 100.0] and fig.layout.hovermode == "x unified"


@pytest.fixture()
def tightened(monkeypatch, tmp_path):
    """Reconciliation tolerances other than the defaults, so a page that states them must read them."""
    path = tmp_path / "settings.toml"
    path.write_text("[reconcile]\nlog_gap_days = 7\nheadcount_tolerance_pct = 15\nrepeat_months = 9\n",
                    encoding="utf-8")
    monkeypatch.setenv("WEIHAI_SETTINGS", str(path))
    declared.reset()
    yield
    monkeypatch.undo()
    declared.reset()


def test_the_reconcile_page_states_its_tolerances_with_their_values(monkeypatch, tmp_path, small_warehouse,
                                                                     tightened):
    """Before: 各项检查的阈值见系统设置 [reconcile] — English, and no value; then the caption restated every
    tolerance in words of its own beside the 比对内容 column."""
    app = open_app(monkeypatch, small_warehouse(tmp_path), "pages/reconcile.py")
    [about] = [t.value.set_index("检查项")["比对内容"] for t in app.dataframe if "比对内容" in t.value.columns]
    compares = {check.code: about[check.name] for check in CHECKS}
    assert setting("reconcile.log_gap_days") == 7
    assert "连续7个及以上应填报日没有日志" in compares["log_gap"]
    assert "相差超过名册人数的15%即列出" in compares["headcount_vs_staff"]
    assert "在其发现前9个月内已销号" in compares["repeat_hazard"]
    assert f"相差超过{setting('reconcile.problem_count_tolerance')}个即列出" in compares["log_vs_ledger"]
    [caption] = [c.value for c in app.caption if "比对内容" in c.value]
    assert caption.startswith(f"各项检查的容差写在比对内容一栏，为系统设置「{section_title('reconcile')}」的当前值")
    assert section_title("reconcile") == "对账检查" and "[reconcile]" not in caption


def test_the_definitions_label_each_code_in_chinese(monkeypatch, tmp_path, small_warehouse):
    """Before: each indicator ended with 代码 certification."""
    app = open_app(monkeypatch, small_warehouse(tmp_path), "pages/definitions.py")
    shown = [c.value for c in app.caption]
    assert sum("命令行代码：" in c for c in shown) == len(INDICATORS)
    assert any(c.endswith("命令行代码：certification") for c in shown)
    assert not any("代码 " in c for c in shown)


def test_the_overview_matrix_caption_states_the_small_n_rule(monkeypatch, tmp_path, small_warehouse):
    app = open_app(monkeypatch, small_warehouse(tmp_path), "pages/overview.py")
    assert any(c.value.startswith(f"分母少于 {presentation.SMALL_N} 的比率后面括号内标出分子/分母") for c in app.caption)
    table = app.dataframe(key="ov_matrix").value.set_index("指标")
    assert table.loc["持证上岗率", "文登区"] == "50.0%（2/4）"


def test_the_trend_values_table_has_a_row_per_line_and_the_n_of_a_small_rate():
    """Before: the trend chart printed only the total's last value at its end, over the lines."""
    from ui.indicators import trend_values

    history = pd.DataFrame({
        "series": ["全市", "全市", "文登区", "文登区"], "quarter": ["2026Q2", "2026Q3", "2026Q2", "2026Q3"],
        "rate": [0.95, 0.944, None, 0.75], "numerator": [1995, 2256, 0, 3], "denominator": [2100, 2391, 0, 4]})
    shown, exported = trend_values(history, ["2026Q1", "2026Q2", "2026Q3"])
    assert shown.to_dict("records") == [
        {"区市": "全市", "2026Q1": "无数据", "2026Q2": "95.0%", "2026Q3": "94.4%"},
        {"区市": "文登区", "2026Q1": "无数据", "2026Q2": "无数据", "2026Q3": "75.0%（3/4）"}]
    assert list(exported["区市"]) == ["全市", "文登区"] and exported.loc[1, "2026Q3"] == 0.75
    assert exported[["2026Q1"]].isna().all().all() and pd.isna(exported.loc[1, "2026Q2"])


def test_the_compare_page_tables_the_values_of_its_trend_lines(monkeypatch, tmp_path, small_warehouse):
    app = open_app(monkeypatch, small_warehouse(tmp_path), "pages/compare.py")
    [table] = [t.value.set_index("区市") for t in app.dataframe if "2026Q2" in t.value.columns]
    assert table.loc["文登区", "2026Q3"] == "50.0%（2/4）"  # 持证上岗率: 文登区 A, 2 of 4 certified
    assert table.loc["全市", "2026Q3"] == "60.0%（3/5）"
