"""The demo data generator: reproducible, complete, valid codes, the contract's messy forms, loadable."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import python_calamine

from etl import headers
from core.config import districts
from core.quarters import Quarter, latest_complete_quarter, parse_quarter
from demo.generate import generate
from demo.planted import PLANTS
from demo.span import make_span
from etl.readers import read_file
from warehouse.templates import TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
DISTRICTS = {"环翠区", "文登区", "荣成市", "乳山市", "高区", "经区", "临港区", "南海新区"}
END = "2026Q3"
# The reproducibility checks run the generator on a world of SMALL_WORLD enterprises per district (the
# demo set has 26–52): the same code writes the same files, in a tenth of the time.
SMALL_WORLD = 4
SMALL_GENERATE = f"""
import sys
import demo.world
from demo.generate import generate
demo.world.ENTERPRISES_PER_DISTRICT = dict.fromkeys(demo.world.ENTERPRISES_PER_DISTRICT, {SMALL_WORLD})
demo.world.DEFAULT_ENTERPRISES_PER_DISTRICT = {SMALL_WORLD}
generate(sys.argv[1], end_quarter=sys.argv[2])
"""

GB32100_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(code: str) -> bool:
    """GB 32100-2015, written out here independently of the code under test."""
    if len(code) != 18 or any(c not in GB32100_CHARSET for c in code):
        return False
    total = sum(GB32100_CHARSET.index(c) * w for c, w in zip(code, GB32100_WEIGHTS))
    return GB32100_CHARSET[(31 - total % 31) % 31] == code[17]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, end_quarter=END)
    return out


@contextmanager
def small_world():
    import demo.world

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo.world, "ENTERPRISES_PER_DISTRICT",
                      dict.fromkeys(demo.world.ENTERPRISES_PER_DISTRICT, SMALL_WORLD))
        patch.setattr(demo.world, "DEFAULT_ENTERPRISES_PER_DISTRICT", SMALL_WORLD)
        yield


@pytest.fixture(scope="module")
def small_demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small_demo")
    with small_world():
        generate(out, end_quarter=END)
    return out


@pytest.fixture(scope="module")
def raw_sheets(demo_dir) -> dict[str, dict[str, list[list]]]:
    """file name -> sheet name -> rows of raw cell values (Excel dates stay dates; CSV cells are text)."""
    result = {}
    for path in sorted(demo_dir.iterdir()):
        if path.suffix == ".xlsx":
            workbook = python_calamine.CalamineWorkbook.from_path(str(path))
            result[path.name] = {n: workbook.get_sheet_by_name(n).to_python() for n in workbook.sheet_names}
        else:
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gbk")
            result[path.name] = {path.stem: list(csv.reader(io.StringIO(text)))}
    return result


@pytest.fixture(scope="module")
def recognised(demo_dir) -> dict[str, dict[str, headers.HeaderMatch | None]]:
    """file name -> sheet name -> the template the loader's header detection finds."""
    return {p.name: {s.name: headers.detect(s.rows) for s in read_file(p)} for p in sorted(demo_dir.iterdir())}


def roster_rows(raw_sheets, recognised) -> list[dict]:
    """Every data row of every 企业名册 sheet, as column key -> raw value."""
    rows = []
    for file_name, sheets in recognised.items():
        for sheet_name, match in sheets.items():
            if match and match.template.name == "enterprises":
                data = raw_sheets[file_name][sheet_name][match.header_index + 1:]
                for row in data:
                    if row and row[match.positions["credit_code"]]:
                        rows.append({key: row[i] for key, i in match.positions.items()} | {"file": file_name})
    return rows


def test_same_seed_and_arguments_give_identical_bytes(demo_dir, small_demo_dir, tmp_path):
    # the second run is another process, with other string hashes and so another order of any set
    hash_seed = "1" if os.environ.get("PYTHONHASHSEED") == "0" else "0"
    again = subprocess.run([sys.executable, "-c", SMALL_GENERATE, str(tmp_path), END], cwd=ROOT, capture_output=True,
                           text=True, env={**os.environ, "PYTHONHASHSEED": hash_seed}, timeout=300)
    assert again.returncode == 0, again.stderr
    first = sorted(small_demo_dir.iterdir())
    names = [p.name for p in first]
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(p.name for p in demo_dir.iterdir())  # the small world writes every file the demo set has
    for a in first:
        assert a.read_bytes() == (tmp_path / a.name).read_bytes(), a.name


