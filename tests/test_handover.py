"""The handover sheet (交接单): one enterprise's records only, in Word and Excel, from the command line too.

World: tests/stationing_world.py, plus a hostile hazard at E1 (formula-looking text, terminal control
characters) and a hostile enterprise whose name is a path. Handover date 2026-09-30 unless a test says otherwise.
"""
from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest

from cli.metrics_commands import main as metrics_main
from metrics import stationing
from pack.handover import build_handover_docx, build_handover_xlsx, clean, gather_handover
from tests.cli_runner import run_main
from tests.metrics_fixtures import d
from tests.stationing_world import E1, E2, E3, NAMES, build_stationing_world
from warehouse.store import open_reader

AS_OF = "2026-09-30"
E7 = "91371000MA3C00007B"
PATH_NAME = "../../etc/化工（集团）有限公司"
FORMULA = '=HYPERLINK("http://evil.example/","点此")'
OWNER = "+cmd|' /C calc'!A0"
CONTROL = "\x1b[31m清理\x07"
HOSTILE_HAZARD = ["A9", E1, d("2026-09-01"), "驻点检查", "其他", "一般隐患", FORMULA, CONTROL, OWNER, d("2026-09-15"),
                  None, "未整改", None, None, None]

# What each enterprise's sheet must name, and what belongs to another enterprise only.
E1_OWN = ["储罐区可燃气体报警器失效", "消防通道堆放杂物", "甲一", "甲二", "甲三", "Z-A01", "Z-A02", "储罐区自动化改造",
          "安全管理机构健全", "应建10项，已建8项", "消防演练"]
