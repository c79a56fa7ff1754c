"""Contract revision 2's new input: 安全总监配备 = 不适用, the hazard ledger's 直通车 columns, 驻点派驻记录 and
智能化改造台账 — recognised, validated, quarantined, upgraded from a schema-3 warehouse, in the blank templates."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest

from cli.etl_commands import main as etl_main
from etl import headers
from etl.blank import write_blank_templates
from etl.load import load_paths
from metrics import api
from warehouse.schema import BOOKKEEPING_DDL, SCHEMA_VERSION, _table_ddl
from warehouse.store import open_reader, write_lock
from warehouse.templates import BY_NAME, RETROFIT_PROJECTS, STATIONING_RECORDS
from tests.cli_runner import run_main
from tests.filemaker import CODE_A, CODE_B, CODE_D, roster_rows, write_csv, write_xlsx


@pytest.fixture
def db(tmp_path) -> Path:
    """A warehouse holding the three-enterprise roster of tests/filemaker.py."""
    path = tmp_path / "warehouse.duckdb"
    load(path, write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()}))
    return path


def load(db: Path, *paths: Path):
    results = load_paths(list(paths), db)
    for r in results:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined + r.rows_skipped, r
    return results


def query(db: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def quarantined(db: Path, file_name: str) -> list[tuple]:
    return query(db, 'SELECT "row", "column", value, reason FROM quarantine WHERE file_name = ? ORDER BY "row", "column"',
                 [file_name])


def column_types(db: Path, table: str) -> dict[str, str]:
    return dict(query(db, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?", [table]))


# --- 安全总监配备: 是 / 否 / 不适用 -------------------------------------------------------------------

CHECKLIST_HEADER = ["统一社会信用代码", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备*", "应建规章制度数",
                    "已建规章制度数"]


def test_director_may_be_not_applicable_in_its_usual_spellings_and_is_stored_as_text(tmp_path, db):
    path = write_xlsx(tmp_path / "检查表.xlsx", {"三季度": [
        CHECKLIST_HEADER,
        [CODE_A, "2026Q1", "是", "是", "是", 5, 5],
        [CODE_A, "2026Q2", "是", "是", "×", 5, 5],
        [CODE_A, "2026Q3", "是", "是", "不适用", 5, 5],
        [CODE_A, "2025Q1", "是", "是", "无需配备", 5, 5],
        [CODE_A, "2025Q2", "是", "是", "n/a", 5, 5],
        [CODE_A, "2025Q3", "是", "是", "不 适 用", 5, 5],
        [CODE_A, "2025Q4", "是", "是", "Ｎ／Ａ", 5, 5],  # full-width
        [CODE_B, "2026Q1", "是", "是", "-", 5, 5],  # a dash may mean "left blank": not taken for 不适用
        [CODE_B, "2026Q2", "不适用", "是", "是", 5, 5],  # 责任制 stays a plain 是/否
        [CODE_B, "2026Q3", "是", "是", "也许", 5, 5],
    ]})
    [result] = load(db, path)
    assert (result.rows_loaded, result.rows_quarantined) == (7, 3)
    assert query(db, "SELECT quarter, director FROM checklists ORDER BY source_row") == [
        ("2026Q1", "是"), ("2026Q2", "否"), ("2026Q3", "不适用"), ("2025Q1", "不适用"), ("2025Q2", "不适用"),
        ("2025Q3", "不适用"), ("2025Q4", "不适用")]
    assert column_types(db, "checklists")["director"] == "VARCHAR"
    assert column_types(db, "checklists")["responsibility"] == "BOOLEAN"
    na_reason = ("应填写 是、否 或 不适用（也可填 √/×、Y/N、有/无、已/未；不适用 也可填 无需配备、无须配备、不需配备、不须配备、"
                 "无需、无须、不需要、不涉及、N/A、NA）")
    assert quarantined(db, "检查表.xlsx") == [
        (9, "安全总监配备*", "-", na_reason),
        (10, "安全生产责任制落实", "不适用", "应填写 是 或 否（也可填 √/×、Y/N、有/无、已/未）"),
        (11, "安全总监配备*", "也许", na_reason),
    ]


# --- the hazard ledger's 直通车 columns --------------------------------------------------------------

LEDGER_HEADER = ["隐患编号", "统一社会信用代码", "发现日期", "隐患类别", "隐患等级", "隐患描述", "整改期限", "整改状态",
                 "上报日期", "移交部门"]
LEDGER_NEW = ["直报单位", "立案文书号", "移交日期", "移交回复日期", "督办级别"]  # aliases of 上报单位 … 移交办结日期


def test_a_ledger_with_the_new_columns_loads_them_and_refuses_impossible_handover_dates(tmp_path, db):
    base = ["2026-07-01", "设备设施", "重大隐患", "储罐区无可燃气体报警", "2026-08-01", "整改中", "2026-07-01"]
    path = write_xlsx(tmp_path / "隐患台账.xlsx", {"台账": [
        ["威海市非危化品化工企业隐患排查整改台账"],
        ["填报单位：文登区  填报日期：2026年10月8日"],
        [h + "*" if h in ("隐患编号", "隐患描述") else h for h in LEDGER_HEADER] + LEDGER_NEW,
        ["YH-1", CODE_A, *base, "生态环境局", "文登区应急管理局", "威文应急罚〔2026〕12号", "2026-07-03", "2026-07-20",
         "市级挂牌督办"],
        ["YH-2", CODE_A, *base, "生态环境局", None, None, "2026-07-03", None, "无"],  # handed over, no reply yet
        ["YH-3", CODE_A, *base, "生态环境局", None, None, "2026-06-30", None, None],  # handed over before found
        ["YH-4", CODE_A, *base, "生态环境局", None, None, "2026-07-10", "2026-07-09", None],  # done before handed over
        ["YH-5", CODE_A, *base, None, None, None, None, None, "省级挂牌督办"],  # not a level of the contract
        ["合计"],
    ]})
    [result] = load(db, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_skipped) == (6, 2, 3, 1)
    assert query(db, "SELECT hazard_id, transferred_to, report_unit, enforcement_case, transferred_on, "
                     "transfer_closed_on, supervision_level FROM hazards_current ORDER BY hazard_id") == [
        ("YH-1", "生态环境局", "文登区应急管理局", "威文应急罚〔2026〕12号", dt.date(2026, 7, 3), dt.date(2026, 7, 20),
         "市级挂牌督办"),
        ("YH-2", "生态环境局", None, None, dt.date(2026, 7, 3), None, "无"),
    ]
    assert quarantined(db, "隐患台账.xlsx") == [
        (6, "移交日期", "2026-06-30", "移交日期（2026-06-30）早于发现日期（2026-07-01）"),
        (7, "移交回复日期", "2026-07-09", "移交办结日期（2026-07-09）早于移交日期（2026-07-10）"),
        (8, "督办级别", "省级挂牌督办", "不是允许的取值，应为：市级挂牌督办、区市级挂牌督办、无"),
    ]


def test_an_older_ledger_without_the_new_columns_still_loads(tmp_path, db):
    path = write_csv(tmp_path / "旧台账.csv", [
        LEDGER_HEADER,
        ["YH-9", CODE_A, "2026/7/1", "应急管理", "一般隐患", "器材过期", "2026/7/15", "未整改", "", ""],
    ], encoding="gbk")
    [result] = load(db, path)
    assert (result.template, result.rows_loaded, result.rows_quarantined) == ("隐患台账", 1, 0)
    assert query(db, "SELECT hazard_id, report_unit, enforcement_case, transferred_on, transfer_closed_on, "
                     "supervision_level FROM hazards_current") == [("YH-9", None, None, None, None, None)]


# --- 驻点派驻记录 --------------------------------------------------------------------------------------

STATIONING_HEADER = ["驻点人员*", "企业名称", "统一社会信用代码", "派出单位", "进驻日期*", "撤离日期", "岗前培训日期",
                     "交接日期", "交接人", "交接事项"]


def test_stationing_records_are_recognised_from_a_messy_header(tmp_path):
    rows = [
        ["威海市化工企业驻点监督人员派驻记录"],
        [],
        ["驻点监督\n人员 *", "单位名称", "派出单位", "进驻\n日期※", "撤离日期", "交接人", "备注"],
        ["王强", "威海（文登）精细化工有限公司", "文登区应急局", "2026-01-05", None, None, None],
    ]
    match = headers.detect(rows)
    assert match is not None and match.template is STATIONING_RECORDS
    assert (match.excel_row, match.positions) == (3, {"supervisor": 0, "enterprise_name": 1, "dispatch_unit": 2,
                                                      "stationed_on": 3, "withdrawn_on": 4, "handed_to": 5})


def test_retrofit_projects_are_recognised_from_a_messy_header(tmp_path):
    rows = [
        ["威海市化工企业智能化改造“一企一策”台账"],
        ["填报单位：荣成市", None, "填报日期：2026年10月8日"],
        ["序号", "统一社会\n信用代码*", "一企一策\n方案日期", "项目\n名称 *", "计划完成\n日期*", "投资金额(万元)", "备注"],
        [1, CODE_B, "2026-06-01", "DCS 改造", "2026-12-31", 80, None],
    ]
    match = headers.detect(rows)
    assert match is not None and match.template is RETROFIT_PROJECTS
    assert (match.excel_row, match.positions) == (3, {"credit_code": 1, "plan_on": 2, "project_name": 3,
                                                      "planned_on": 4, "investment": 5})


def test_stationing_rules_and_one_stationing_per_supervisor_name_without_spaces(tmp_path, db):
    first = write_xlsx(tmp_path / "派驻记录_上半年.xlsx", {"派驻": [
        ["文登区驻点派驻记录"],
        STATIONING_HEADER,
        ["王 强", "威海（文登）精细化工有限公司", None, "文登区应急局", "2026-01-05", None, "2025-12-20", None, None, None],
        ["李明", None, CODE_B, "荣成市应急局", "2026年2月1日", "2026-08-01", "2026-02-10", "2026-08-03", "周涛",
         "在整改隐患 3 项"],  # trained after arriving: late, not impossible; handed over after leaving: loaded
        ["周涛", None, CODE_B, "荣成市应急局", "2026-07-25", None, "2026-07-20", None, None, None],  # overlaps 李明
        ["赵刚", None, CODE_A, "文登区应急局", "2026-03-01", "2026-02-28", None, None, None, None],
        ["孙丽", None, CODE_A, "文登区应急局", "2026-03-01", None, None, "2026-02-27", "王强", None],
        ["钱伟", "不存在的化工公司", None, "文登区应急局", "2026-03-01", None, None, None, None, None],
        ["吴军", None, CODE_D, "文登区应急局", "2026-03-01", None, None, None, None, None],  # valid code, not on the roster
        [None, None, CODE_A, "文登区应急局", "2026-03-01", None, None, None, None, None],
        ["备注：撤离日期不填表示仍在驻点"],
    ]})
    [result] = load(db, first)
    assert (result.template, result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_skipped) == \
        ("驻点派驻记录", 9, 3, 5, 1)
    assert [(row, column, reason) for row, column, _, reason in quarantined(db, "派驻记录_上半年.xlsx")] == [
        (6, "撤离日期", "撤离日期（2026-02-28）早于进驻日期（2026-03-01）"),
        (7, "交接日期", "交接日期（2026-02-27）早于进驻日期（2026-03-01）：交接日期是本人离任时向接任人员交接的日期"),
        (8, "企业名称", "企业名称在企业名册中找不到：请核对名称，或填写统一社会信用代码"),
        (9, "统一社会信用代码", "该统一社会信用代码不在企业名册中：请核对代码，或先报送包含该企业的企业名册"),
        (10, "驻点人员*", "必填项为空"),
    ]
    # The same stationing sent again with the name written without its space supersedes, it does not double.
    second = write_csv(tmp_path / "派驻记录_更正.csv", [
        STATIONING_HEADER,
        ["王强", "", CODE_A, "文登区应急局", "2026-01-05", "2026-07-05", "2025-12-20", "2026-07-05", "孙丽", "台账移交"],
    ])
    load(db, second)
    assert query(db, "SELECT supervisor, supervisor_name, credit_code, stationed_on, withdrawn_on, handed_to "
                     "FROM stationing_records_current ORDER BY stationed_on") == [
        ("王强", "王强", CODE_A, dt.date(2026, 1, 5), dt.date(2026, 7, 5), "孙丽"),
        ("李明", "李明", CODE_B, dt.date(2026, 2, 1), dt.date(2026, 8, 1), "周涛"),
        ("周涛", "周涛", CODE_B, dt.date(2026, 7, 25), None, None),
    ]
    assert query(db, "SELECT count(*) FROM stationing_records") == [(4,)]  # the earlier version is kept


# --- 智能化改造台账 ------------------------------------------------------------------------------------

def test_retrofit_projects_recognised_validated_and_superseded_per_project(tmp_path, db):
    header = ["企业名称*", "统一社会信用代码", "智能化诊断日期", "一企一策方案日期", "项目名称*", "改造类型",
              "计划完成日期*", "实际完成日期", "投资金额（万元）", "减少危险岗位人数"]
    first = write_xlsx(tmp_path / "改造台账.xlsx", {
        "填表说明": [["每个改造项目填一行"]],
        "台账": [
            ["威海市智能化改造（一企一策）台账"], ["填报单位：文登区"], header,
            ["威海(文登)精细化工有限公司", None, "2026-03-01", "2026-04-15", "投料机器换人", "机器换人", "2026-09-30", None,
             "１２０.5", "3"],
            # completed before its diagnosis: a project already under way, taken into the plan; loaded
            [None, CODE_B, "2026-05-01", "2026-06-01", "DCS 改造", "智能化改造", "2026-12-31", "2026-04-20", 80, 0],
            [None, CODE_A, None, None, "包装线", "数字化", "2026-10-31", None, -5, None],
            [None, CODE_A, None, None, "无期限项目", None, None, None, None, "两人"],
        ]})
    [result] = load(db, first)
    assert (result.template, result.sheets, result.rows_read, result.rows_loaded, result.rows_quarantined) == \
        ("智能化改造台账", ["台账"], 4, 2, 2)
    assert [(row, column, reason) for row, column, _, reason in quarantined(db, "改造台账.xlsx")] == [
        (6, "投资金额（万元）", "不能小于 0"),
        (6, "改造类型", "不是允许的取值，应为：机器换人、自动化减人、智能化改造、其他"),
        (7, "减少危险岗位人数", "应填写整数"),
        (7, "计划完成日期*", "必填项为空"),
    ]
    later = write_csv(tmp_path / "改造台账_10月.csv", [
        ["统一社会信用代码", "项目名称", "计划完成日期", "实际完成日期", "投资金额"],
        [CODE_A, "投料机器换人", "2026-09-30", "2026-10-08", "118"],
    ])
    load(db, later)
    assert query(db, "SELECT credit_code, project_name, diagnosed_on, plan_on, retrofit_type, planned_on, completed_on, "
                     "investment, posts_reduced FROM retrofit_projects_current ORDER BY project_name") == [
        (CODE_B, "DCS 改造", dt.date(2026, 5, 1), dt.date(2026, 6, 1), "智能化改造", dt.date(2026, 12, 31),
         dt.date(2026, 4, 20), 80.0, 0),
        (CODE_A, "投料机器换人", None, None, None, dt.date(2026, 9, 30), dt.date(2026, 10, 8), 118.0, None),
    ]


# --- loading twice; the command line ------------------------------------------------------------------

def new_template_files(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    return [
        write_xlsx(folder / "派驻.xlsx", {"派驻": [
            STATIONING_HEADER,
            ["王强", None, CODE_A, "文登区应急局", "2026-01-05", None, None, None, None, None],
            ["赵刚", None, CODE_A, "文登区应急局", "2026-03-01", "2026-02-01", None, None, None, None]]}),
        write_csv(folder / "改造.csv", [
            ["统一社会信用代码", "项目名称", "计划完成日期"], [CODE_A, "投料机器换人", "2026-09-30"], ["合计", "", ""]]),
        write_xlsx(folder / "台账.xlsx", {"台账": [
            LEDGER_HEADER + LEDGER_NEW,
            ["YH-1", CODE_A, "2026-07-01", "设备设施", "一般隐患", "泵体泄漏", "2026-07-20", "整改中", None, "住建局",
             None, None, "2026-07-02", None, "无"]]}),
    ]


def test_loading_the_new_templates_twice_changes_nothing(tmp_path, db):
    files = new_template_files(tmp_path / "in")
    first = load(db, *files)
    assert [(r.template, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped) for r in first] == [
        ("隐患台账", "loaded", 1, 1, 0, 0), ("驻点派驻记录", "loaded", 2, 1, 1, 0), ("智能化改造台账", "loaded", 2, 1, 0, 1)]
    tables = ("hazards", "stationing_records", "retrofit_projects", "quarantine", "batches")
    before = {t: query(db, f"SELECT * EXCLUDE (batch_id) FROM {t}" if t != "batches" else "SELECT count(*) FROM batches")
              for t in tables}
    again = load(db, *files)
    assert [r.status for r in again] == ["duplicate"] * 3
    assert {t: query(db, f"SELECT * EXCLUDE (batch_id) FROM {t}" if t != "batches" else "SELECT count(*) FROM batches")
            for t in tables} == before


def test_etl_load_on_the_command_line_reports_the_new_templates(tmp_path, db, capsys):
    new_template_files(tmp_path / "in")
    code, out, err = run_main(etl_main, capsys, "load", tmp_path / "in", "--db", db)
    assert code == 0, err
    assert "共 3 个文件：读取 5 行 = 加载 3 + 隔离 1 + 跳过（空行/说明行）1。" in out
    code, out, _ = run_main(etl_main, capsys, "quarantine", "--db", db, "--format", "csv")
    assert "派驻.xlsx,派驻,3,撤离日期,2026-02-01,撤离日期（2026-02-01）早于进驻日期（2026-03-01）" in out


# --- a schema-3 warehouse is upgraded in place ---------------------------------------------------------

# The three tables revision 2 changed, exactly as schema 3 created them; the others are unchanged since.
SCHEMA_3_CHANGED = """
CREATE TABLE enterprises (enterprise_name VARCHAR, credit_code VARCHAR, district VARCHAR, industry VARCHAR,
  employees INTEGER, supervisor VARCHAR, dispatch_unit VARCHAR, stationed_on DATE, status VARCHAR,
  name_norm VARCHAR NOT NULL, batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
  source_row INTEGER NOT NULL);