def test_another_seed_gives_other_data(small_demo_dir, tmp_path, monkeypatch):
    import demo.generate

    roster = "文登区_企业名册_2026Q3.xlsx"
    write_file = demo.generate.write_file
    # all the data is drawn as usual; only the file compared is written to disk
    monkeypatch.setattr(demo.generate, "write_file",
                        lambda out, file: write_file(out, file) if file.name == roster else out / file.name)
    with small_world():
        other = {p.name: p for p in generate(tmp_path, seed=7, end_quarter=END)}
    assert [p.name for p in tmp_path.iterdir()] == [roster]
    assert other[roster].read_bytes() != (small_demo_dir / roster).read_bytes()


def test_every_district_sends_every_template(recognised):
    # 8 districts × (roster, staff, training, drills, 8 ledgers, logs, checklists, stationings, retrofits) = 8 × 16.
    assert len(recognised) == 8 * 16
    templates_by_district: dict[str, set[str]] = {}
    for file_name, sheets in recognised.items():
        district = file_name.split("_")[0]
        found = {m.template.title for m in sheets.values() if m}
        assert len(found) == 1, file_name  # one template per file, recognised from the header
        templates_by_district.setdefault(district, set()).update(found)
    assert set(templates_by_district) == DISTRICTS
    for district, titles in templates_by_district.items():
        assert titles == {t.title for t in TEMPLATES}, district


def test_rosters_cover_all_districts_with_about_300_enterprises(raw_sheets, recognised):
    rows = roster_rows(raw_sheets, recognised)
    canonical = Counter(districts().canonical(r["district"]) for r in rows)
    assert set(canonical) == DISTRICTS
    # 32 + 48 + 52 + 38 + 34 + 36 + 34 + 26 = 300 enterprises, plus one planted row with a mistyped code.
    assert sum(canonical.values()) == 301
    written = {r["district"] for r in rows}
    assert written - DISTRICTS, "some roster writes a district by an alias or with the city prefix"


def test_check_algorithm_on_codes_worked_out_by_hand():
    # 91371002000000001?: values 9,1,3,7,1,0,0,2,0…0,1 × weights 1,3,9,27,19,26,16,17,…,28
    #   = 9 + 3 + 27 + 189 + 19 + 0 + 0 + 34 + 0 + … + 28 = 309; 309 mod 31 = 30; (31 − 30) mod 31 = 1 → "1".
    assert credit_code_valid("913710020000000011")
    # 91371082MA3C00001?: M = 21, A = 10, C = 12 in the charset;
    #   9 + 3 + 27 + 189 + 19 + 0 + 8·16 + 2·17 + 21·20 + 10·29 + 3·25 + 12·13 + 0 + 0 + 0 + 0 + 1·28
    #   = 9 + 3 + 27 + 189 + 19 + 128 + 34 + 420 + 290 + 75 + 156 + 28 = 1378;
    #   1378 mod 31 = 14; (31 − 14) mod 31 = 17 → charset[17] = "H".
    assert credit_code_valid("91371082MA3C00001H")
    assert not credit_code_valid("91371082MA3C00001G")
    assert not credit_code_valid("91371082MA3C0001H")  # 17 characters


def test_every_roster_code_passes_the_check_except_the_planted_one(raw_sheets, recognised):
    codes = [str(r["credit_code"]) for r in roster_rows(raw_sheets, recognised)]
    invalid = [c for c in codes if not credit_code_valid(c)]
    assert len(invalid) == 1 and len(codes) == 301
    assert len(set(codes)) == len(codes)
    # The planted one differs from a valid code only in its check character.
    assert any(credit_code_valid(invalid[0][:17] + c) for c in GB32100_CHARSET)