E2_OWN = ["配电箱未上锁", "乙一", "Z-B01", "泄漏处置演练", "安全生产责任制落实"]
E4_OWN = ["危废间标识缺失", "丁一", "Z-D01", "包装线机器换人"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    extra_roster = [[PATH_NAME, E7, "环翠区", "助剂", 1234, "钱一", "环翠区化工专项办", d("2026-06-01")]]
    return build_stationing_world(tmp_path_factory.mktemp("handover"), extra_roster=extra_roster,
                                  extra_hazards=[HOSTILE_HAZARD])


@pytest.fixture
def con(db):
    connection = open_reader(db)
    yield connection
    connection.close()



def word_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def workbook_cells(data: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


def excel_text(data: bytes) -> str:
    return "\n".join(str(cell.value) for cell in workbook_cells(data))


@pytest.mark.parametrize("code, own, others", [
    (E1, E1_OWN, E2_OWN + E4_OWN),
    (E2, E2_OWN, E1_OWN + E4_OWN),
])
def test_the_sheet_names_that_enterprises_records_and_nothing_of_another(con, code, own, others):
    sheet = gather_handover(con, code, as_of=AS_OF)
    for text in (word_text(build_handover_docx(sheet)), excel_text(build_handover_xlsx(sheet))):
        assert [word for word in own if word not in text] == []
        assert [word for word in others if word in text] == []
        assert NAMES[code] in text and not [name for c, name in NAMES.items() if c != code and name in text]


def test_e1_open_hazards_and_certificates_as_listed(con):
    records = stationing.handover_records(con, E1, as_of=AS_OF)
    # A1, A2, A5 rectified by 09-30; A4 overdue 10 days (09-20), A9 15 days (09-15); A3 due 10-31 (31 days left)
    hazards = records["open_hazards"]
    assert list(zip(hazards["隐患编号"], hazards["截至交接日"], hazards["整改责任人"])) == [
        ("A9", "超期15天", OWNER), ("A4", "超期10天", "甲一"), ("A3", "剩余31天", "甲一")]
    # 甲二's certificate expired 09-01 (29 days); 甲一's expires 11-15 (46 days, within 90); 甲四's in 2028
    certificates = records["certificates"]
    assert list(zip(certificates["姓名"], certificates["证书情况"])) == [("甲二", "已过期29天"), ("甲一", "46天后到期")]
    assert list(records["untrained"]["姓名"]) == ["甲三"]
    assert list(records["checklist"]["检查项"]) == ["安全管理机构健全", "规章制度"]
    assert list(records["major_hazards"]["上报情况"]) == ["发现后1天上报"]
    assert list(records["transfers"]["移交部门"]) == ["文登区应急管理局"]  # A3, handed over 08-22, no result
    assert list(records["retrofit"]["进展"]) == ["逾期未完成"] and list(records["retrofit"]["逾期天数"]) == [29]


def test_the_parties_of_a_handover(con):
    # On 08-15 张三 hands E1 over to 李四 (his 交接人); on 08-05 孙七 hands E3 over to 周八, who came on 08-03
    # (no 交接人 on record: the next to arrive); on 09-30 李四 is stationed with nobody to follow yet.
    e1 = gather_handover(con, E1, as_of="2026-08-15")
    assert (e1.outgoing["驻点人员"], e1.incoming) == ("张三", "李四")
    e3 = gather_handover(con, E3, as_of="2026-08-05")
    assert (e3.outgoing["驻点人员"], e3.incoming) == ("孙七", "周八")
    later = gather_handover(con, E1, as_of=AS_OF)
    assert (later.outgoing["驻点人员"], later.incoming) == ("李四", "")
    facts = dict(later.facts())
    assert facts["接任驻点人员"] == "（交接时填写）" and facts["交接日期"] == "2026年9月30日"


def test_signature_lines_for_both_supervisors_and_the_dispatching_unit(con):
    sheet = gather_handover(con, E1, as_of=AS_OF)
    for text in (word_text(build_handover_docx(sheet)), excel_text(build_handover_xlsx(sheet))):
        assert "交出驻点人员（签字）" in text and "接任驻点人员（签字）" in text and "派出单位（盖章）" in text
        assert "威化安转办发〔2021〕26号三（五）：“人员轮换既要交接岗位又要交接任务和责任，确保工作延续、无缝衔接。”" in text


def test_formula_looking_text_is_neutralised_in_every_excel_cell(con):
    # The attack: a hazard described as =HYPERLINK(…) with an owner "+cmd|…" ran as formulas when the sheet opened.
    sheet = gather_handover(con, E1, as_of=AS_OF)
    cells = workbook_cells(build_handover_xlsx(sheet))
    values = [cell.value for cell in cells]
    assert "'" + FORMULA in values and "'" + OWNER in values
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert [v for v in values if isinstance(v, str) and v.startswith(("=", "+", "-", "@"))] == []


def test_control_characters_are_shown_not_written(con):
    # The attack: 整改措施 "\x1b[31m清理\x07" made python-docx and openpyxl refuse to write the file.
    sheet = gather_handover(con, E1, as_of=AS_OF)
    assert "\\x1b[31m清理\\x07" in word_text(build_handover_docx(sheet))
    assert "\\x1b[31m清理\\x07" in excel_text(build_handover_xlsx(sheet))
    assert clean("a\x00b\x0bc\td") == "a\\x00b\\x0bc\td"


def test_numbers_are_written_without_thousands_separators(con):
    sheet = gather_handover(con, E7, as_of=AS_OF)
    assert dict(sheet.facts())["从业人员数"] == "1234"
    cells = workbook_cells(build_handover_xlsx(sheet))
    assert [cell.number_format for cell in cells if "," in cell.number_format] == []
    assert "1,234" not in word_text(build_handover_docx(sheet))


def test_command_line_writes_word_and_excel(db, tmp_path, capsys):
    out = tmp_path / "交接单"
    code, stdout, stderr = run_main(metrics_main, capsys, "handover", "--enterprise", " 威海一号化工有限公司 ",
                                    "--as-of", AS_OF, "--out", out, "--db", db)
    assert (code, stderr) == (0, "")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["驻点交接单_威海一号化工有限公司_20260930.docx", "驻点交接单_威海一号化工有限公司_20260930.xlsx"]
    assert f"威海一号化工有限公司（{E1}）驻点监督工作交接单，交接日期 2026-09-30" in stdout
    assert zipfile.is_zipfile(out / names[0]) and zipfile.is_zipfile(out / names[1])
    text = word_text((out / names[0]).read_bytes())
    assert "储罐区可燃气体报警器失效" in text and "配电箱未上锁" not in text


def test_an_enterprise_named_like_a_path_stays_in_the_output_folder(db, tmp_path, capsys):
    # The attack: an enterprise named ../../etc/… put its sheet outside the folder asked for.
    out = tmp_path / "out"
    code, _, stderr = run_main(metrics_main, capsys, "handover", "--enterprise", E7.lower(), "--as-of", AS_OF,
                               "--out", out, "--db", db)
    assert (code, stderr) == (0, "")
    written = sorted(p.name for p in out.iterdir())
    assert written == ["驻点交接单_etc_化工（集团）有限公司_20260930.docx", "驻点交接单_etc_化工（集团）有限公司_20260930.xlsx"]
    assert [p for p in tmp_path.rglob("*") if p.is_file() and p.parent != out] == []


@pytest.mark.parametrize("argv, message", [
    (["--enterprise", "没有这家企业"], "用法错误：企业名册中没有找到企业：没有这家企业。"),
    (["--enterprise", "' OR 1=1 --"], "用法错误：企业名册中没有找到企业：' OR 1=1 --。"),
    (["--enterprise", E1, "--as-of", "2026-13-40"], "用法错误：无法识别的日期：2026-13-40"),
])
def test_command_line_usage_errors(db, tmp_path, capsys, argv, message):
    code, stdout, stderr = run_main(metrics_main, capsys, "handover", *argv, "--out", tmp_path / "x", "--db", db)
    assert code == 2 and stderr.startswith(message) and stdout == ""
    assert not (tmp_path / "x").exists()


def test_an_output_folder_that_is_a_file_is_a_stated_failure(db, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, stderr = run_main(metrics_main, capsys, "handover", "--enterprise", E1, "--out", blocker, "--db", db)
    assert code == 1 and stderr.startswith(f"无法写入输出文件夹 {blocker}")
