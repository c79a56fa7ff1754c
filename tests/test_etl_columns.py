"""The load reads sheets as text columns: the same text, the same tables, and nothing left behind.

The reader turns calamine's cells into Arrow text columns (converting each distinct value once and
trimming whole columns in Arrow), reads files two at a time, and keeps the parsed files beyond the
memory budget in private files beside the warehouse. These tests hold that to the per-cell rules the
loader had (`_cell_text`, `str.strip`) and to a hand-built set whose every table is written out here.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import sys
import types
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import duckdb

from etl import load, parsed, readers
from etl.limits import Limits
from etl.load import load_paths
from etl.readers import WHITESPACE, Sheet, _cell_text, _text_column
from tests.filemaker import CODE_A, CODE_B, CODE_C, CODE_D, ROSTER_HEADER, write_csv, write_xlsx

CHECKLIST_HEADER = ["企业名称", "季度", "安全生产责任制落实", "安全管理机构健全", "安全总监配备", "应建规章制度数",
                    "已建规章制度数", "应发奖励笔数", "已发奖励笔数"]
DRILL_HEADER = ["统一社会信用代码", "演练日期", "演练名称", "演练类型", "应参加人数", "实际参加人数"]


def test_whitespace_is_what_str_strip_removes():
    assert WHITESPACE == "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())


def test_calamine_cells_become_the_text_each_cell_gave():
    """Every kind of value calamine hands over, in one column: each becomes the text `_cell_text` gives it."""
    edges = "".join(WHITESPACE)
    values = [
        None, "", "   ", f"{edges}甲 乙{edges}", "\x1c名册\x1f", "\u3000文登区\u3000", "plain",
        True, False, 1, 1.0, 0.0, -0.0, 2.5, 1e300, 123456789012345678, float("nan"), float("inf"),
        dt.datetime(2026, 7, 1), dt.datetime(2026, 7, 1, 8, 30), dt.datetime(2026, 7, 1, 8, 30, 0, 500),
        dt.date(2026, 2, 28), dt.time(9, 15), dt.timedelta(hours=36),
    ]
    expected = [
        None, None, None, "甲 乙", "名册", "文登区", "plain",
        "是", "否", "1", "1", "0", "0", "2.5", str(int(1e300)), "123456789012345678", "nan", "inf",
        "2026-07-01", "2026-07-01 08:30:00", "2026-07-01 08:30:00.000500",
        "2026-02-28", "09:15:00", "1 day, 12:00:00",
    ]
    assert [_cell_text(v) for v in values] == expected
    assert _text_column(values).to_pylist() == expected
    # Text and numbers only: each distinct value is converted once and looked up.
    numbers = ["12", 12.0, " 12 ", 0.5, "", 12.0, "a\tb"]
    assert _text_column(numbers).to_pylist() == ["12", "12", "12", "0.5", None, "12", "a\tb"]
    assert math.isnan(float(_text_column([float("nan")]).to_pylist()[0]))


def test_a_csv_with_ragged_lines_keeps_each_lines_length():
    sheet = Sheet.from_rows("x", [["标题", "", "", "", "", "宽"], ["企业名称", " a "], ["甲", "\u3000", "c"], []])
    assert (sheet.height, sheet.cells) == (4, 24)
    assert sheet.rows == [["标题", None, None, None, None, "宽"], ["企业名称", "a"], ["甲", None, "c"], []]
    assert sheet.head(2) == sheet.rows[:2]
    assert (sheet.widest(1), sheet.widest(3), sheet.widest(4)) == (3, 0, 0)


def build_hand_set(folder: Path) -> list[Path]:
    """A roster, a checklist workbook and a drills CSV as clerks send them, typed cells and all."""
    roster = write_xlsx(folder / "名册.xlsx", {"名册": [
        ["文登区非危化品化工企业名册"],
        ROSTER_HEADER,
        ["  威海（文登）精细化工有限公司\u3000", CODE_A, "文登区", "化学原料", 120.0, "王强", "文登区应急局",
         dt.datetime(2026, 1, 5), "正常生产"],
        ["荣成市海达化工有限公司", CODE_B, "荣成", "涂料", "４５", "李 明", "荣成市应急局", "2026/8/15", "停产"],
        ["乳山市宏远化学有限公司", CODE_C, "乳山市", "胶粘剂", 30.0, "赵刚", "乳山市应急局",
         dt.datetime(2025, 12, 1, 8, 30), None],
        ["威海新材料有限公司", CODE_D, "环翠区", "合成材料", 30.5, None, None, None, "正常生产"],
        [],
        ["合计", None, None, None, 225.5],
    ]})
    checklists = write_xlsx(folder / "检查表.xlsx", {"说明": [["填表说明"], ["按季度填写"]], "2026年": [
        CHECKLIST_HEADER,
        ["威海(文登)精细化工有限公司", "2026Q2", True, False, "不适用", 20, 18.0, 1, 1.0],
        ["荣成市海达化工有限公司", "2026年第二季度", "是", "√", False, "２０", 21, None, None],
        ["乳山市宏远化学有限公司", "2026-Q2", "Y", "N", "有", 12, 12, 0, True],
        ["乳山市宏远化学有限公司", "2026年三季度", "已", "×", "无", 12, 11, None, None],
    ]})
    drills = write_csv(folder / "演练.csv", [
        ["2026年上半年应急演练记录", "", "", "", "", "", "", ""],
        DRILL_HEADER,
        [CODE_A, "2026.3.1", "火灾 爆炸 综合演练", "综合演练", "30", "28", ""],
        [CODE_B, "20260302", "泄漏处置", "专项演练", "10", "12"],
        [CODE_C, "46000", "桌面推演", "桌面推演", " 8 ", "8"],
        ["备注：以上为上半年演练"],
    ])
    broken = folder / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # the start of a zip, and nothing after it
    return [drills, checklists, broken, roster]


def table(db: Path, name: str, columns: str = "*", order: str = "1") -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT {columns} FROM {name} ORDER BY {order}").fetchall()
    finally:
        con.close()


def test_a_hand_built_set_loads_to_known_tables(tmp_path):
    files = build_hand_set(tmp_path)
    db = tmp_path / "w.duckdb"
    results = load_paths(files, db)
    assert [(r.file_name, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped)
            for r in results] == EXPECTED_RESULTS
    for name, (columns, order, rows) in EXPECTED_TABLES.items():
        assert table(db, name, columns, order) == rows, name


def test_sheets_beyond_the_memory_budget_wait_on_disk_and_nothing_is_left(tmp_path, monkeypatch):
    files = build_hand_set(tmp_path)
    whole = load_paths(files, tmp_path / "whole.duckdb")
    written = []
    real_write = load.Held._write

    def write(self, sheet):
        path = real_write(self, sheet)
        written.append((sheet.name, os.stat(path).st_mode & 0o777))
        return path

    monkeypatch.setattr(load.Held, "_write", write)
    # 90 cells: every file fits on its own. Files are read largest first: the checklist workbook (47 cells) is
    # held in memory, and then neither the roster (72 cells) nor the drills CSV (48 cells) fits beside it.
    limits = Limits(**{**Limits.from_settings().__dict__, "max_cells": 90})
    monkeypatch.setattr(Limits, "from_settings", classmethod(lambda cls: limits))
    folder = tmp_path / "spill"
    folder.mkdir()
    leftover = folder / ".w.duckdb.parsed-killedload.arrow"  # what a load killed midway leaves behind
    leftover.write_bytes(b"ARROW1")
    spilled = load_paths(files, folder / "w.duckdb")
    assert [(r.file_name, r.status, r.rows_loaded, r.rows_quarantined) for r in spilled] == \
        [(r.file_name, r.status, r.rows_loaded, r.rows_quarantined) for r in whole]
    assert sorted(written) == [("名册", 0o600), ("演练", 0o600)]
    assert sorted(p.name for p in folder.iterdir()) == ["w.duckdb", "w.duckdb.lock"]
    for name, (columns, order, _) in EXPECTED_TABLES.items():
        if name not in ("batches", "rejected_files"):
            assert table(folder / "w.duckdb", name, columns, order) == table(tmp_path / "whole.duckdb", name, columns,
                                                                              order), name


def test_a_full_disk_keeps_the_parsed_files_in_memory(tmp_path, monkeypatch):
    files = build_hand_set(tmp_path)
    limits = Limits(**{**Limits.from_settings().__dict__, "max_cells": 90})
    monkeypatch.setattr(Limits, "from_settings", classmethod(lambda cls: limits))

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(parsed.tempfile, "mkstemp", no_space)
    results = load_paths(files, tmp_path / "w.duckdb")
    assert [(r.file_name, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped)
            for r in results] == EXPECTED_RESULTS
    assert table(tmp_path / "w.duckdb", "checklists", "source_row, quarter, rules_built", "1") == [
        (2, "2026Q2", 18), (5, "2026Q3", 11)]


def test_files_read_side_by_side_give_what_one_at_a_time_gives(tmp_path, monkeypatch):
    files = build_hand_set(tmp_path)
    monkeypatch.setattr(load, "READERS", 1)
    one = load_paths(files, tmp_path / "one.duckdb")
    monkeypatch.setattr(load, "READERS", 2)
    two = load_paths(files, tmp_path / "two.duckdb")
    assert [(r.file_name, r.status, r.rows_loaded, r.message) for r in one] == \
        [(r.file_name, r.status, r.rows_loaded, r.message) for r in two]
    # Read largest first, and written in the order given all the same.
    assert sorted(files, key=lambda f: f.stat().st_size, reverse=True) != files
    assert table(tmp_path / "two.duckdb", "batches", "batch_id, file_name") == \
        [(1, "名册.xlsx"), (2, "演练.csv"), (3, "检查表.xlsx")]
    for name, (columns, order, _) in EXPECTED_TABLES.items():
        if name not in ("batches", "rejected_files"):
            assert table(tmp_path / "one.duckdb", name, columns, order) == \
                table(tmp_path / "two.duckdb", name, columns, order), name


def _counting_pools(monkeypatch) -> list[str]:
    kinds = []
    real_pool = load._reader_pool

    def pool(files):
        made = real_pool(files)
        kinds.append(type(made).__name__)
        return made

    monkeypatch.setattr(load, "_reader_pool", pool)
    return kinds


def test_files_read_in_processes_give_every_table_row_by_row(tmp_path, monkeypatch):
    files = build_hand_set(tmp_path)
    pools = _counting_pools(monkeypatch)
    monkeypatch.setattr(load, "PROCESSES_FROM_BYTES", 0)
    results = load_paths(files, tmp_path / "w.duckdb")
    assert pools == ["WorkerPool"]
    assert [(r.file_name, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped)
            for r in results] == EXPECTED_RESULTS
    for name, (columns, order, rows) in EXPECTED_TABLES.items():
        assert table(tmp_path / "w.duckdb", name, columns, order) == rows, name


def test_a_reader_process_does_not_run_the_main_script_again(tmp_path, monkeypatch):
    """In the dashboard the main module is the script Streamlit runs: a reader process must not run it again
    (multiprocessing's spawn would, as `__mp_main__`)."""
    ran = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"from pathlib import Path\nPath({str(ran)!r}).write_text('ran')\n", encoding="utf-8")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.setattr(load, "PROCESSES_FROM_BYTES", 0)
    (tmp_path / "files").mkdir()
    results = load_paths(build_hand_set(tmp_path / "files"), tmp_path / "w.duckdb")
    assert [(r.file_name, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped)
            for r in results] == EXPECTED_RESULTS
    assert not ran.exists()