CREATE TABLE hazards (hazard_id VARCHAR, enterprise_name VARCHAR, credit_code VARCHAR, district VARCHAR, found_on DATE,
  method VARCHAR, category VARCHAR, level VARCHAR, description VARCHAR, measure VARCHAR, owner VARCHAR, deadline DATE,
  rectified_on DATE, status VARCHAR, closed_on DATE, acceptor VARCHAR, reported_on DATE, transferred_to VARCHAR,
  batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL, source_row INTEGER NOT NULL);
CREATE TABLE checklists (enterprise_name VARCHAR, credit_code VARCHAR, quarter VARCHAR, responsibility BOOLEAN,
  org_sound BOOLEAN, director BOOLEAN, rules_required INTEGER, rules_built INTEGER, rewards_due INTEGER,
  rewards_paid INTEGER, batch_id INTEGER NOT NULL, source_file VARCHAR NOT NULL, source_sheet VARCHAR NOT NULL,
  source_row INTEGER NOT NULL);
"""
SCHEMA_3_ROWS = f"""
INSERT INTO batches VALUES
  (1, 'r.xlsx', '/in/r.xlsx', 'h1', '企业名册', '名册', 1, 1, 0, 0, TIMESTAMP '2026-10-01 09:00:00', '命令行', NULL, NULL),
  (2, 'h.xlsx', '/in/h.xlsx', 'h2', '隐患台账', '台账', 2, 2, 0, 0, TIMESTAMP '2026-10-02 09:00:00', '命令行', NULL, NULL),
  (3, 'c.xlsx', '/in/c.xlsx', 'h3', '季度检查表', '表', 3, 3, 0, 0, TIMESTAMP '2026-10-03 09:00:00', '命令行', NULL, NULL);