def test_gbk_and_bom_csvs(demo_dir):
    csvs = {p.name: p.read_bytes() for p in demo_dir.glob("*.csv")}
    gbk = []
    for name, data in csvs.items():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            gbk.append(name)
            assert "日期" in data.decode("gbk")
    assert gbk == ["文登区_驻点工作日志_2024Q4-2026Q3.csv"]
    with_bom = [n for n, d in csvs.items() if d.startswith(b"\xef\xbb\xbf")]
    assert len(with_bom) >= 7  # all work logs but the GBK one, and one training file
    assert len(csvs) - len(with_bom) - len(gbk) >= 1  # plain UTF-8 without BOM too


def test_title_rows_blank_rows_and_trailing_notes(raw_sheets, recognised):
    ledger = raw_sheets["文登区_隐患台账_2026Q3.xlsx"]["2026年三季度"]
    assert ledger[0][0] == "威海市非危化品化工企业隐患排查整改台账"
    assert re.fullmatch(r"填报单位：威海市文登区  填报日期：2026年10月\d+日", ledger[1][0])
    assert not any(ledger[2])  # a blank row between the title and the header
    assert recognised["文登区_隐患台账_2026Q3.xlsx"]["2026年三季度"].header_index == 3
    first_cells = Counter(
        str(row[0])[:4] for sheets in raw_sheets.values() for rows in sheets.values() for row in rows[-3:] if row
    )
    for note in ("合计", "备注：", "填表说明"):
        assert any(cell.startswith(note) for cell in first_cells), note


def test_messy_headers(recognised):
    labels = [str(label) for sheets in recognised.values() for m in sheets.values() if m for label in m.labels if label]
    assert any(label.startswith("*") for label in labels)
    assert any("\n" in label for label in labels)
    assert any(re.search(r"（.+）$", label) for label in labels)  # units in full-width brackets
    assert {"单位名称", "社会信用代码", "工号", "驻点人员", "职工人数"} <= set(labels)  # aliases
    assert "姓 名" in labels  # spaces inside
    unknown = {label for sheets in recognised.values() for m in sheets.values() if m
               for i, label in enumerate(m.labels) if label and i not in m.positions.values()}
    assert unknown == {"序号", "备注"}


def test_instructions_sheet_and_two_data_sheets(recognised):
    roster = recognised["文登区_企业名册_2026Q3.xlsx"]
    assert list(roster) == ["说明", "企业名册"] and roster["说明"] is None
    checklists = recognised["高区_季度检查表_2024Q4-2026Q3.xlsx"]
    assert list(checklists) == ["2024年", "2025年", "2026年"]
    assert all(m and m.template.name == "checklists" for m in checklists.values())


def cells_of(raw_sheets, recognised, kind: str) -> list:
    """Raw cells of every column of the given kind in every data row."""
    cells = []
    for file_name, sheets in recognised.items():
        for sheet_name, match in sheets.items():
            if not match:
                continue
            keys = [c.key for c in match.template.columns if c.kind == kind]
            positions = [match.positions[k] for k in keys if k in match.positions]
            for row in raw_sheets[file_name][sheet_name][match.header_index + 1:]:
                cells += [row[i] for i in positions if i < len(row) and row[i] not in ("", None)]
    return cells


def test_dates_in_every_contract_form(raw_sheets, recognised):
    dates = cells_of(raw_sheets, recognised, "date")
    assert any(isinstance(d, dt.date) for d in dates)  # real Excel dates
    texts = [d for d in dates if isinstance(d, str)]
    forms = {
        "2026-07-01": r"\d{4}-\d{2}-\d{2}", "2026/7/1": r"\d{4}/\d{1,2}/\d{1,2}",
        "2026.7.1": r"\d{4}\.\d{1,2}\.\d{1,2}", "2026年7月1日": r"\d{4}年\d{1,2}月\d{1,2}日",
        "20260701": r"\d{8}",
    }
    for form, pattern in forms.items():
        assert any(re.fullmatch(pattern, t) for t in texts), form


def test_yes_no_variants_numbers_as_text_and_full_width_digits(raw_sheets, recognised):
    answers = set(map(str, cells_of(raw_sheets, recognised, "yesno") + cells_of(raw_sheets, recognised, "yesno_na")))
    assert {"是", "否", "√", "×", "Y", "N", "有", "无", "已", "未", "不适用"} <= answers
    counts = cells_of(raw_sheets, recognised, "int")
    assert any(isinstance(c, str) and c.isascii() and c.isdigit() for c in counts if isinstance(c, str))
    xlsx_counts = [c for c in counts if not isinstance(c, str)]
    assert xlsx_counts, "numbers stored as numbers too"
    assert any(isinstance(c, str) and re.fullmatch(r"[０-９]+", c) for c in counts)


