"""A hazard is its enterprise and its 隐患编号 (contract revision 2, §3.5): districts reuse numbers.

The attack: a 荣成市 ledger row carries a 隐患编号 that a 文登区 enterprise already uses. Keyed on the
number alone, the row silently replaced 文登区's hazard and the 荣成市 user saw 文登区's version trail.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from etl.batches import rollback
from etl.load import load_paths
from warehouse.schema import SCHEMA_VERSION
from warehouse.store import open_reader, writing
from access.users import User
from metrics import api, enterprise
from access.scope import OutOfScope, Scope, scoped_call
from tests.filemaker import CODE_A, CODE_B, roster_rows, write_xlsx

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
RONGCHENG = Scope(("荣成市",))
HEADER = ["隐患编号", "统一社会信用代码", "所属区市", "发现日期", "隐患类别", "隐患等级", "隐患描述", "整改期限",
          "整改完成日期", "整改状态"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """文登区's ledger, then 荣成市's reusing its number YH-001, then 文登区's next snapshot."""
    tmp_path = tmp_path_factory.mktemp("hazard_keys")
    path = tmp_path / "w.duckdb"
    load_paths([write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})], path)
    load_paths([write_xlsx(tmp_path / "文登区_隐患台账_7月.xlsx", {"台账": [
        HEADER, ["YH-001", CODE_A, "文登区", "2026-07-01", "设备设施", "一般隐患", "泵体泄漏", "2026-07-20", None, "未整改"]]})],
        path)
    load_paths([write_xlsx(tmp_path / "荣成市_隐患台账.xlsx", {"台账": [
        HEADER, ["YH-001", CODE_B, "荣成市", "2026-08-03", "应急管理", "重大隐患", "器材过期", "2026-08-20", None, "整改中"]]})],
        path)
    load_paths([write_xlsx(tmp_path / "文登区_隐患台账_9月.xlsx", {"台账": [
        HEADER, ["YH-001", CODE_A, "文登区", "2026-07-01", "设备设施", "一般隐患", "泵体泄漏", "2026-07-20", "2026-07-18",
                 "已整改"]]})], path)
    return path


@pytest.fixture
def db(loaded, tmp_path) -> Path:
    """A private copy of the loaded warehouse: tests roll it back and rewrite it."""
    return Path(shutil.copy(loaded, tmp_path / loaded.name))


def read(db: Path, sql: str) -> list[tuple]:
    con = open_reader(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_same_number_in_two_districts_is_two_hazards_each_with_its_own_trail(db):
    assert read(db, "SELECT credit_code, hazard_id, description, status FROM hazards_current ORDER BY credit_code") \
        == sorted([(CODE_A, "YH-001", "泵体泄漏", "已整改"), (CODE_B, "YH-001", "器材过期", "整改中")])
    con = open_reader(db)
    try:
        wendeng = enterprise.enterprise_hazards(con, CODE_A, as_of=dt.date(2026, 9, 30))
        rongcheng = enterprise.enterprise_hazards(con, CODE_B, as_of=dt.date(2026, 9, 30))
        assert wendeng[["隐患编号", "隐患描述", "版本数"]].values.tolist() == [["YH-001", "泵体泄漏", 2]]
        assert rongcheng[["隐患编号", "隐患描述", "版本数"]].values.tolist() == [["YH-001", "器材过期", 1]]
        trail = enterprise.hazard_versions(con, CODE_A, "YH-001")
        assert trail[["整改状态", "来源文件"]].values.tolist() == [
            ["未整改", "文登区_隐患台账_7月.xlsx"], ["已整改", "文登区_隐患台账_9月.xlsx"]]
        # 隐患整改率 (hazards due in Q3): 文登区 1 / 1, 荣成市 0 / 1, each district its own hazard
        figures = api.report(con, "2026Q3", by="district", indicators=["rectification"])
        shown = {r.group: (int(r.numerator), int(r.denominator)) for r in figures.itertuples() if r.denominator}
        assert shown == {"文登区": (1, 1), "荣成市": (0, 1)}
    finally:
        con.close()


def test_the_rongcheng_scoped_read_never_shows_wendengs_versions(db):
    con = open_reader(db)
    try:
        trail = scoped_call(enterprise.hazard_versions, con, RONGCHENG, CODE_B, "YH-001")
        assert trail[["版本", "整改状态", "来源文件"]].values.tolist() == [[1, "整改中", "荣成市_隐患台账.xlsx"]]
        with pytest.raises(OutOfScope, match="无权查看其他区市的企业。"):
            scoped_call(enterprise.hazard_versions, con, RONGCHENG, CODE_A, "YH-001")
        with pytest.raises(OutOfScope, match="无权查看其他区市的企业。"):
            scoped_call(enterprise.hazard_versions, con, RONGCHENG, credit_code=CODE_A, hazard_id="YH-001")
    finally:
        con.close()


def test_rolling_back_one_districts_ledger_leaves_the_other_districts_hazard(db):
    rongcheng_batch = read(db, "SELECT batch_id FROM batches WHERE file_name = '荣成市_隐患台账.xlsx'")[0][0]
    rollback(db, rongcheng_batch)
    assert read(db, "SELECT credit_code, hazard_id, status FROM hazards_current") == [(CODE_A, "YH-001", "已整改")]


def test_an_older_warehouse_gets_its_latest_versions_rebuilt_on_the_new_key(db):
    # what a schema-2 warehouse held: one current row per number, 荣成市's row having displaced 文登区's
    with writing(db) as con:
        con.execute("CREATE OR REPLACE TABLE hazards_current AS SELECT * FROM hazards "
                    "QUALIFY row_number() OVER (PARTITION BY hazard_id ORDER BY batch_id DESC) = 1 "
                    "AND credit_code = ?", [CODE_B])
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with duckdb.connect(str(db), read_only=True) as con:  # the file as left (open_reader would upgrade it)
        assert con.execute("SELECT credit_code FROM hazards_current").fetchall() == []
    with writing(db):  # any later write brings the warehouse to the current schema
        pass
    assert read(db, "SELECT credit_code, status FROM hazards_current ORDER BY credit_code") == sorted(
        [(CODE_A, "已整改"), (CODE_B, "整改中")])
    assert read(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(SCHEMA_VERSION,)]


def test_the_enterprise_profile_of_a_rongcheng_user_shows_only_its_own_trail(db, monkeypatch):
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(db.with_name("access.sqlite3")))
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["_user"] = User("rongcheng_1", "荣成市 负责人", "区市", "荣成市")
    app.run()
    app.switch_page("pages/enterprise.py").run()
    app.selectbox(key="ent").set_value(CODE_B).run()
    app.segmented_control(key="ent_view").set_value("隐患台账").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    versions = next(t.value for t in app.dataframe if "版本" in t.value.columns)
    assert versions[["版本", "整改状态", "来源文件"]].values.tolist() == [[1, "整改中", "荣成市_隐患台账.xlsx"]]
    shown = "\n".join(str(t.value.to_dict()) for t in app.dataframe)
    assert "文登区_隐患台账" not in shown and "泵体泄漏" not in shown
