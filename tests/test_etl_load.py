"""The loader against the contract's messy forms, quarantine rules and bookkeeping."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from etl.load import load_paths
from warehouse.store import first_row
from tests.filemaker import CODE_A, CODE_B, CODE_C, ROSTER_HEADER, roster_rows, write_csv, write_xlsx


@pytest.fixture
def db(tmp_path):
    return tmp_path / "warehouse.duckdb"


def query(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def load(db, *paths):
    results = load_paths(list(paths), db)
    for r in results:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined + r.rows_skipped, r
    return results


def quarantined(db):
    return query(db, 'SELECT file_name, sheet, "row", "column", value, reason FROM quarantine ORDER BY "row", "column"')


@pytest.fixture
def roster(tmp_path):
    return write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()})


# --- the roster and its messy forms -------------------------------------------------------------

def test_title_rows_aliases_marks_line_breaks_and_notes_rows(tmp_path, db):
    path = write_xlsx(tmp_path / "任意名字.xlsx", {"Sheet1": [
        ["威海市非危化品化工企业名册"],
        ["填报单位：文登区  填报日期：2026年10月8日"],
        [],
        ["单位名称*", "社会信用\n代码*", "辖区", "所属行业", "职工人数（人）", "驻点人员", "进驻日期", "备注栏"],
        ["威海（文登）精细化工有限公司", CODE_A, "威海市文登区", "化学原料", "１２０", "王强", "2026年1月5日", "额外列"],
        [],
        ["合计", None, None, None, 120],
        ["填表说明：企业状态不填视为正常生产"],
    ]})
    [result] = load(db, path)
    # rows below the header: 4 (data, blank, 合计, 填表说明) -> 1 loaded, 3 skipped
    assert (result.template, result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_skipped) == \
        ("企业名册", 4, 1, 0, 3)
    assert query(db, "SELECT enterprise_name, credit_code, district, industry, employees, supervisor, stationed_on, "
                     "status, source_file, source_sheet, source_row FROM enterprises") == [
        ("威海（文登）精细化工有限公司", CODE_A, "文登区", "化学原料", 120, "王强", dt.date(2026, 1, 5), "正常生产",
         "任意名字.xlsx", "Sheet1", 5)]


def test_district_aliases_from_configuration(tmp_path, db):
    names = ["环翠", "山东省威海市文登", "荣成", "乳山市", "火炬高新区", "经开区", "临港经济技术开发区", "南海"]
    codes = [CODE_A, CODE_B, CODE_C] + [__import__("core.codes").codes.with_check_character(f"9137100{i}MA3X0000{i}")
                                        for i in range(5)]
    rows = [ROSTER_HEADER] + [[f"企业{i}", code, name, "", 10] for i, (code, name) in enumerate(zip(codes, names))]
    load(db, write_xlsx(tmp_path / "r.xlsx", {"名册": rows}))
    assert [d for (d,) in query(db, "SELECT district FROM enterprises ORDER BY enterprise_name")] == [
        "环翠区", "文登区", "荣成市", "乳山市", "高区", "经区", "临港区", "南海新区"]


def test_roster_quarantine_rules(tmp_path, db):
    path = write_xlsx(tmp_path / "r.xlsx", {"名册": [
        ROSTER_HEADER,
        ["甲公司", CODE_A[:-1] + "M", "文登区", "", 10],  # wrong check character
        ["乙公司", "91371081MA3C7TLR0", "文登区", "", 10],  # 17 characters
        ["丙公司", CODE_B, "青岛市", "", 10],  # not a Weihai district
        ["丁公司", CODE_C, "文登区", "", "十人"],  # not a number
        [None, CODE_C, "文登区", "", 10],  # name missing
        ["戊公司", CODE_C, "文登区", "", 10, None, None, "2026-13-01", "破产"],  # bad date, unknown status
    ]})
    [result] = load(db, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 0, 6)
    reasons = {(row, column): reason for _, _, row, column, _, reason in quarantined(db)}
    assert reasons[(2, "统一社会信用代码")].startswith("统一社会信用代码无效")
    assert reasons[(3, "统一社会信用代码")].startswith("统一社会信用代码无效")
    assert reasons[(4, "所属区市")].startswith("区市名称无法识别")
    assert reasons[(5, "从业人员数")] == "应填写整数"
    assert reasons[(6, "企业名称")] == "必填项为空"
    assert reasons[(7, "进驻日期")].startswith("日期无法识别或不存在")
    assert reasons[(7, "企业状态")] == "不是允许的取值，应为：正常生产、停产、关闭"
    assert query(db, "SELECT count(*) FROM enterprises") == [(0,)]


def test_later_roster_supersedes_per_enterprise(tmp_path, db, roster):
    load(db, roster)
    later = write_xlsx(tmp_path / "later.xlsx", {"名册": [
        ROSTER_HEADER, ["荣成市海达化工有限公司", CODE_B, "荣成市", "涂料", 50, "孙伟", "荣成市应急局", "2026-09-01", "正常生产"]]})
    load(db, later)
    assert query(db, "SELECT credit_code, employees, supervisor, status FROM enterprises_current ORDER BY credit_code") == sorted([
        (CODE_A, 120, "王强", "正常生产"), (CODE_B, 50, "孙伟", "正常生产"), (CODE_C, 30, "赵刚", "关闭")])
    assert query(db, "SELECT count(*) FROM enterprises WHERE credit_code = ?", [CODE_B]) == [(2,)]
    assert query(db, "SELECT credit_code FROM enterprises_in_scope ORDER BY 1") == sorted([(CODE_A,), (CODE_B,)])


# --- staff, dates, identifiers ----------------------------------------------------------------

def test_date_forms_identifier_text_and_category_aliases(tmp_path, db, roster):
    staff = write_xlsx(tmp_path / "staff.xlsx", {"人员": [
        ["统一社会信用代码", "工号", "姓名", "岗位类别", "操作证号", "有效期至", "入职日期", "离岗日期"],
        [CODE_A, "001", "张一", "主要负责人", "A1", dt.date(2027, 7, 1), "2026-07-01", None],
        [CODE_A, "002", "张二", "安全管理人员", "A2", "2027/7/1", "2026.7.1", None],
        [CODE_A, "003", "张三", "特种作业人员", "A3", "2027年7月1日", "20260701", None],
        [CODE_A, "００４", "张四", "普通员工", None, None, "46204", "2026-09-30"],
    ]})
    [result] = load(db, roster, staff)[1:]
    assert (result.rows_loaded, result.rows_quarantined) == (4, 0)
    rows = query(db, "SELECT person_id, category, cert_valid_until, hired_on, left_on FROM staff ORDER BY person_id")
    july_first = dt.date(2026, 7, 1)  # 46204 is Excel's serial number for 2026-07-01
    assert rows == [
        ("001", "主要负责人", dt.date(2027, 7, 1), july_first, None),
        ("002", "安全管理人员", dt.date(2027, 7, 1), july_first, None),
        ("003", "特种作业人员", dt.date(2027, 7, 1), july_first, None),
        ("004", "其他从业人员", None, july_first, dt.date(2026, 9, 30)),
    ]


def test_enterprise_names_match_across_spaces_and_bracket_widths(tmp_path, db, roster):
    drills = write_csv(tmp_path / "drills.csv", [
        ["企业名称", "演练日期", "演练类型", "应参加人数", "实际参加人数"],
        ["威海(文登)精细化工有限公司", "2026-07-01", "综合演练", "10", "10"],
        ["威海 （文登） 精细化工 有限公司", "2026-07-02", "桌面推演", "10", "9"],
        ["威海市文登精细化工有限公司", "2026-07-03", "专项演练", "10", "8"],  # different name
    ])
    [result] = load(db, roster, drills)[1:]
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert query(db, "SELECT DISTINCT credit_code FROM drills") == [(CODE_A,)]
    assert quarantined(db) == [("drills.csv", "drills", 4, "企业名称", "威海市文登精细化工有限公司",
                                "企业名称在企业名册中找不到：请核对名称，或填写统一社会信用代码")]


def test_gbk_csv_and_utf8_bom_csv_load_the_same(tmp_path, db, roster):
    rows = [["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"], [CODE_A, "2026年8月1日", "２０", "19"]]
    gbk = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    bom = write_csv(tmp_path / "bom.csv", rows[:1] + [[CODE_A, "2026-08-02", "20", "20"]], encoding="utf-8-sig")
    results = load(db, gbk, bom, roster)
    assert [r.status for r in results] == ["loaded"] * 3
    assert query(db, "SELECT drill_date, expected, actual FROM drills ORDER BY drill_date") == [
        (dt.date(2026, 8, 1), 20, 19), (dt.date(2026, 8, 2), 20, 20)]


def test_rosters_load_first_whatever_the_order_of_paths(tmp_path, db, roster):
    drills = write_csv(tmp_path / "a_drills.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"], [CODE_A, "2026-07-01", "5", "5"]])
    staff = write_xlsx(tmp_path / "b_staff.xlsx", {"s": [
        ["统一社会信用代码", "人员编号", "姓名", "岗位类别"], [CODE_A, "007", "周七", "安全总监"]]})
    training = write_xlsx(tmp_path / "a_training.xlsx", {"t": [
        ["统一社会信用代码", "姓名", "培训名称", "培训日期", "考核成绩"], [CODE_A, "周七", "年度安全教育", "2026-07-10", "59"]]})
    results = load(db, drills, training, staff, roster)
    assert [r.template for r in results] == ["企业名册", "人员台账", "培训记录", "演练记录"]
    assert all(r.rows_quarantined == 0 for r in results)
    # matched by 姓名 within the enterprise; 59 < 60 and no 考核结果 -> not passed
    assert query(db, "SELECT person_id, passed FROM training") == [("007", False)]


def test_training_results_and_person_matching(tmp_path, db, roster):
    staff = write_xlsx(tmp_path / "staff.xlsx", {"s": [
        ["统一社会信用代码", "人员编号", "姓名", "岗位类别"],
        [CODE_A, "001", "张伟", "安全总监"], [CODE_A, "002", "张伟", "其他从业人员"], [CODE_A, "003", "刘洋", "员工"]]})
    training = write_xlsx(tmp_path / "training.xlsx", {"t": [
        ["统一社会信用代码", "人员编号", "姓名", "培训名称", "培训日期", "学时", "考核成绩", "考核结果"],
        [CODE_A, "001", "张伟", "安全教育", "2026-07-01", 8, 50, "合格"],  # the stated result wins over the score
        [CODE_A, None, "刘洋", "安全教育", "2026-07-01", 8, 60, None],  # by name; 60 passes
        [CODE_A, None, "张伟", "安全教育", "2026-07-01", 8, 90, None],  # two people called 张伟
        [CODE_A, "009", "钱九", "安全教育", "2026-07-01", 8, 90, None],  # unknown 人员编号
        [CODE_A, "003", "刘洋", "安全教育", "2026-07-01", 8, 101, None],  # score above 100
    ]})
    [result] = load(db, roster, staff, training)[2:]
    assert (result.rows_loaded, result.rows_quarantined) == (2, 3)
    assert query(db, "SELECT person_id, passed FROM training ORDER BY person_id") == [("001", True), ("003", True)]
    reasons = {(row, column): reason for _, _, row, column, _, reason in quarantined(db)}
    assert reasons == {
        (4, "姓名"): "该企业有多名同名人员：请填写人员编号",
        (5, "人员编号"): "该人员编号在该企业的人员台账中找不到：请核对编号，或先报送人员台账",
        (6, "考核成绩"): "不能大于 100",
    }


# --- drills, logs, checklists --------------------------------------------------------------

def test_drill_logs_and_checklist_rules(tmp_path, db, roster):
    drills = write_xlsx(tmp_path / "d.xlsx", {"d": [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
        [CODE_A, "2026-07-01", 10, 11],  # more than expected
        [CODE_A, "2026-07-01", 0, 0],  # expected must be > 0
        [CODE_A, "2026-07-01", 10, 10],
    ]})
    logs = write_csv(tmp_path / "logs.csv", [
        ["日期", "驻点人员", "统一社会信用代码", "工作内容", "特殊作业类型", "特殊作业数", "现场监督数"],
        ["2026-07-01", "王强", CODE_A, "巡查", "动火作业", "2", "3"],  # more supervised than done
        ["2026-07-02", "王强", CODE_A, "巡查", "", "", ""],  # 特殊作业数 defaults to 0
        ["2026-07-03", "王强", CODE_A, "巡查", "跳伞", "1", "1"],  # unknown type
    ])
    checklists = write_xlsx(tmp_path / "c.xlsx", {"c": [
        ["统一社会信用代码", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备", "应建规章制度数", "已建规章制度数",
         "应发奖励笔数", "已发奖励笔数"],
        [CODE_A, "2026Q3", "是", "√", "Y", 10, 10, 2, 2],
        [CODE_B, "2026年第三季度", "否", "×", "N", 10, 11, None, 1],  # built > required; paid without due
        [CODE_A, "2026年三季度", "有", "已", "无", 8, 8, 3, 4],  # paid > due
        [CODE_B, "2026-Q2", "也许", "是", "是", 8, 8, None, None],  # not yes/no
        [CODE_B, "2026年第3季度", "未", "是", "是", 8, 7, None, None],
    ]})
    results = load(db, roster, drills, logs, checklists)[1:]
    assert [(r.rows_loaded, r.rows_quarantined) for r in results] == [(1, 2), (1, 2), (2, 3)]
    assert query(db, "SELECT log_date, special_ops, onsite FROM work_logs") == [(dt.date(2026, 7, 2), 0, None)]
    assert query(db, "SELECT credit_code, quarter, responsibility, org_sound, director, rules_built FROM checklists "
                     "ORDER BY source_row") == [(CODE_A, "2026Q3", True, True, "是", 10), (CODE_B, "2026Q3", False, True, "是", 7)]
    reasons = [(file, row, column, reason) for file, _, row, column, _, reason in quarantined(db)]
    assert sorted(reasons) == sorted([
        ("d.xlsx", 2, "实际参加人数", "实际参加人数（11）多于应参加人数（10）"),
        ("d.xlsx", 3, "应参加人数", "不能小于 1"),
        ("logs.csv", 2, "现场监督数", "现场监督数（3）多于特殊作业数（2）"),
        ("logs.csv", 4, "特殊作业类型", "不是允许的取值，应为：动火作业、设备检维修、高处作业、受限空间作业、吊装作业、临时用电、其他"),
        ("c.xlsx", 3, "已建规章制度数", "已建规章制度数（11）多于应建数（10）"),
        ("c.xlsx", 3, "已发奖励笔数", "填写了已发奖励笔数，但未填写应发奖励笔数"),
        ("c.xlsx", 4, "已发奖励笔数", "已发奖励笔数（4）多于应发笔数（3）"),
        ("c.xlsx", 5, "安全生产责任制落实", "应填写 是 或 否（也可填 √/×、Y/N、有/无、已/未）"),
    ])


# --- the hazard ledger ---------------------------------------------------------------------

HAZARD_HEADER = ["隐患编号", "企业名称", "所属区市", "发现日期", "检查方式", "隐患类别", "隐患等级", "隐患描述", "整改期限",
                 "整改完成日期", "整改状态", "上报日期"]


def test_hazard_rules(tmp_path, db, roster):
    ledger = write_xlsx(tmp_path / "h.xlsx", {"台账": [
        ["威海市非危化品化工企业隐患排查整改台账"],
        HAZARD_HEADER,
        ["H1", "威海（文登）精细化工有限公司", "文登区", "2026-07-01", "驻点检查", "设备设施", "一般", "泵体泄漏", "2026-07-10", None, "未整改"],
        ["H2", "威海（文登）精细化工有限公司", "荣成市", "2026-07-01", "驻点检查", "设备设施", "一般", "泵体泄漏", "2026-07-10"],
        ["H3", "威海（文登）精细化工有限公司", None, "2026-07-01", None, "设备设施", "重大", "储罐无液位计", "2026-06-30"],
        ["H4", "威海（文登）精细化工有限公司", None, "2026-07-01", None, "设备设施", "一般", "x", "2026-07-10", "2026-06-01", "已整改"],
        ["H5", "威海（文登）精细化工有限公司", None, "2026-07-01", None, "设备设施", "一般", "x", "2026-07-10", None, "已销号"],
        ["H6", "威海（文登）精细化工有限公司", None, "2026-07-01", None, "消防", "一般", "x", "2026-07-10"],
        ["H7", "威海（文登）精细化工有限公司", None, "2026-07-01", None, "应急管理", "较大", None, "2026-07-10"],
    ]})
    [result] = load(db, roster, ledger)[1:]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7, 1, 6)
    reasons = {(row, column): reason for _, _, row, column, _, reason in quarantined(db)}
    assert reasons == {
        (4, "所属区市"): "所属区市与企业名册不一致（企业名册为文登区）",
        (5, "整改期限"): "整改期限早于发现日期",
        (6, "整改完成日期"): "整改完成日期早于发现日期",
        (7, "整改状态"): "整改状态为已销号，但未填写整改完成日期",
        (8, "隐患类别"): "不是允许的取值，应为：组织机构、管理制度、设备设施、现场作业、安全培训、安全投入、应急管理、原材料产成品、特殊作业、其他",
        (9, "隐患等级"): "不是允许的取值，应为：一般隐患、重大隐患",
        (9, "隐患描述"): "必填项为空",
    }
    assert query(db, "SELECT hazard_id, level FROM hazards") == [("H1", "一般隐患")]


def test_ledger_keeps_every_version_and_current_is_latest(tmp_path, db, roster):
    first = write_xlsx(tmp_path / "h_q3.xlsx", {"台账": [
        HAZARD_HEADER,
        ["H1", "威海（文登）精细化工有限公司", None, "2026-07-01", None, "设备设施", "一般", "泵体泄漏", "2026-07-10", None, "整改中"],
        ["H2", "威海（文登）精细化工有限公司", None, "2026-07-05", None, "现场作业", "重大", "无票动火", "2026-07-20", None, "未整改"],
    ]})
    second = write_xlsx(tmp_path / "h_q4.xlsx", {"台账": [
        HAZARD_HEADER,
        ["H1", "威海（文登）精细化工有限公司", None, "2026-07-01", None, "设备设施", "一般", "泵体泄漏", "2026-07-10", "2026-07-09", "已整改"],
    ]})
    load(db, roster, first)
    load(db, second)
    assert query(db, "SELECT hazard_id, status, rectified_on, source_file FROM hazards ORDER BY hazard_id, batch_id") == [
        ("H1", "整改中", None, "h_q3.xlsx"), ("H1", "已整改", dt.date(2026, 7, 9), "h_q4.xlsx"),
        ("H2", "未整改", None, "h_q3.xlsx")]
    assert query(db, "SELECT hazard_id, status FROM hazards_current ORDER BY hazard_id") == [("H1", "已整改"), ("H2", "未整改")]


# --- workbooks with several sheets -----------------------------------------------------------

def test_instruction_sheet_skipped_and_several_data_sheets_loaded(tmp_path, db, roster):
    header = ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"]
    path = write_xlsx(tmp_path / "drills.xlsx", {
        "填表说明": [["本表用于填报应急演练记录"], ["日期可填 2026-07-01"]],
        "上半年": [header, [CODE_A, "2026-03-01", 10, 10]],
        "下半年": [["2026年下半年"], header, [CODE_A, "2026-09-01", 10, 9], [CODE_A, "2026-09-02", 10, 8]],
    })
    [result] = load(db, roster, path)[1:]
    assert (result.sheets, result.rows_read, result.rows_loaded) == (["上半年", "下半年"], 3, 3)
    assert query(db, "SELECT source_sheet, source_row FROM drills ORDER BY drill_date") == [
        ("上半年", 2), ("下半年", 3), ("下半年", 4)]


def test_sheets_of_different_templates_reject_the_file(tmp_path, db):
    path = write_xlsx(tmp_path / "mixed.xlsx", {
        "名册": roster_rows(),
        "演练": [["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"], [CODE_A, "2026-03-01", 10, 10]],
    })
    [result] = load(db, path)
    assert result.status == "rejected"
    assert result.message.startswith("一个文件只能包含一种模板")
    assert query(db, "SELECT count(*) FROM enterprises") == [(0,)]


# --- bookkeeping ---------------------------------------------------------------------------

def test_loading_the_same_file_twice_changes_nothing(tmp_path, db, roster):
    load(db, roster)
    before = query(db, "SELECT count(*), (SELECT count(*) FROM batches) FROM enterprises")
    [again] = load(db, roster)
    assert (again.status, again.batch_id) == ("duplicate", 1)
    assert query(db, "SELECT count(*), (SELECT count(*) FROM batches) FROM enterprises") == before == [(3, 1)]


def test_every_loaded_row_carries_its_provenance(tmp_path, db, roster):
    load(db, roster)
    assert query(db, "SELECT batch_id, source_file, source_sheet, source_row FROM enterprises ORDER BY source_row") == [
        (1, "roster.xlsx", "名册", 2), (1, "roster.xlsx", "名册", 3), (1, "roster.xlsx", "名册", 4)]
    assert query(db, "SELECT batch_id, file_name, template, rows_read, rows_loaded, rows_quarantined, rows_skipped "
                     "FROM batches") == [(1, "roster.xlsx", "企业名册", 3, 3, 0, 0)]


def test_a_file_that_fails_midway_lands_not_at_all(tmp_path, db, roster, monkeypatch):
    import etl.load as loader

    header = ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"]
    path = write_xlsx(tmp_path / "drills.xlsx", {"一": [header, [CODE_A, "2026-03-01", 10, 10]],
                                                 "二": [header, [CODE_A, "2026-03-02", 10, 10]]})
    load(db, roster)
    real = loader._insert_rows

    def fail_after_inserting(con, template):
        real(con, template)
        assert first_row(con, "SELECT count(*) FROM drills")[0] == 2  # both sheets were written, then:
        con.execute("SELECT error('磁盘已满')")

    monkeypatch.setattr(loader, "_insert_rows", fail_after_inserting)
    [result] = load_paths([path], db)
    assert result.status == "rejected"
    assert result.message.startswith("写入数据库时出错，文件未加载")
    assert query(db, "SELECT count(*) FROM drills") == [(0,)]
    assert query(db, "SELECT count(*) FROM batches") == [(1,)]
    assert query(db, "SELECT file_name FROM rejected_files") == [("drills.xlsx",)]