def test_other_templates_write_names_with_other_spaces_or_brackets(raw_sheets, recognised):
    roster_names = {str(r["enterprise_name"]) for r in roster_rows(raw_sheets, recognised)}
    names = set(map(str, cells_of(raw_sheets, recognised, "text"))) - roster_names

    def norm(name: str) -> str:
        return "".join(name.split()).replace("（", "(").replace("）", ")")

    roster_norms = {norm(n) for n in roster_names}
    variants = {n for n in names if norm(n) in roster_norms}
    assert any(" " in n for n in variants)
    assert any("(" in n for n in variants) and any("（" in n for n in roster_names)


def test_hazards_reappear_in_later_ledgers_with_updated_status(raw_sheets, recognised):
    status_by_id: dict[str, list[str]] = {}
    for file_name in sorted(f for f in recognised if f.startswith("环翠区_隐患台账_")):
        for sheet_name, match in recognised[file_name].items():
            for row in raw_sheets[file_name][sheet_name][match.header_index + 1:]:
                hazard_id = row[match.positions["hazard_id"]]
                if hazard_id and str(hazard_id).startswith("YH"):
                    status_by_id.setdefault(hazard_id, []).append(row[match.positions["status"]])
    changed = [s for s in status_by_id.values() if len(s) > 1 and s[0] != s[-1]]
    assert len(changed) >= 10
    assert all(s[-1] in ("已整改", "已销号", "整改中", "未整改") for s in changed)


def test_default_end_quarter_is_the_latest_complete_one():
    assert latest_complete_quarter(dt.date(2026, 11, 29)) == Quarter(2026, 3)
    assert latest_complete_quarter(dt.date(2026, 1, 1)) == Quarter(2025, 4)
    assert latest_complete_quarter(dt.date(2026, 9, 30)) == Quarter(2026, 2)
    assert parse_quarter("2026-Q1") == Quarter(2026, 1)
    assert parse_quarter("2026年三季度") == parse_quarter("2026年第3季度") == Quarter(2026, 3)
    with pytest.raises(ValueError, match="2026Q3"):
        parse_quarter("2026Q5")


def test_demo_span_is_eight_quarters_ending_with_the_asked_one():
    span = make_span("2026Q3")
    assert span.quarters[0] == Quarter(2024, 4) and span.quarters[-1] == Quarter(2026, 3)
    assert len(span.quarters) == 8 and span.label == "2024Q4-2026Q3"
    assert (span.start, span.end) == (dt.date(2024, 10, 1), dt.date(2026, 9, 30))
    # Training and drills reach back 12 months before the first quarter's end.
    assert span.lookback_start == dt.date(2024, 1, 1)
    assert make_span(None).quarters[-1] == latest_complete_quarter(dt.date.today())


FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
Q_END = dt.date(2026, 9, 30)


def rows_of(raw_sheets, recognised, template: str, anchor: str) -> list[dict]:
    """Data rows of every sheet of `template` whose `anchor` cell is filled (so not a note or 合计 row)."""
    rows = []
    for file_name, sheets in recognised.items():
        for sheet_name, match in sheets.items():
            if match and match.template.name == template:
                for row in raw_sheets[file_name][sheet_name][match.header_index + 1:]:
                    cells = {k: (row[i] if i < len(row) and row[i] not in ("", None) else None)
                             for k, i in match.positions.items()}
                    if cells[anchor] is not None:
                        rows.append(cells | {"file": file_name, "sheet": sheet_name})
    return rows