def test_files_are_read_in_threads_when_no_process_can_start(tmp_path, monkeypatch, processes_cannot_start):
    monkeypatch.setattr(load, "PROCESSES_FROM_BYTES", 0)
    pools = _counting_pools(monkeypatch)
    results = load_paths(build_hand_set(tmp_path), tmp_path / "w.duckdb")
    assert pools == ["ThreadPoolExecutor"]
    assert [(r.file_name, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped)
            for r in results] == EXPECTED_RESULTS


def test_a_small_load_is_read_in_threads(tmp_path, monkeypatch):
    files = build_hand_set(tmp_path)
    assert sum(f.stat().st_size for f in files) < load.PROCESSES_FROM_BYTES
    pools = _counting_pools(monkeypatch)
    load_paths(files, tmp_path / "w.duckdb")
    assert pools == ["ThreadPoolExecutor"]


def _dies() -> None:
    os._exit(3)


def test_files_a_dead_reader_process_left_are_read_here(tmp_path, monkeypatch):
    """A reader process killed midway (out of memory, say): every file it had not handed back is read here."""
    files = build_hand_set(tmp_path)
    monkeypatch.setattr(load, "PROCESSES_FROM_BYTES", 0)
    real_pool = load._reader_pool

    def dying_pool(paths):
        pool = real_pool(paths)
        assert isinstance(pool.submit(_dies).exception(timeout=60), BrokenProcessPool)
        return pool

    monkeypatch.setattr(load, "_reader_pool", dying_pool)
    results = load_paths(files, tmp_path / "w.duckdb")
    assert [(r.file_name, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped)
            for r in results] == EXPECTED_RESULTS
    for name, (columns, order, rows) in EXPECTED_TABLES.items():
        assert table(tmp_path / "w.duckdb", name, columns, order) == rows, name


