"""The 数据导入 and 审计日志 pages through AppTest, with real files."""
from __future__ import annotations

import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from access import users
from etl.load import load_paths
from access.users import User
from tests.filemaker import CODE_A, CODE_B, write_csv, write_xlsx
from ui.text import plain

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
CITY = User("city_clerk", "市化工办 录入员", "市级", None)
ANALYST = User("analyst_1", "分析员", "分析", None)
WENDENG = User("wendeng_1", "文登区 负责人", "区市", "文登区")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_page(user: User, page: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["_user"] = user
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def frame_with(app: AppTest, column: str):
    return next(d.value for d in app.dataframe if column in d.value.columns)


def upload_files(tmp_path) -> list[tuple[str, bytes, str]]:
    good = write_csv(tmp_path / "drills.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"],
        [CODE_A, "2026-07-01", "10", "9"], [CODE_B, "2026-07-02", "10", "12"]], encoding="gbk")
    messy = write_xlsx(tmp_path / "检查表.xlsx", {
        "填表说明": [["请按季度填报"]],
        "三季度": [["威海市非危化品化工企业季度检查表"], [],
                 ["单位名称", "季度*", "安全生产责任制\n落实", "安全管理机构健全", "安全总监配备", "应建规章制度数", "已建规章制度数"],
                 ["威海(文登)精细化工有限公司", "2026年第三季度", "√", "√", "×", "１２", "12"],
                 ["合计"]]})
    broken = write_xlsx(tmp_path / "broken.xlsx", {"a": [["x"]]}).read_bytes()[:200]
    return [
        ("drills.csv", good.read_bytes(), "text/csv"),
        ("检查表.xlsx", messy.read_bytes(), XLSX),
        ("broken.xlsx", broken, XLSX),
        ("说明.txt", "请查收".encode(), "text/plain"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "application/vnd.ms-excel"),
        ("huge.csv", b"a,b\n" + b"1,2\n" * 5000, "text/csv"),
    ]


def test_upload_shows_each_files_result_and_the_resend_workbook(tmp_path, roster_warehouse, monkeypatch):
    import etl.uploads

    monkeypatch.setattr(etl.uploads, "max_upload_bytes", lambda: 10_240)  # huge.csv (20,004 bytes) is over it
    app = open_page(CITY, "pages/data_import.py")
    app.file_uploader(key="uploads").set_value(upload_files(tmp_path)).run()
    button(app, "开始导入").click().run()
    assert not app.exception, [e.value for e in app.exception]

    result = frame_with(app, "说明").set_index("文件")
    assert result.loc["drills.csv", ["模板", "读取行", "入库行", "隔离行", "结果"]].tolist() == ["演练记录", 2, 1, 1, "已导入"]
    # 2 rows below the header on 三季度: data and 合计 -> 1 loaded, 1 skipped; the 填表说明 sheet is not a template
    assert result.loc["检查表.xlsx", ["模板", "读取行", "入库行", "隔离行", "跳过行"]].tolist() == ["季度检查表", 2, 1, 0, 1]
    assert result.loc["broken.xlsx", "结果"] == "拒收"
    assert result.loc["broken.xlsx", "说明"].startswith("文件已损坏或不完整")
    assert result.loc["说明.txt", ["结果", "说明"]].tolist() == [
        "未上传", "不支持的文件类型“.txt”：只能上传 Excel 工作簿（.xlsx、.xls）或 CSV 文件。"]
    assert result.loc["old.xls", ["结果", "说明"]].tolist() == ["拒收", "文件已损坏或不完整，无法作为 Excel 工作簿打开。请重新导出或另存为 .xlsx 后再发送。"]
    assert result.loc["huge.csv", "说明"] == "文件大小 20 KB，超过上限 10 KB。请拆分后分别上传。"
    errors = [e.value for e in app.error]
    assert len(errors) == 4 and any(plain("broken.xlsx") in e for e in errors)  # file names shown as text

    workbook = openpyxl.load_workbook(io.BytesIO(app.session_state["resend_workbook"]))
    rows = [[c.value for c in row] for row in workbook["演练记录"].iter_rows()]
    assert rows[1][rows[0].index("问题说明")] == "实际参加人数：实际参加人数（12）多于应参加人数（10）"
    assert rows[1][rows[0].index("统一社会信用代码")] == CODE_B

    con = duckdb.connect(str(roster_warehouse), read_only=True)
    assert con.execute("SELECT loaded_by, count(*) FROM batches WHERE batch_id > 1 GROUP BY 1").fetchall() == [
        ("市化工办 录入员", 2)]
    con.close()
    actions = [(e[1], e[2]) for e in users.audit_entries(roster_warehouse.with_name("access.sqlite3"))]
    assert ("city_clerk", "导入") in actions


def test_rollback_from_the_page(tmp_path, roster_warehouse):
    drills = write_csv(tmp_path / "drills.csv", [
        ["统一社会信用代码", "演练日期", "应参加人数", "实际参加人数"], [CODE_A, "2026-07-01", "10", "9"]])
    [loaded] = load_paths([drills], roster_warehouse)
    app = open_page(CITY, "pages/data_import.py")
    app.selectbox(key="rollback_batch").select(loaded.batch_id)
    app.checkbox[0].check()
    button(app, "撤销批次").click().run()
    assert [s.value for s in app.success] == [f"已撤销批次 {loaded.batch_id}（{plain('drills.csv')}）。各页面的数字已更新。"]
    con = duckdb.connect(str(roster_warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM drills").fetchall() == [(0,)]
    con.close()


@pytest.mark.parametrize("user", [ANALYST, WENDENG])
def test_only_city_users_get_import_and_audit(roster_warehouse, user):
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["_user"] = user
    app.run()
    for page in ("pages/data_import.py", "pages/audit.py"):  # not in this user's navigation at all
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(page).run()


def test_audit_page_lists_sign_ins_and_users(roster_warehouse):
    store = roster_warehouse.with_name("access.sqlite3")
    users.add_user(store, "city_clerk", "correct-horse-9", role="市级", display_name="市化工办 录入员")
    with pytest.raises(users.AccessError):
        users.authenticate(store, "city_clerk", "wrong", sleep=lambda s: None)
    app = open_page(CITY, "pages/audit.py")
    log = frame_with(app, "操作")
    assert log[["用户", "操作", "内容"]].values.tolist()[0] == ["city_clerk", "登录失败", "密码错误（连续第 1 次）"]
    accounts = frame_with(app, "用户名")
    assert accounts.values.tolist() == [["city_clerk", "市化工办 录入员", "市级", "全部区市"]]


def test_an_idle_session_expires_and_asks_to_sign_in_again(roster_warehouse):
    import time

    users.add_user(roster_warehouse.with_name("access.sqlite3"), "city_clerk", "correct-horse-9", role="市级",
                   display_name="市化工办 录入员")
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["_user"] = CITY
    app.session_state["_last_seen"] = time.time() - 31 * 60  # setting access.session_idle_minutes, default 30
    app.run()
    assert [w.value for w in app.warning] == ["长时间未操作，会话已过期，请重新登录。"]
    assert app.text_input(key="login_password") and not app.metric and not app.dataframe
    assert ("city_clerk", "会话超时") in [(e[1], e[2]) for e in users.audit_entries(roster_warehouse.with_name("access.sqlite3"))]

    fresh = AppTest.from_file(APP, default_timeout=120)
    fresh.session_state["_user"] = CITY
    fresh.session_state["_last_seen"] = time.time() - 29 * 60
    fresh.run()
    assert not fresh.text_input and fresh.metric  # still signed in
