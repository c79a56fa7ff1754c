"""数据质量 for a district user: only the files with rows of their district, counted for those rows.

The attack: a 文登区 user opening 数据质量 saw every district's imported and refused files, with
names and row counts. The scoped query layer (access.scope) now shows a file only when it has
loaded or quarantined rows of the user's district, its counts only for those rows, and a refused
file only when its name names that district alone.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.load import load_paths
from warehouse.store import open_reader
from access.users import User
from metrics import quality
from access.scope import EVERYONE, Scope, scoped_call
from tests.filemaker import CODE_A, CODE_B, roster_rows, write_csv, write_xlsx

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
WENDENG = Scope(("文登区",))
DRILLS = ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("quality_scope")
    path = folder / "w.duckdb"
    load_paths([write_xlsx(folder / "roster.xlsx", {"名册": roster_rows()})], path)  # A 文登区, B 荣成市, C 乳山市
    load_paths([
        # 文登区 only: 2 rows loaded, 1 quarantined (more taking part than expected)
        write_csv(folder / "文登区_演练.csv", [DRILLS, [CODE_A, "2026-07-01", "10", "9"],
                                             [CODE_A, "2026-07-02", "10", "8"], [CODE_A, "2026-07-03", "10", "12"]]),
        # 荣成市 only: 1 loaded, 1 quarantined
        write_csv(folder / "荣成市_演练.csv", [DRILLS, [CODE_B, "2026-07-05", "20", "15"],
                                             [CODE_B, "2026-07-06", "20", "25"]]),
        # both: 文登区 1 loaded; 荣成市 2 loaded, 1 quarantined; 1 quarantined of no district that can be told
        write_csv(folder / "全市汇总_演练.csv", [DRILLS, [CODE_A, "2026-08-01", "10", "10"],
                                               [CODE_B, "2026-08-02", "20", "20"], [CODE_B, "2026-08-03", "20", "19"],
                                               [CODE_B, "2026-08-04", "20", "21"],
                                               ["91370000XXXXXXXXX1", "2026-08-05", "10", "9"]]),
        # refused whole (no template matches)
        write_csv(folder / "文登区_说明.csv", [["品名", "单价"], ["苹果", "3"]]),
        write_csv(folder / "荣成市_说明.csv", [["品名", "单价"], ["梨", "4"]]),
        write_csv(folder / "汇总说明.csv", [["品名", "单价"], ["桃", "5"]]),
    ], path)
    return path


@pytest.fixture
def con(db):
    connection = open_reader(db)
    yield connection
    connection.close()


def files(frame) -> dict[str, tuple]:
    return {row.文件名: (row.读取行数, row.入库行数, row.隔离行数) for row in frame.itertuples()}


def test_a_district_user_gets_only_files_with_rows_of_their_district_counted_for_those_rows(con):
    everyone = files(scoped_call(quality.batches, con, EVERYONE))
    assert everyone == {"roster.xlsx": (3, 3, 0), "文登区_演练.csv": (3, 2, 1), "荣成市_演练.csv": (2, 1, 1),
                        "全市汇总_演练.csv": (5, 3, 2)}
    wendeng = scoped_call(quality.batches, con, WENDENG)
    # the roster counts its 文登区 row only; 荣成市_演练.csv has no 文登区 row: not listed;
    # 全市汇总_演练.csv: 文登区's 1 row (the 荣成市 rows and the row of unknown district are not counted)
    assert files(wendeng) == {"roster.xlsx": (1, 1, 0), "文登区_演练.csv": (3, 2, 1), "全市汇总_演练.csv": (1, 1, 0)}
    assert wendeng["跳过行数"].isna().all()
    # asking for another district explicitly changes nothing
    assert files(scoped_call(quality.batches, con, WENDENG, districts=["荣成市"])) == files(wendeng)
    assert files(scoped_call(quality.batches, con, Scope(("荣成市",)))) == {
        "roster.xlsx": (1, 1, 0), "荣成市_演练.csv": (2, 1, 1), "全市汇总_演练.csv": (3, 2, 1)}
    assert scoped_call(quality.batches, con, Scope(("高区",))).empty


def test_refused_files_and_quarantine_counts_are_scoped_too(con):
    assert sorted(scoped_call(quality.rejected_files, con, EVERYONE)["文件名"]) == sorted(
        ["文登区_说明.csv", "荣成市_说明.csv", "汇总说明.csv"])
    assert list(scoped_call(quality.rejected_files, con, WENDENG)["文件名"]) == ["文登区_说明.csv"]
    assert list(scoped_call(quality.rejected_files, con, Scope(("高区",)))["文件名"]) == []
    # the row of unknown district is counted for the city, never for a district user
    assert scoped_call(quality.quarantine_counts, con, EVERYONE) == {"演练记录": 4}
    assert scoped_call(quality.quarantine_counts, con, WENDENG) == {"演练记录": 1}
    summary = scoped_call(quality.quarantine_summary, con, WENDENG)
    assert int(summary["行数"].sum()) == 1
    assert scoped_call(quality.last_loaded_at, con, Scope(("高区",))) is None
    assert scoped_call(quality.last_loaded_at, con, WENDENG) == scoped_call(quality.last_loaded_at, con, EVERYONE)


def test_the_quality_page_of_a_district_user_names_no_other_districts_file(db, monkeypatch):
    monkeypatch.setenv("WEIHAI_DB", str(db))
    monkeypatch.setenv("WEIHAI_USERS_DB", str(db.with_name("access.sqlite3")))
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["_user"] = User("wendeng_1", "文登区 负责人", "区市", "文登区")
    app.run()
    app.switch_page("pages/quality.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["已导入文件"], metrics["隔离行数"], metrics["拒收文件"]) == ("3", "1", "1")
    loaded = next(t.value for t in app.dataframe if "入库行数" in t.value.columns)
    assert files(loaded) == {"roster.xlsx": (1, 1, 0), "文登区_演练.csv": (3, 2, 1), "全市汇总_演练.csv": (1, 1, 0)}
    refused = next(t.value for t in app.dataframe if "拒收原因" in t.value.columns)
    assert list(refused["文件名"]) == ["文登区_说明.csv"]
    shown = "\n".join(str(t.value.to_dict()) for t in app.dataframe)
    shown += "\n".join(str(e.value) for e in [*app.markdown, *app.caption, *app.warning, *app.info])
    assert "荣成市_" not in shown and "汇总说明" not in shown


def test_quarantine_counts_come_in_the_contracts_order_of_templates(tmp_path):
    path = tmp_path / "w.duckdb"
    load_paths([write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})], path)
    # 演练记录 is loaded first, 培训记录 second; the contract lists 培训记录 (§3.3) before 演练记录 (§3.4)
    load_paths([write_csv(tmp_path / "演练.csv", [DRILLS, [CODE_A, "2026-07-01", "10", "12"],
                                                 [CODE_A, "2026-07-02", "10", "11"]])], path)
    load_paths([write_csv(tmp_path / "培训.csv", [["统一社会信用代码", "人员编号", "姓名", "培训名称", "培训日期", "考核成绩"],
                                                 [CODE_A, "009", "钱九", "安全教育", "2026-07-01", "90"]])], path)
    con = open_reader(path)
    try:
        counts = quality.quarantine_counts(con)
    finally:
        con.close()
    assert list(counts.items()) == [("培训记录", 1), ("演练记录", 2)]