def test_the_reader_module_still_reads_every_format(tmp_path):
    files = build_hand_set(tmp_path)
    sheets = {path.name: readers.read_file(path) for path in files if path.name != "坏.xlsx"}
    assert [s.name for s in sheets["检查表.xlsx"]] == ["说明", "2026年"]
    assert sheets["名册.xlsx"][0].rows[2] == ["威海（文登）精细化工有限公司", CODE_A, "文登区", "化学原料", "120", "王强",
                                            "文登区应急局", "2026-01-05", "正常生产"]
    assert sheets["演练.csv"][0].rows[-1] == ["备注：以上为上半年演练"]


EXPECTED_RESULTS = [
    ('坏.xlsx', 'rejected', 0, 0, 0, 0),
    ('名册.xlsx', 'loaded', 6, 3, 1, 2),
    ('演练.csv', 'loaded', 4, 2, 1, 1),
    ('检查表.xlsx', 'loaded', 4, 2, 2, 0),
]
# table -> (columns, order, rows): every row of every table the set writes.
EXPECTED_TABLES = {
    'enterprises': ('enterprise_name, credit_code, name_norm, district, industry, employees, supervisor, dispatch_unit, stationed_on, status, batch_id, source_file, source_sheet, source_row', 'source_row', [
        ('威海（文登）精细化工有限公司', '91110000600037341L', '威海(文登)精细化工有限公司', '文登区', '化学原料', 120, '王强', '文登区应急局', dt.date(2026, 1, 5), '正常生产', 1, '名册.xlsx', '名册', 3),
        ('荣成市海达化工有限公司', '91371081MA3C7TLR0D', '荣成市海达化工有限公司', '荣成市', '涂料', 45, '李 明', '荣成市应急局', dt.date(2026, 8, 15), '停产', 1, '名册.xlsx', '名册', 4),
        ('乳山市宏远化学有限公司', '91371002MA3M0BXX1Y', '乳山市宏远化学有限公司', '乳山市', '胶粘剂', 30, '赵刚', '乳山市应急局', dt.date(2025, 12, 1), '正常生产', 1, '名册.xlsx', '名册', 5),
    ]),
    'enterprises_current': ('enterprise_name, credit_code, district, employees, stationed_on, status, batch_id', 'credit_code', [
        ('威海（文登）精细化工有限公司', '91110000600037341L', '文登区', 120, dt.date(2026, 1, 5), '正常生产', 1),
        ('乳山市宏远化学有限公司', '91371002MA3M0BXX1Y', '乳山市', 30, dt.date(2025, 12, 1), '正常生产', 1),
        ('荣成市海达化工有限公司', '91371081MA3C7TLR0D', '荣成市', 45, dt.date(2026, 8, 15), '停产', 1),
    ]),
    'checklists': ('*', 'source_row', [
        ('威海(文登)精细化工有限公司', '91110000600037341L', '2026Q2', True, False, '不适用', 20, 18, 1, 1, 3, '检查表.xlsx', '2026年', 2),
        ('乳山市宏远化学有限公司', '91371002MA3M0BXX1Y', '2026Q3', True, False, '否', 12, 11, None, None, 3, '检查表.xlsx', '2026年', 5),
    ]),
    'drills': ('*', 'source_row', [
        (None, '91110000600037341L', dt.date(2026, 3, 1), '火灾 爆炸 综合演练', '综合演练', 30, 28, 2, '演练.csv', '演练', 3),
        (None, '91371002MA3M0BXX1Y', dt.date(2025, 12, 9), '桌面推演', '桌面推演', 8, 8, 2, '演练.csv', '演练', 5),
    ]),
    'quarantine': ('*', 'batch_id, "row", "column"', [
        (1, '企业名册', '名册.xlsx', '名册', 6, '从业人员数', '30.5', '应填写整数', '{"企业名称":"威海新材料有限公司","统一社会信用代码":"91371083MA3P5DQK7F","所属区市":"环翠区","行业类别":"合成材料","从业人员数":"30.5","驻点监督人员":null,"派出单位":null,"进驻日期":null,"企业状态":"正常生产"}'),
        (2, '演练记录', '演练.csv', '演练', 4, '实际参加人数', '12', '实际参加人数（12）多于应参加人数（10）', '{"统一社会信用代码":"91371081MA3C7TLR0D","演练日期":"20260302","演练名称":"泄漏处置","演练类型":"专项演练","应参加人数":"10","实际参加人数":"12","第7列":null}'),
        (3, '季度检查表', '检查表.xlsx', '2026年', 3, '已建规章制度数', '21', '已建规章制度数（21）多于应建数（20）', '{"企业名称":"荣成市海达化工有限公司","季度":"2026年第二季度","安全生产责任制落实":"是","安全管理机构健全":"√","安全总监配备":"否","应建规章制度数":"２０","已建规章制度数":"21","应发奖励笔数":null,"已发奖励笔数":null}'),
        (3, '季度检查表', '检查表.xlsx', '2026年', 4, '已发奖励笔数', '是', '应填写整数', '{"企业名称":"乳山市宏远化学有限公司","季度":"2026-Q2","安全生产责任制落实":"Y","安全管理机构健全":"N","安全总监配备":"有","应建规章制度数":"12","已建规章制度数":"12","应发奖励笔数":"0","已发奖励笔数":"是"}'),
    ]),
    'batches': ('batch_id, file_name, template, sheets, rows_read, rows_loaded, rows_quarantined, rows_skipped, loaded_by, rolled_back_at', 'batch_id', [
        (1, '名册.xlsx', '企业名册', '名册', 6, 3, 1, 2, '命令行', None),
        (2, '演练.csv', '演练记录', '演练', 4, 2, 1, 1, '命令行', None),
        (3, '检查表.xlsx', '季度检查表', '2026年', 4, 2, 2, 0, '命令行', None),
    ]),
    'rejected_files': ('file_name, content_hash, reason, rejected_by', '1', [
        ('坏.xlsx', '738f2e900c73febc582aa87b037914ca2e3469b11ebbc41f0736e7daf2a9d551', '文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。', '命令行'),
    ]),
}
