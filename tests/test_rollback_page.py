"""Rolling back from 数据导入 acts on the batch the user chose, by its id, or not at all.

The attack: the user chooses a batch and ticks the confirmation; meanwhile another load lands (or
another tab rolls a batch back). The click must not roll back some other batch: it is refused with
"批次列表已变化，请重新选择", and a rollback made afterwards removes exactly the chosen batch.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from etl.batches import rollback
from etl.load import load_paths
from access.users import User
from tests.filemaker import CODE_A, CODE_B, roster_rows, write_csv, write_xlsx
from ui.text import plain

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
CITY = User("city_clerk", "市化工办 录入员", "市级", None)
DRILL_HEADER = ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"]


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    """Batch 1 the roster, batch 2 and batch 3 two drill files."""
    db = tmp_path / "warehouse.duckdb"
    load_paths([write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})], db)
    load_paths([write_csv(tmp_path / "drills_july.csv", [DRILL_HEADER, [CODE_A, "2026-07-01", "10", "9"]])], db)
    load_paths([write_csv(tmp_path / "drills_august.csv", [DRILL_HEADER, [CODE_B, "2026-08-01", "20", "18"]])], db)
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(tmp_path / "access.sqlite3"))
    return db


def rolled_back(db: Path) -> list[int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [b for (b,) in con.execute(
            "SELECT batch_id FROM batches WHERE rolled_back_at IS NOT NULL ORDER BY batch_id").fetchall()]
    finally:
        con.close()


def drill_dates(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [f"{d:%Y-%m-%d}" for (d,) in con.execute("SELECT drill_date FROM drills ORDER BY 1").fetchall()]
    finally:
        con.close()


def import_page() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["_user"] = CITY
    app.run()
    app.switch_page("pages/data_import.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def choose_and_tick(app: AppTest, batch_id: int) -> None:
    app.selectbox(key="rollback_batch").select(batch_id)
    app.checkbox(key="rollback_confirm").check()


def submit(app: AppTest) -> AppTest:
    next(b for b in app.button if b.label == "撤销批次").click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_choices_are_batch_ids_with_readable_labels(warehouse):
    app = import_page()
    chooser = app.selectbox(key="rollback_batch")
    assert chooser.value is None  # nothing is preselected: a changed list cannot leave a choice behind
    assert chooser.options == ["批次 3：drills_august.csv（演练记录，1 行）", "批次 2：drills_july.csv（演练记录，1 行）",
                               "批次 1：roster.xlsx（企业名册，3 行）"]


@pytest.mark.parametrize("behind_the_page", ["another load", "another tab rolls back"])
def test_a_changed_batch_list_refuses_the_rollback_then_the_chosen_id_is_rolled_back(
        tmp_path, warehouse, behind_the_page):
    app = import_page()
    choose_and_tick(app, 2)  # the older drill file, not the newest batch
    if behind_the_page == "another load":
        [late] = load_paths([write_csv(tmp_path / "drills_late.csv",
                                       [DRILL_HEADER, [CODE_A, "2026-09-01", "10", "10"]])], warehouse)
        assert late.batch_id == 4
    else:
        rollback(warehouse, 3, user="另一个标签页")
    before = rolled_back(warehouse)

    submit(app)
    assert [e.value for e in app.error] == [
        "批次列表已变化，请重新选择。撤销未执行：表单显示后有其他导入或撤销，请核对后重新选择并勾选确认。"]
    assert not app.success
    assert rolled_back(warehouse) == before  # nothing rolled back by the click
    # the stale choice and tick are cleared, so a second click cannot act on them
    assert app.selectbox(key="rollback_batch").value is None
    assert app.checkbox(key="rollback_confirm").value is False

    choose_and_tick(app, 2)
    submit(app)
    assert [s.value for s in app.success] == [f"已撤销批次 2（{plain('drills_july.csv')}）。各页面的数字已更新。"]
    assert rolled_back(warehouse) == sorted({*before, 2})
    expected = ["2026-08-01", "2026-09-01"] if behind_the_page == "another load" else []
    assert drill_dates(warehouse) == expected
    # the form is drawn afresh: batch 2 is no longer offered, and a new rollback is not refused
    assert all(not o.startswith("批次 2：") for o in app.selectbox(key="rollback_batch").options)


def test_submitting_without_a_tick_rolls_nothing_back(warehouse):
    app = import_page()
    app.selectbox(key="rollback_batch").select(2)
    submit(app)
    assert [w.value for w in app.warning] == ["请先勾选确认再撤销。"]
    assert rolled_back(warehouse) == []
    assert app.selectbox(key="rollback_batch").value == 2  # kept: only the tick is missing
