"""A district user reads only their district's records, whatever they ask for."""
from __future__ import annotations

import datetime as dt

import pytest

from etl.load import load_paths
from warehouse.store import open_reader
from metrics import api, enterprise, quality
from access.scope import EVERYONE, OutOfScope, Scope, scoped_call
from tests.filemaker import CODE_A, CODE_B, roster_rows, write_csv, write_xlsx

WENDENG = Scope(("文登区",))


@pytest.fixture
def con(tmp_path):
    db = tmp_path / "w.duckdb"
    roster = write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})
    drills = write_csv(tmp_path / "drills.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
        [CODE_A, "2026-07-01", "10", "9"], [CODE_B, "2026-07-02", "20", "15"]])
    load_paths([roster, drills], db)
    connection = open_reader(db)
    yield connection
    connection.close()


def test_district_rates_of_every_district_are_visible(con):
    frame = scoped_call(api.report, con, WENDENG, "2026Q3", by="district", indicators=["drill_participation"])
    rates = {row.group: (row.numerator, row.denominator) for row in frame.itertuples() if row.denominator}
    assert rates == {"文登区": (9, 10), "荣成市": (15, 20)}


def test_enterprise_level_and_records_are_clamped_to_the_users_district(con):
    frame = scoped_call(api.report, con, WENDENG, "2026Q3", by="enterprise", indicators=["drill_participation"])
    assert set(frame.loc[frame["denominator"] > 0, "group"]) == {CODE_A}
    # asking for 荣成市 explicitly still yields 文登区 only
    records = scoped_call(api.shortfall, con, WENDENG, "2026Q3", "drill_participation", districts=["荣成市"])
    assert set(records["区市"]) == {"文登区"}
    assert set(records["统一社会信用代码"]) == {CODE_A}
    everyone = scoped_call(api.shortfall, con, EVERYONE, "2026Q3", "drill_participation")
    assert set(everyone["统一社会信用代码"]) == {CODE_A, CODE_B}


def test_other_districts_enterprises_and_unlisted_reads_are_refused(con):
    assert scoped_call(enterprise.enterprise_info, con, WENDENG, CODE_A)["区市"] == "文登区"
    with pytest.raises(OutOfScope, match="无权查看其他区市的企业。"):
        scoped_call(enterprise.enterprise_staff, con, WENDENG, CODE_B, as_of=dt.date(2026, 9, 30))
    with pytest.raises(OutOfScope, match="区市用户不能读取"):
        scoped_call(_unlisted_reader, con, WENDENG)


def _unlisted_reader(con):
    """A read that takes no districts and is not declared record-free."""
    return con.execute("SELECT * FROM staff").fetchall()


def test_quarantined_rows_of_unknown_district_stay_hidden_from_district_users(tmp_path, con):
    bad = write_csv(tmp_path / "bad.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
        [CODE_A, "2026-07-01", "10", "11"],  # 文登区's enterprise: attributable
        ["91370000XXXXXXXXX1", "2026-07-01", "10", "9"],  # invalid code: no district can be told
    ])
    db = tmp_path / "w.duckdb"
    load_paths([bad], db)
    fresh = open_reader(db)
    everyone = scoped_call(quality.quarantine_rows, fresh, EVERYONE)
    assert sorted(everyone["区市"]) == sorted(["文登区", "未能识别"])
    wendeng = scoped_call(quality.quarantine_rows, fresh, WENDENG)
    assert list(wendeng["区市"]) == ["文登区"]
    assert list(scoped_call(quality.quarantine_rows, fresh, Scope(("荣成市",)))["区市"]) == []
