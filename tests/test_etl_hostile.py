"""Hostile files and the import budgets.

Each attack on the parser is replayed in a child process (`python -m etl load`, its
address space capped): a regression aborts the child, as it once aborted the whole
dashboard, not the test run. The child must exit 1 with the Chinese reason, and the
good file sent with the hostile one must still load.
"""
from __future__ import annotations

import sys
import resource
import os
import io
import shutil
import subprocess
import threading
from pathlib import Path

import duckdb
import openpyxl

import etl.load as load
from warehouse import store
from etl.limits import Limits
from etl.load import load_paths
from etl.resend import resend_workbook
from warehouse.store import open_reader
from etl.uploads import display_name, load_uploads
from tests import hostile_files as hostile
from tests.filemaker import CODE_A, CODE_B, CODE_C, CODE_D, CODE_E, ROSTER_HEADER, roster_rows, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
MEMORY_CAP = 6 << 30  # far above a load within the budgets, far below what the attacks ask for
CORRUPT = "文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。"


def config_with(tmp_path: Path, **values) -> Path:
    """A copy of config/ whose settings.toml changes some [import] budgets."""
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    lines = ["[import]", *(f"{key} = {value}" for key, value in values.items())]
    (folder / "settings.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def load_in_child(tmp_path: Path, hostile_file: Path, config: Path | None = None) -> subprocess.CompletedProcess:
    good = write_xlsx(tmp_path / "good.xlsx", {"名册": roster_rows()})
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if config:
        env["WEIHAI_CONFIG_DIR"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "etl", "load", str(hostile_file), str(good), "--db", str(tmp_path / "w.duckdb")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, preexec_fn=_cap_memory)


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def rejected_in_child(tmp_path: Path, hostile_file: Path, config: Path | None = None) -> str:
    """Load the hostile file beside a good one in a child; returns the recorded reason."""
    done = load_in_child(tmp_path, hostile_file, config)
    assert done.returncode == 1, (done.returncode, done.stderr[-3000:])
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        [(name, reason)] = con.execute("SELECT file_name, reason FROM rejected_files").fetchall()
        assert con.execute("SELECT count(*) FROM enterprises").fetchone() == (3,)
    finally:
        con.close()
    assert name == hostile_file.name
    assert reason in done.stderr
    return reason


FAR_CELL = ("工作表“名册”的已用区域为 200,000 行 × 16,384 列（到 XFD200000 单元格，共 3,276,800,000 个单元格），"
            "超过单个文件 2,000,000 个单元格的上限（设置 import.max_cells）。若表格外远处有误填或带格式的单元格，"
            "请删除数据区域以外多余的行和列后另存；数据确实这么多时，请将数据拆分为几个文件后分别发送。")


# Item 11: a sheet's used range ----------------------------------------------------------------------

def test_far_cell_xlsx_is_refused_before_calamine_allocates_it(tmp_path):
    path = hostile.far_cell_xlsx(tmp_path / "far.xlsx")
    assert path.stat().st_size < 4096  # 2 KB that asked calamine for 100 GB
    assert rejected_in_child(tmp_path, path) == FAR_CELL


def test_far_cell_behind_a_small_dimension_is_refused(tmp_path):
    path = hostile.far_cell_xlsx(tmp_path / "far.xlsx", dimension="A1:I4")
    assert rejected_in_child(tmp_path, path) == FAR_CELL


def test_far_cell_written_without_references_is_refused(tmp_path):
    path = hostile.far_cell_without_references_xlsx(tmp_path / "far.xlsx")
    assert rejected_in_child(tmp_path, path) == FAR_CELL


def test_a_large_dimension_alone_is_harmless(tmp_path):
    path = hostile.write_raw_xlsx(tmp_path / "dim.xlsx", {"名册": ('<dimension ref="A1:XFD1048576"/>', hostile.roster_body())})
    done = load_in_child(tmp_path, path)
    assert done.returncode == 0, done.stderr[-3000:]


def test_shared_string_table_announcing_billions_is_refused(tmp_path):
    path = hostile.shared_strings_count_xlsx(tmp_path / "sst.xlsx")
    assert rejected_in_child(tmp_path, path) == (
        "工作簿的内部结构异常（共享字符串表声明了 4,000,000,000 个字符串），为安全起见不予读取。"
        "请在 Excel/WPS 中打开后另存为 .xlsx 再发送。")


def test_one_shared_string_copied_into_many_cells_is_refused(tmp_path):
    path = hostile.shared_string_copies_xlsx(tmp_path / "copies.xlsx")
    assert path.stat().st_size < 16 * 1024  # 1,000 cells × a 1-million-character string: 3 GB once copied
    assert rejected_in_child(tmp_path, path) == (
        f"工作簿中各单元格引用的文字合计超过 {Limits.from_settings().unpacked_mb} MB 的上限（设置 import.max_unpacked_mb），"
        "为防止耗尽内存不予读取。请将数据拆分为几个文件后分别发送。")


def test_workbook_listing_a_thousand_sheets_of_one_part_is_refused(tmp_path):
    path = hostile.many_sheets_xlsx(tmp_path / "sheets.xlsx", sheets=1001)
    assert rejected_in_child(tmp_path, path) == (
        "工作簿的内部结构异常（部件 xl/workbook.xml 中有 1,001 个 sheet 元素），为安全起见不予读取。"
        "请在 Excel/WPS 中打开后另存为 .xlsx 再发送。")


def test_sheets_sharing_one_part_are_added_up(tmp_path, monkeypatch):
    path = hostile.many_sheets_xlsx(tmp_path / "sheets.xlsx", sheets=3)  # 3 sheets × 4 rows × 9 columns
    small_limits(monkeypatch, max_cells=100)
    [result] = load_paths([path], tmp_path / "w.duckdb")
    assert result.message == (
        "工作表“名册3”的已用区域为 4 行 × 9 列（到 I4 单元格，共 36 个单元格），超过单个文件 100 个单元格的上限（设置 import.max_cells）。"
        "若表格外远处有误填或带格式的单元格，请删除数据区域以外多余的行和列后另存；数据确实这么多时，请将数据拆分为几个文件后分别发送。")


def test_legacy_xls_cell_beyond_the_format_is_refused(tmp_path):
    path = hostile.far_cell_xls(tmp_path / "far.xls")
    assert rejected_in_child(tmp_path, path) == (
        "工作表“名册”的已用区域为 65,536 行 × 65,001 列（到 CRDA65536 单元格，共 4,259,905,536 个单元格），"
        "超过单个文件 2,000,000 个单元格的上限（设置 import.max_cells）。若表格外远处有误填或带格式的单元格，"
        "请删除数据区域以外多余的行和列后另存；数据确实这么多时，请将数据拆分为几个文件后分别发送。")


def test_legacy_xls_with_lying_dimensions_loads_its_real_cells(tmp_path):
    path = hostile.lying_dimensions_xls(tmp_path / "dims.xls")
    done = load_in_child(tmp_path, path)
    assert done.returncode == 0, done.stderr[-3000:]
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT file_name, rows_loaded FROM batches ORDER BY batch_id").fetchall() == [
        ("dims.xls", 3), ("good.xlsx", 3)]