def as_date(value) -> dt.date | None:
    """A date cell in any of the contract's forms (written out here independently of the loader)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).translate(FULLWIDTH).strip()
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    year, month, day = re.split(r"[-/.年月]", text.rstrip("日"))
    return dt.date(int(year), int(month), int(day))


def name_norm(name) -> str:
    return "".join(str(name).split()).replace("（", "(").replace("）", ")")


def enterprise_codes(raw_sheets, recognised) -> tuple[dict[str, str], dict[str, dict]]:
    """(normalised roster name -> credit code, credit code -> roster row) over the valid roster rows."""
    roster = {str(r["credit_code"]): r for r in roster_rows(raw_sheets, recognised)
              if credit_code_valid(str(r["credit_code"]))}
    return {name_norm(r["enterprise_name"]): code for code, r in roster.items()}, roster


def code_of(row: dict, by_name: dict[str, str]) -> str:
    return str(row["credit_code"]) if row.get("credit_code") else by_name[name_norm(row["enterprise_name"])]


def test_stationing_history_agrees_with_the_roster_and_the_logs(raw_sheets, recognised):
    by_name, roster = enterprise_codes(raw_sheets, recognised)
    stationings: dict[str, list[tuple[str, dt.date, dt.date | None, dict]]] = {}
    for row in rows_of(raw_sheets, recognised, "stationing_records", "stationed_on"):
        stationings.setdefault(code_of(row, by_name), []).append(
            (name_norm(row["supervisor"]), as_date(row["stationed_on"]), as_date(row["withdrawn_on"]), row))
    assert set(stationings) == set(roster)
    # The roster's current supervisor and 进驻日期 are the one open stationing; a closed enterprise has none.
    for code, r in roster.items():
        still_there = [(name, start) for name, start, end, _ in stationings[code] if end is None]
        if r["status"] == "关闭":
            assert still_there == [], code
        else:
            assert still_there == [(name_norm(r["supervisor"]), as_date(r["stationed_on"]))], code
    # Every log was written by someone stationed at that enterprise that day (days before 撤离日期).
    logs = rows_of(raw_sheets, recognised, "work_logs", "log_date")
    assert len(logs) > 100_000
    strays = []
    for log in logs:
        day, name = as_date(log["log_date"]), name_norm(log["supervisor"])
        if not any(n == name and start <= day and (end is None or day < end)
                   for n, start, end, _ in stationings[code_of(log, by_name)]):
            strays.append(log)
    assert strays == []
    # Rotations about every six months, with a few gaps, handover weeks, late rotations and missing dates.
    rotations = gaps = overlaps = late = no_handover = 0
    for history in stationings.values():
        history.sort(key=lambda s: s[1])
        for (_, start, end, row), (_, next_start, _, _) in zip(history, history[1:]):
            rotations += 1
            gaps += next_start > end
            overlaps += next_start < end
            late += (end - start).days > 235
            no_handover += row["handover_on"] is None
            assert row["handover_on"] is None or start <= as_date(row["handover_on"]) <= end
    no_training = sum(row["pretraining_on"] is None for history in stationings.values() for *_, row in history)
    assert rotations > 800
    for count in (gaps, overlaps, late, no_handover, no_training):
        assert 10 <= count <= rotations * 0.15
    sheets = {r["sheet"] for r in rows_of(raw_sheets, recognised, "stationing_records", "stationed_on")
              if r["file"].startswith("高区_")}
    assert sheets == {"现任驻点人员", "历任驻点人员"}


def test_hazard_ledgers_old_and_new_forms_and_the_direct_report_loop(raw_sheets, recognised):
    new_form = {f for f, sheets in recognised.items() for m in sheets.values()
                if m and m.template.name == "hazards" and "report_unit" in m.positions}
    old_form = {f for f, sheets in recognised.items() for m in sheets.values()
                if m and m.template.name == "hazards" and "report_unit" not in m.positions}
    # 乳山市 and 临港区 still send the older form; 文登区 adopted the new one in 2026Q2; the others have it throughout.
    assert {f.split("_")[0] for f in old_form} == {"乳山市", "临港区", "文登区"}
    assert "文登区_隐患台账_2026Q1.xlsx" in old_form and "文登区_隐患台账_2026Q2.xlsx" in new_form
    assert len(new_form) == 5 * 8 + 2
    # Each hazard's latest version (files sort by quarter); 上报日期 is in both forms.
    latest = {}
    for row in sorted(rows_of(raw_sheets, recognised, "hazards", "found_on"), key=lambda r: r["file"]):
        latest[(row["file"].split("_")[0], row["hazard_id"])] = row
    majors = [r for r in latest.values() if str(r["level"]).startswith("重大")]
    delays = Counter(None if r["reported_on"] is None else
                     (as_date(r["reported_on"]) - as_date(r["found_on"])).days for r in majors)
    within_a_day, late = delays[0] + delays[1], sum(delays[d] for d in (2, 3, 4, 5))
    assert within_a_day > 5 * late and late >= 3 and delays[None] >= 2
    assert set(delays) <= {None, 0, 1, 2, 3, 4, 5}
    latest = {key: row for key, row in latest.items() if row["file"] in new_form}
    majors = [r for r in latest.values() if str(r["level"]).startswith("重大")]
    assert all((r["report_unit"] is None) == (r["reported_on"] is None) for r in majors)
    assert any(r["enforcement_case"] for r in majors)
    handed = [r for r in latest.values() if r["transferred_to"]]
    assert all(r["transferred_on"] for r in handed)
    answered = [r for r in handed if r["transfer_closed_on"]]
    waiting = [r for r in handed if not r["transfer_closed_on"] and (Q_END - as_date(r["transferred_on"])).days > 30]
    assert answered and waiting
    assert all(as_date(r["transfer_closed_on"]) >= as_date(r["transferred_on"]) for r in answered)
    levels = Counter(r["supervision_level"] for r in latest.values() if r["supervision_level"])
    assert set(levels) <= {"市级挂牌督办", "区市级挂牌督办", "无"} and levels["无"] and len(levels) >= 2


def test_retrofit_projects_planned_done_late_and_open(raw_sheets, recognised):
    rows = rows_of(raw_sheets, recognised, "retrofit_projects", "planned_on")
    assert {r["file"].split("_")[0] for r in rows} == DISTRICTS
    assert {r["retrofit_type"] for r in rows} == {"机器换人", "自动化减人", "智能化改造", "其他"}
    outcomes = Counter()
    for r in rows:
        planned, done = as_date(r["planned_on"]), as_date(r["completed_on"])
        assert as_date(r["plan_on"]) < planned
        assert r["diagnosed_on"] is None or as_date(r["diagnosed_on"]) < as_date(r["plan_on"])
        assert float(str(r["investment"]).translate(FULLWIDTH)) > 0
        outcomes["open, due later" if done is None and planned > Q_END else "open, overdue" if done is None
                 else "late" if done > planned else "on time"] += 1
    assert min(outcomes.values()) >= 5 and len(outcomes) == 4
    assert outcomes["on time"] > outcomes["late"]


def test_checklists_not_applicable_missing_ones_and_other_special_operations(raw_sheets, recognised):
    by_name, roster = enterprise_codes(raw_sheets, recognised)
    checklists = rows_of(raw_sheets, recognised, "checklists", "quarter")
    sent = {code_of(r, by_name) for r in checklists if parse_quarter(r["quarter"]) == Quarter(2026, 3)}
    in_scope = {code for code, r in roster.items() if r["status"] != "关闭"}
    assert 3 <= len(in_scope - sent) <= 0.1 * len(in_scope)
    assert sum(r["director"] == "不适用" for r in checklists) >= 50
    logs = [r for r in rows_of(raw_sheets, recognised, "work_logs", "log_date")
            if int(str(r["special_ops"]).translate(FULLWIDTH)) > 0]
    types = Counter(r["special_op_type"] for r in logs)
    assert {"受限空间作业", "吊装作业", "临时用电", "其他", None} <= set(types)
    assert types["动火作业"] + types["设备检维修"] + types["高处作业"] > 2 * (
        types["受限空间作业"] + types["吊装作业"] + types["临时用电"] + types["其他"])


def test_loads_into_a_warehouse_with_the_planted_problems_quarantined(demo_dir, tmp_path):
    from etl.load import load_paths
    from warehouse.store import open_reader

    db = tmp_path / "demo.duckdb"
    results = load_paths([demo_dir], db)
    assert len(results) == 8 * 16
    assert {r.status for r in results} == {"loaded"}
    for r in results:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined + r.rows_skipped, r.file_name
    con = open_reader(db)
    try:
        districts_loaded = {d for (d,) in con.execute("SELECT DISTINCT district FROM enterprises_current").fetchall()}
        assert districts_loaded == DISTRICTS
        # Planted, one each: 企业名册 bad check character; 人员台账 岗位类别 临时工; 培训记录 2026-02-30;
        # 演练记录 actual > expected and an enterprise not on the roster; 隐患台账 district 张村镇,
        # 整改期限 before 发现日期 and category 消防安全; 驻点工作日志 现场监督数 > 特殊作业数;
        # 季度检查表 已建 > 应建 — 10 rows over 7 templates.
        per_template = dict(con.execute(
            "SELECT template, count(DISTINCT (file_name, sheet, \"row\")) FROM quarantine GROUP BY 1").fetchall())
        assert per_template == {"企业名册": 1, "人员台账": 1, "培训记录": 1, "演练记录": 2, "隐患台账": 3,
                                "驻点工作日志": 1, "季度检查表": 1}
        # Each planted row sits in the file of the district PLANTS names by position, and nowhere else.
        names = districts().names
        where = Counter((template, district) for template, district, _, _ in con.execute(
            "SELECT DISTINCT template, split_part(file_name, '_', 1), sheet, \"row\" FROM quarantine").fetchall())
        assert where == Counter((plant.template, names[plant.position]) for plant in PLANTS.values())
        versions, hazards = con.execute("SELECT count(*), count(DISTINCT hazard_id) FROM hazards").fetchone()
        assert versions > hazards
        closed = con.execute("SELECT count(*) FROM enterprises_current WHERE status = '关闭'").fetchone()[0]
        assert closed >= 1
        # Key staff certification at 2026-09-30 per district: mostly 85–100 %, and not all alike.
        rates = [r for (r,) in con.execute("""
            SELECT avg((s.cert_no IS NOT NULL AND s.cert_valid_until >= DATE '2026-09-30')::INTEGER)
            FROM staff_current s JOIN enterprises_in_scope e USING (credit_code)
            WHERE s.category IN ('主要负责人', '安全总监', '安全管理人员', '特种作业人员')
              AND (s.hired_on IS NULL OR s.hired_on <= DATE '2026-09-30')
              AND (s.left_on IS NULL OR s.left_on > DATE '2026-09-30')
            GROUP BY e.district""").fetchall()]
        assert len(rates) == 8 and all(0.8 <= r < 1 for r in rates) and max(rates) - min(rates) >= 0.02
    finally:
        con.close()


def test_people_are_never_short_of_names(monkeypatch):
    import random

    import demo.names as names

    # With one surname and one given character only 王明 and 王明明 exist: the third person is named from
    # the wider set (two given characters) instead of drawing for ever.
    monkeypatch.setattr(names, "SURNAMES", "王")
    monkeypatch.setattr(names, "GIVEN_CHARS", "明")
    used: set[str] = set()
    rng = random.Random(1)
    first_two = {names.unique_name(rng, used), names.unique_name(rng, used)}
    third = names.unique_name(rng, used)
    assert first_two == {"王明", "王明明"}
    assert len(third) == 3 and third not in first_two and set(third[1:]) <= set(names.WIDE_GIVEN_CHARS)
    assert used == first_two | {third}


def test_enterprises_are_never_short_of_names(monkeypatch):
    import random

    import demo.names as names
    from demo.world import DistrictPlan, World, make_enterprise

    # Two brands, one kind, one suffix, one place: two one-brand names, then names of two brands (华信鑫源).
    monkeypatch.setattr(names, "DEFAULT_PLACE_PREFIXES", ("威海",))
    monkeypatch.setattr(names, "BRANDS", ("华信", "鑫源"))
    monkeypatch.setattr(names, "ENTERPRISE_KINDS", (("化工", "化学原料和化学制品制造业"),))
    monkeypatch.setattr(names, "COMPANY_SUFFIXES", ("有限公司",))
    world = World(make_span("2026Q3"), [], set(), set(), set())
    plan = DistrictPlan("环翠区", 0, "371002", 0.95, None)
    made = [make_enterprise(random.Random(3), world, plan, bracketed=False) for _ in range(6)]
    assert {e.name for e in made} == {f"威海{b}化工有限公司" for b in
                                      ("华信", "鑫源", "华信华信", "华信鑫源", "鑫源华信", "鑫源鑫源")}
    assert {e.industry for e in made} == {"化学原料和化学制品制造业"}