INSERT INTO enterprises VALUES ('威海（文登）精细化工有限公司', '{CODE_A}', '文登区', '化学原料', 120, '王强', '文登区应急局',
  DATE '2026-01-05', '正常生产', '威海(文登)精细化工有限公司', 1, 'r.xlsx', '名册', 2);
INSERT INTO hazards VALUES
  ('YH-1', NULL, '{CODE_A}', '文登区', DATE '2026-07-01', NULL, '设备设施', '重大隐患', '泵体泄漏', NULL, NULL,
   DATE '2026-07-20', NULL, '整改中', NULL, NULL, DATE '2026-07-01', '住建局', 2, 'h.xlsx', '台账', 2),
  ('YH-1', NULL, '{CODE_A}', '文登区', DATE '2026-07-01', NULL, '设备设施', '重大隐患', '泵体泄漏', NULL, NULL,
   DATE '2026-07-20', DATE '2026-07-18', '已整改', NULL, NULL, DATE '2026-07-01', '住建局', 2, 'h.xlsx', '台账', 3);
INSERT INTO checklists VALUES
  (NULL, '{CODE_A}', '2026Q1', true, true, true, 10, 10, NULL, NULL, 3, 'c.xlsx', '表', 2),
  (NULL, '{CODE_A}', '2026Q2', true, true, false, 10, 9, 1, 1, 3, 'c.xlsx', '表', 3),
  (NULL, '{CODE_A}', '2026Q3', true, false, NULL, 10, 8, NULL, NULL, 3, 'c.xlsx', '表', 4);