def test_legacy_xls_with_a_looping_sector_chain_is_refused(tmp_path):
    path = hostile.looping_directory_xls(tmp_path / "loop.xls")
    assert rejected_in_child(tmp_path, path) == CORRUPT


# Item 12: budgets -----------------------------------------------------------------------------------

UNPACKED = ("工作簿解压后超过 8 MB 的上限（设置 import.max_unpacked_mb），为防止耗尽内存不予读取。"
            "请删除无关的工作表、图片和格式后另存；数据确实这么多时，请将数据拆分为几个文件后分别发送。")


def test_zip_bomb_is_refused_by_the_unpacked_budget(tmp_path):
    path = hostile.huge_xml_xlsx(tmp_path / "bomb.xlsx", xml_mb=20)
    assert path.stat().st_size < 2 * 1024 * 1024
    assert rejected_in_child(tmp_path, path, config_with(tmp_path, max_unpacked_mb=8)) == UNPACKED


def test_zip_entry_lying_about_its_size_is_refused_by_what_it_inflates_to(tmp_path):
    path = hostile.lying_size_xlsx(tmp_path / "lying.xlsx", xml_mb=20)
    assert rejected_in_child(tmp_path, path, config_with(tmp_path, max_unpacked_mb=8)) == UNPACKED


def test_huge_csv_is_refused_by_the_row_budget(tmp_path):
    path = hostile.huge_csv(tmp_path / "logs.csv", mb=2)
    assert rejected_in_child(tmp_path, path, config_with(tmp_path, max_rows=1000)) == (
        "文件的行数超过单个文件 1,000 行的上限（设置 import.max_rows）。"
        "若表格下方远处有误填或带格式的单元格，请删除数据以下多余的行后另存；数据确实这么多时，请将数据拆分为几个文件后分别发送。")


def test_csv_larger_than_the_byte_budget_is_refused_before_it_is_read(tmp_path):
    path = hostile.huge_csv(tmp_path / "logs.csv", mb=2)
    assert rejected_in_child(tmp_path, path, config_with(tmp_path, max_unpacked_mb=1)) == (
        f"文件大小 {path.stat().st_size / 1024 / 1024:.1f} MB，超过单个文件 1 MB 的上限（设置 import.max_unpacked_mb）。"
        "请将数据拆分为几个文件后分别发送。")


def test_csv_with_many_columns_in_one_row_is_refused_by_the_cell_budget(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(("企业名称,统一社会信用代码\n" + "," * 5000 + "\n" + "甲,乙\n" * 2000).encode("utf-8"))
    assert rejected_in_child(tmp_path, path, config_with(tmp_path, max_cells=100000)) == (
        "CSV 文件读到第 20 行时已有 20 行 × 5,001 列，超过单个文件 100,000 个单元格的上限（设置 import.max_cells）。"
        "若某一行的逗号特别多，请检查该行；数据确实这么多时，请将数据拆分为几个文件后分别发送。")


def small_limits(monkeypatch, **values) -> Limits:
    limits = Limits(**{**Limits.from_settings().__dict__, **values})
    monkeypatch.setattr(Limits, "from_settings", classmethod(lambda cls: limits))
    return limits


def test_budgets_are_inclusive(tmp_path, monkeypatch):
    roster = write_xlsx(tmp_path / "名册.xlsx", {"名册": roster_rows()})  # 4 rows × 9 columns
    small_limits(monkeypatch, max_rows=4, max_cells=36)
    assert [r.status for r in load_paths([roster], tmp_path / "a.duckdb")] == ["loaded"]
    small_limits(monkeypatch, max_rows=4, max_cells=35)
    [result] = load_paths([roster], tmp_path / "b.duckdb")
    assert result.status == "rejected" and "（设置 import.max_cells）" in result.message


def rosters(tmp_path: Path) -> list[Path]:
    codes = [CODE_A, CODE_B, CODE_C, CODE_D, CODE_E]
    return [write_xlsx(tmp_path / f"名册{n}.xlsx", {"名册": [ROSTER_HEADER, [f"第{n}化工有限公司", code, "文登区", "化工",
                                                                          10 + n, "王强", "应急局", "2026-01-05", "正常生产"]]})
            for n, code in enumerate(codes)]


def three_rosters_one_bad_row(tmp_path: Path) -> list[Path]:
    """名册1: one enterprise; 名册2: one enterprise and a row whose code is wrong; 名册3: two enterprises."""
    def row(n, code):
        return [f"第{n}化工有限公司", code, "文登区", "化工", 10 + n, "王强", "应急局", "2026-01-05", "正常生产"]
    return [write_xlsx(tmp_path / "名册1.xlsx", {"名册": [ROSTER_HEADER, row(1, CODE_A)]}),
            write_xlsx(tmp_path / "名册2.xlsx", {"名册": [ROSTER_HEADER, row(2, CODE_B), row(9, "123")]}),
            write_xlsx(tmp_path / "名册3.xlsx", {"名册": [ROSTER_HEADER, row(3, CODE_C), row(4, CODE_D)]})]


def written(db: Path) -> tuple[list, list, list]:
    with open_reader(db) as con:
        return (con.execute("SELECT batch_id, source_file, source_row, credit_code, employees FROM enterprises "
                            "ORDER BY rowid").fetchall(),
                con.execute('SELECT batch_id, file_name, "row", "column", value FROM quarantine').fetchall(),
                con.execute("SELECT batch_id, file_name, rows_read, rows_loaded, rows_quarantined, loaded_by "
                            "FROM batches ORDER BY batch_id").fetchall())


THREE_ROSTERS_WRITTEN = (
    [(1, "名册1.xlsx", 2, CODE_A, 11), (2, "名册2.xlsx", 2, CODE_B, 12),
     (3, "名册3.xlsx", 2, CODE_C, 13), (3, "名册3.xlsx", 3, CODE_D, 14)],
    [(2, "名册2.xlsx", 3, "统一社会信用代码", "123")],
    [(1, "名册1.xlsx", 1, 1, 0, "命令行"), (2, "名册2.xlsx", 2, 1, 1, "命令行"), (3, "名册3.xlsx", 2, 2, 0, "命令行")],
)


def test_the_files_of_one_template_are_written_each_as_its_own_batch(tmp_path):
    results = load_paths(three_rosters_one_bad_row(tmp_path), tmp_path / "w.duckdb")
    assert [(r.file_name, r.batch_id, r.status, r.message) for r in results] == [
        ("名册1.xlsx", 1, "loaded", "已加载"), ("名册2.xlsx", 2, "loaded", "已加载，1 行有问题已隔离"),
        ("名册3.xlsx", 3, "loaded", "已加载")]
    assert written(tmp_path / "w.duckdb") == THREE_ROSTERS_WRITTEN


def test_files_written_together_that_fail_midway_leave_nothing_and_are_written_one_by_one(tmp_path, monkeypatch):
    """The group's rows are inserted, then its batch records fail: none of its rows stays, and each file is
    written again on its own, so that every row is in the warehouse once."""
    real_now, calls = load._now, []

    def now():
        calls.append(1)
        return "不是时间" if len(calls) == 1 else real_now()

    monkeypatch.setattr(load, "_now", now)
    results = load_paths(three_rosters_one_bad_row(tmp_path), tmp_path / "w.duckdb")
    assert [(r.file_name, r.batch_id, r.status) for r in results] == [
        ("名册1.xlsx", 1, "loaded"), ("名册2.xlsx", 2, "loaded"), ("名册3.xlsx", 3, "loaded")]
    assert len(calls) == 4  # the group's one, then each file's
    assert written(tmp_path / "w.duckdb") == THREE_ROSTERS_WRITTEN


def test_files_of_one_template_are_validated_in_batches_within_the_cell_budget(tmp_path, monkeypatch):
    files = rosters(tmp_path)
    whole = load_paths(files, tmp_path / "whole.duckdb")
    staged = []
    real_validate = load._validate_group

    def validate(con, template, items, limits):
        staged.append(sum(item.cells for item in items))
        return real_validate(con, template, items, limits)

    monkeypatch.setattr(load, "_validate_group", validate)
    small_limits(monkeypatch, max_cells=40)  # each file is 2 rows × 9 columns = 18 cells
    batched = load_paths(files, tmp_path / "batched.duckdb")
    assert staged == [36, 36, 18]
    assert [(r.file_name, r.status, r.rows_loaded) for r in batched] == [(r.file_name, r.status, r.rows_loaded) for r in whole]

    def table(db):
        with open_reader(db) as con:
            return con.execute("SELECT credit_code, enterprise_name, employees, batch_id FROM enterprises ORDER BY 1").fetchall()
    assert table(tmp_path / "batched.duckdb") == table(tmp_path / "whole.duckdb")


def test_concurrent_loads_parse_one_after_the_other(tmp_path, monkeypatch):
    first, second = rosters(tmp_path)[:2]
    db = tmp_path / "w.duckdb"
    first_parsing, release_first, second_queued = threading.Event(), threading.Event(), threading.Event()
    order = []
    real_read, real_flock = load.read_file, store.fcntl.flock

    def read(path, limits=None):
        order.append(("start", path.name))
        if path == first:
            first_parsing.set()
            assert release_first.wait(60)
        sheets = real_read(path, limits)
        order.append(("end", path.name))
        return sheets

    def flock(handle, operation):
        try:
            return real_flock(handle, operation)
        except BlockingIOError:
            if threading.current_thread().name == "second":
                second_queued.set()
            raise

    monkeypatch.setattr(load, "read_file", read)
    monkeypatch.setattr(store.fcntl, "flock", flock)
    outcomes = {}
    threads = [threading.Thread(target=lambda n=name, p=path: outcomes.__setitem__(n, load_paths([p], db)), name=name)
               for name, path in (("first", first), ("second", second))]
    threads[0].start()
    assert first_parsing.wait(60)
    threads[1].start()
    assert second_queued.wait(60)  # the second load waits for the lock while the first is still parsing
    assert order == [("start", first.name)]
    release_first.set()
    for thread in threads:
        thread.join(120)
    assert order == [("start", first.name), ("end", first.name), ("start", second.name), ("end", second.name)]
    assert [r.status for r in outcomes["first"] + outcomes["second"]] == ["loaded", "loaded"]


# Item 13: a cell past the CSV field limit, a long file name, one bad file among good ones -----------

def test_csv_cell_longer_than_the_budget_is_refused_with_its_line(tmp_path):
    path = hostile.huge_cell_csv(tmp_path / "名册.csv", chars=200_000)  # past Python's own 131,072 too
    assert rejected_in_child(tmp_path, path) == (
        "第 2 行有一个单元格超过 32,767 个字符的上限（设置 import.max_cell_chars），"
        "通常是引号不配对，把后面许多行并进了一个单元格。请检查这一行的引号后再发送。")


def test_csv_cell_within_the_budget_loads(tmp_path):
    path = hostile.huge_cell_csv(tmp_path / "名册.csv", chars=32_000)
    [result] = load_paths([path], tmp_path / "w.duckdb")
    assert (result.status, result.rows_read) == ("loaded", 2)


def test_upload_named_longer_than_the_file_system_allows(tmp_path):
    name = "文登区" * 100 + "企业名册.csv"  # 918 bytes: more than a file name may have
    first, second = rosters(tmp_path)[:2]
    results = load_uploads([(name, first.read_bytes()), ("../../etc/名册.xlsx", second.read_bytes())],
                           tmp_path / "w.duckdb", user="市化工办 录入员")
    shown = display_name(name)
    assert shown == ("文登区" * 100)[:82] + "….csv" and len(shown.encode("utf-8")) == 253
    assert [(r.file_name, r.status) for r in results] == [(shown, "loaded"), ("名册.xlsx", "loaded")]
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT file_name FROM batches ORDER BY batch_id").fetchall() == [(shown,), ("名册.xlsx",)]


def test_an_upload_that_cannot_be_stored_does_not_stop_the_others(tmp_path, monkeypatch):
    first, second = rosters(tmp_path)[:2]
    real_write = Path.write_bytes

    def write_bytes(self, data):
        if self.name.startswith("0000"):
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    results = load_uploads([("甲.xlsx", first.read_bytes()), ("乙.xlsx", second.read_bytes())], tmp_path / "w.duckdb",
                           user="市化工办 录入员")
    assert [(r.file_name, r.status, r.message) for r in results] == [
        ("乙.xlsx", "loaded", "已加载"),
        ("甲.xlsx", "rejected", "文件无法暂存（No space left on device），未加载。请稍后重新上传。")]


def test_a_file_failing_unexpectedly_does_not_stop_the_others(tmp_path, monkeypatch):
    files = rosters(tmp_path)[:3]
    real_read = load.read_file

    def read(path, limits=None):
        if path == files[1]:
            raise RuntimeError("a bug in a reader")
        return real_read(path, limits)

    monkeypatch.setattr(load, "read_file", read)
    results = {r.file_name: r for r in load_paths(files, tmp_path / "w.duckdb")}
    assert [results[f.name].status for f in files] == ["loaded", "rejected", "loaded"]
    assert results[files[1].name].message == "处理文件时出错，文件未加载（RuntimeError）。请将此文件发给系统管理员。"


def test_a_file_failing_while_validated_is_set_apart_from_the_others(tmp_path, monkeypatch):
    files = rosters(tmp_path)[:3]
    real_stage = load._stage_sheet

    def stage(file_index, sheet_name, rows, match):
        if any(row and row[0] == "第1化工有限公司" for row in rows):
            raise ValueError("a bug in staging")
        return real_stage(file_index, sheet_name, rows, match)

    monkeypatch.setattr(load, "_stage_sheet", stage)
    results = {r.file_name: r for r in load_paths(files, tmp_path / "w.duckdb")}
    assert [results[f.name].status for f in files] == ["loaded", "rejected", "loaded"]
    assert results[files[1].name].message == "处理文件时出错，文件未加载（ValueError）。请将此文件发给系统管理员。"


# Item 15: the fix-and-resend workbook -----------------------------------------------------------------

def test_resend_workbook_neutralises_a_formula_in_a_header(tmp_path):
    roster = write_xlsx(tmp_path / "名册.xlsx", {"名册": roster_rows()})
    formula = '=HYPERLINK("http://example.invalid/steal","点此核对")'
    drills = write_csv(tmp_path / "演练.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数", formula],
        [CODE_B, "2026-07-02", "10", "12", "=1+1"]])
    results = load_paths([roster, drills], tmp_path / "w.duckdb")
    with open_reader(tmp_path / "w.duckdb") as con:
        data = resend_workbook(con, [r.batch_id for r in results if r.batch_id])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["演练记录"]
    header = [cell for cell in sheet[1]]
    extra = next(cell for cell in header if "HYPERLINK" in str(cell.value))
    assert (extra.value, extra.data_type) == ("'" + formula, "s")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.cell(row=2, column=extra.column).value == "'=1+1"