INSERT INTO meta VALUES ('schema_version', '3');
"""
# two logs of 王强 (one written with a space) at A in 2026Q3, once work_logs exists
SCHEMA_3_LOGS = f"""
INSERT INTO work_logs BY NAME SELECT * FROM (VALUES
  (DATE '2026-07-02', '王强', '{CODE_A}', 1, 'l.csv', 'l', 2), (DATE '2026-07-03', '王 强', '{CODE_A}', 1, 'l.csv', 'l', 3))
  AS v(log_date, supervisor, credit_code, batch_id, source_file, source_sheet, source_row);
"""


def schema_3_warehouse(path: Path) -> Path:
    """A warehouse as schema 3 left it: old columns and types, no 驻点派驻记录 or 智能化改造台账 tables."""
    with duckdb.connect(str(path)) as con:
        con.execute(BOOKKEEPING_DDL)
        con.execute(SCHEMA_3_CHANGED)
        for name in ("staff", "training", "drills", "work_logs"):
            con.execute(_table_ddl(BY_NAME[name]))
        con.execute(SCHEMA_3_ROWS)
        con.execute(SCHEMA_3_LOGS)
        for table, key in (("enterprises", "credit_code"), ("staff", "credit_code, person_id"),
                           ("hazards", "credit_code, hazard_id"), ("checklists", "credit_code, quarter")):
            con.execute(f"CREATE TABLE {table}_current AS SELECT * FROM {table} "
                        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY batch_id DESC, source_row DESC) = 1")
        con.execute("CREATE VIEW enterprises_in_scope AS SELECT * FROM enterprises_current WHERE status <> '关闭'")
    return path


def assert_upgraded(db: Path) -> None:
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(SCHEMA_VERSION,)] == [("5",)]
    assert query(db, "SELECT count(*) FROM batches") == [(3,)]
    hazards = column_types(db, "hazards")
    assert {c: hazards[c] for c in ("report_unit", "enforcement_case", "transferred_on", "transfer_closed_on",
                                    "supervision_level")} == {
        "report_unit": "VARCHAR", "enforcement_case": "VARCHAR", "transferred_on": "DATE",
        "transfer_closed_on": "DATE", "supervision_level": "VARCHAR"}
    assert query(db, "SELECT source_row, status, rectified_on, transferred_to, report_unit, transferred_on, "
                     "supervision_level FROM hazards ORDER BY source_row") == [
        (2, "整改中", None, "住建局", None, None, None), (3, "已整改", dt.date(2026, 7, 18), "住建局", None, None, None)]
    assert query(db, "SELECT hazard_id, status, transfer_closed_on FROM hazards_current") == [("YH-1", "已整改", None)]
    assert column_types(db, "checklists")["director"] == column_types(db, "checklists_current")["director"] == "VARCHAR"
    assert query(db, "SELECT quarter, responsibility, org_sound, director, rules_built FROM checklists_current "
                     "ORDER BY quarter") == [
        ("2026Q1", True, True, "是", 10), ("2026Q2", True, True, "否", 9), ("2026Q3", True, False, None, 8)]
    for table in ("stationing_records", "stationing_records_current", "retrofit_projects", "retrofit_projects_current"):
        assert query(db, f"SELECT count(*) FROM {table}") == [(0,)]
    # 2 and 3 July are days 1 and 2 of 2026Q3: bits 1 and 2
    assert query(db, "SELECT credit_code, supervisor_name, quarter_start, days FROM work_log_days") == [
        (CODE_A, "王强", dt.date(2026, 7, 1), 0b110)]
    assert query(db, "SELECT credit_code, employees FROM enterprises_in_scope") == [(CODE_A, 120)]


def test_a_schema_3_warehouse_is_upgraded_when_a_reader_opens_it(tmp_path):
    db = schema_3_warehouse(tmp_path / "old.duckdb")
    con = open_reader(db)
    try:
        assert con.execute("SELECT director FROM checklists_current ORDER BY quarter").fetchall() == [
            ("是",), ("否",), (None,)]
    finally:
        con.close()
    assert_upgraded(db)


def test_a_reader_never_waits_for_a_writer_to_upgrade(tmp_path):
    db = schema_3_warehouse(tmp_path / "old.duckdb")
    with write_lock(db):  # a load is under way: it will publish the current schema itself
        con = open_reader(db)
        try:
            assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("3",)]
        finally:
            con.close()
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [("3",)]


def test_a_schema_4_warehouse_read_as_it_is_still_counts_the_logged_days(tmp_path):
    db = tmp_path / "w.duckdb"
    load(db, write_xlsx(tmp_path / "roster.xlsx", {"名册": roster_rows()}),
         write_csv(tmp_path / "日志.csv", [
             ["日期", "驻点人员", "统一社会信用代码", "工作内容", "特殊作业类型", "特殊作业数", "现场监督数"],
             ["2026-07-01", "王强", CODE_A, "巡查", "", 0, 0], ["2026-07-02", "王 强", CODE_A, "巡查", "", 0, 0]]))
    with duckdb.connect(str(db)) as con:  # as schema 4 left it: the logged days were not folded into a table
        con.execute("DROP TABLE work_log_days")
        con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with write_lock(db):  # a load is under way: the reader reads the warehouse as it is
        con = open_reader(db)
        try:
            assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("4",)]
            frame = api.report(con, "2026Q3", by="district", as_of="2026-07-10", indicators=["log_fill"])
        finally:
            con.close()
    # 王强 at A (文登区): 1 and 2 July logged of the 8 working days of 1–10 July
    assert [(int(r.numerator), int(r.denominator)) for r in frame.itertuples() if r.group == "文登区"] == [(2, 8)]
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [("4",)]


def test_a_schema_3_warehouse_is_upgraded_by_the_next_load_which_then_uses_the_new_columns(tmp_path):
    db = schema_3_warehouse(tmp_path / "old.duckdb")
    ledger = write_xlsx(tmp_path / "台账_10月.xlsx", {"台账": [
        LEDGER_HEADER + LEDGER_NEW,
        ["YH-2", CODE_A, "2026-09-01", "现场作业", "重大隐患", "动火未审批", "2026-09-10", "整改中", "2026-09-01",
         "住建局", "文登区应急管理局", None, "2026-09-02", "2026-09-20", "区市级挂牌督办"]]})
    checklist = write_xlsx(tmp_path / "检查表_四季度.xlsx", {"表": [
        CHECKLIST_HEADER, [CODE_A, "2026Q4", "是", "是", "不适用", 10, 10]]})
    results = load(db, ledger, checklist)
    assert [(r.status, r.rows_loaded) for r in results] == [("loaded", 1), ("loaded", 1)]
    hazards = query(db, "SELECT hazard_id, report_unit, transfer_closed_on, supervision_level "
                        "FROM hazards_current ORDER BY hazard_id")
    assert hazards == [("YH-1", None, None, None),
                       ("YH-2", "文登区应急管理局", dt.date(2026, 9, 20), "区市级挂牌督办")]
    assert query(db, "SELECT quarter, director FROM checklists_current ORDER BY quarter") == [
        ("2026Q1", "是"), ("2026Q2", "否"), ("2026Q3", None), ("2026Q4", "不适用")]
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [("5",)]


# --- blank templates ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def blanks(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("blank")
    return {p.name.split("_")[0]: p for p in write_blank_templates("all", folder)}


def drop_downs(sheet) -> dict[str, str]:
    found = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type == "list":
            for cell_range in validation.sqref.ranges:
                found[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation.formula1
    return found


def instructions(path: Path) -> dict[str, tuple]:
    rows = openpyxl.load_workbook(path)["填表说明"].iter_rows(values_only=True)
    return {row[0]: row for row in rows if row[0]}


def test_blank_stationing_and_retrofit_templates_with_their_instructions(blanks):
    stationing = openpyxl.load_workbook(blanks["驻点派驻记录"])
    assert stationing.sheetnames == ["驻点派驻记录", "填表说明"]
    assert [c.value for c in stationing["驻点派驻记录"][1]] == [
        "驻点人员*", "企业名称", "统一社会信用代码", "派出单位", "进驻日期*", "撤离日期", "岗前培训日期", "交接日期", "交接人",
        "交接事项"]
    notes = instructions(blanks["驻点派驻记录"])
    assert notes["驻点人员"][1:4] == ("必填", "文字", "驻点监督人员")
    assert "不得早于进驻日期" in notes["撤离日期"][4] and "不得早于进驻日期" in notes["交接日期"][4]
    assert any(str(k).startswith("7. 按“驻点人员、统一社会信用代码、进驻日期”识别同一条记录") for k in notes)
    assert "8. 识别同一条记录时，驻点人员中的空格不计（“王 强”与“王强”是同一人）。" in notes

    retrofit = openpyxl.load_workbook(blanks["智能化改造台账"])
    sheet = retrofit["智能化改造台账"]
    assert [c.value for c in sheet[1]] == [
        "企业名称", "统一社会信用代码", "诊断日期", "方案日期", "项目名称*", "改造类型", "计划完成日期*", "实际完成日期",
        "投资金额（万元）", "减少危险岗位人数"]
    assert drop_downs(sheet) == {"F": '"机器换人,自动化减人,智能化改造,其他"'}
    notes = instructions(blanks["智能化改造台账"])
    assert notes["方案日期"][3] == "一企一策方案日期、方案编制日期"
    assert notes["投资金额（万元）"][2] == "数字；不小于 0"


def test_blank_hazard_ledger_has_the_new_columns_and_the_checklist_offers_not_applicable(blanks):
    ledger = openpyxl.load_workbook(blanks["隐患台账"])["隐患台账"]
    header = [c.value for c in ledger[1]]
    assert header[-5:] == ["上报单位", "执法立案情况", "移交日期", "移交办结日期", "督办级别"]
    assert drop_downs(ledger)["W"] == '"市级挂牌督办,区市级挂牌督办,无"'  # 督办级别 is the 23rd column
    notes = instructions(blanks["隐患台账"])
    assert notes["移交办结日期"][3] == "移交回复日期、办结日期" and "不得早于移交日期" in notes["移交办结日期"][4]

    checklist = openpyxl.load_workbook(blanks["季度检查表"])["季度检查表"]
    assert drop_downs(checklist)["F"] == '"是,否,不适用"'
    director = instructions(blanks["季度检查表"])["安全总监配备"]
    assert director[1] == "必填"
    assert director[2] == ("是 / 否 / 不适用（是、否 也可填 √/×、Y/N、有/无、已/未；不适用 也可填 无需配备、无须配备、不需配备、"
                           "不须配备、无需、无须、不需要、不涉及、N/A、NA；单独的“-”“/”不作为不适用）")


def test_filled_blank_templates_of_the_new_kinds_load(tmp_path, db, blanks):
    stationing = openpyxl.load_workbook(blanks["驻点派驻记录"])
    stationing["驻点派驻记录"].append(["王强", None, CODE_A, "文登区应急局", "2026/1/5"])
    stationing.save(tmp_path / "filled_stationing.xlsx")
    retrofit = openpyxl.load_workbook(blanks["智能化改造台账"])
    retrofit["智能化改造台账"].append([None, CODE_A, None, None, "投料机器换人", "机器换人", "2026.9.30", None, 50, 2])
    retrofit.save(tmp_path / "filled_retrofit.xlsx")
    results = load(db, tmp_path / "filled_stationing.xlsx", tmp_path / "filled_retrofit.xlsx")
    assert [(r.template, r.sheets, r.rows_loaded, r.rows_quarantined) for r in results] == [
        ("驻点派驻记录", ["驻点派驻记录"], 1, 0), ("智能化改造台账", ["智能化改造台账"], 1, 0)]


# --- the dashboard's import page --------------------------------------------------------------------------

def test_the_import_page_loads_the_new_templates_and_returns_their_bad_rows(tmp_path, roster_warehouse):
    from streamlit.testing.v1 import AppTest

    from access.users import User

    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=120)
    app.session_state["_user"] = User("city_clerk", "市化工办 录入员", "市级", None)
    app.run()
    app.switch_page("pages/data_import.py").run()
    files = new_template_files(tmp_path / "in")
    app.file_uploader(key="uploads").set_value(
        [(p.name, p.read_bytes(), "text/csv" if p.suffix == ".csv" else
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") for p in files]).run()
    next(b for b in app.button if b.label == "开始导入").click().run()
    assert not app.exception, [e.value for e in app.exception]
    result = next(d.value for d in app.dataframe if "说明" in d.value.columns).set_index("文件")
    assert result.loc[["派驻.xlsx", "改造.csv", "台账.xlsx"], ["模板", "读取行", "入库行", "隔离行", "跳过行"]].values.tolist() == [
        ["驻点派驻记录", 2, 1, 1, 0], ["智能化改造台账", 2, 1, 0, 1], ["隐患台账", 1, 1, 0, 0]]
    workbook = openpyxl.load_workbook(io.BytesIO(app.session_state["resend_workbook"]))
    rows = [[c.value for c in row] for row in workbook["驻点派驻记录"].iter_rows()]
    assert rows[1][rows[0].index("问题说明")] == "撤离日期：撤离日期（2026-02-01）早于进驻日期（2026-03-01）"
    assert rows[1][rows[0].index("驻点人员*")] == "赵刚"
