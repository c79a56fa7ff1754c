"""数据导入: upload the districts' files, see what each one gave, send bad rows back, roll a batch back."""
from ui.session import require_page

require_page(role="市级")

import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from access.users import retire_demo_accounts
from etl.batches import RollbackError, rollback
from etl.blank import write_blank_templates
from etl.resend import resend_workbook
from warehouse.store import WarehouseBusy
from etl.uploads import load_uploads, max_upload_bytes, upload_problem
from metrics import quality
from ui import data, layout
from ui.session import audit, audited, current_user
from ui.text import plain

STATUS_WORDS = {"loaded": "已导入", "duplicate": "重复文件，已跳过", "rejected": "拒收", "refused": "未上传"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False)
def blank_templates_zip() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        paths = write_blank_templates("all", folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, Path(path).name)
    return buffer.getvalue()


def run_import(files) -> None:
    refused, accepted = [], []
    for upload in files:
        problem = upload_problem(upload.name, upload.size)
        if problem:
            refused.append({"文件": upload.name, "模板": "—", "读取行": 0, "入库行": 0, "隔离行": 0, "跳过行": 0,
                            "结果": STATUS_WORDS["refused"], "说明": problem})
        else:
            accepted.append((upload.name, upload.getvalue()))
    if refused:
        audit("上传被拒", "、".join(f"{r['文件']}（{r['说明']}）" for r in refused))
    rows, batch_ids = [], []
    if accepted:
        bar = st.progress(0.0, text="正在导入……")

        def progress(done: int, total: int, name: str) -> None:
            bar.progress(done / total, text=f"正在导入 {done}/{total}：{name}")

        try:
            results = load_uploads(accepted, data.db_path(), user=current_user().display_name, progress=progress)
        except WarehouseBusy as busy:
            audit("导入失败", f"{len(accepted)} 个文件：{busy}")
            bar.empty()
            st.error(plain(busy))
            return
        except Exception as error:
            audit("导入失败", f"{len(accepted)} 个文件：{type(error).__name__}")
            raise
        bar.empty()
        retire_demo_accounts(data.db_path())
        for r in results:
            rows.append({"文件": r.file_name, "模板": r.template or "—", "读取行": r.rows_read, "入库行": r.rows_loaded,
                         "隔离行": r.rows_quarantined, "跳过行": r.rows_skipped, "结果": STATUS_WORDS[r.status],
                         "说明": r.message})
            if r.status == "loaded":
                batch_ids.append(r.batch_id)
        audit("导入", f"{len(results)} 个文件：" + "、".join(f"{r.file_name}（{STATUS_WORDS[r.status]}）" for r in results))
    st.session_state["import_outcome"] = {"rows": refused + rows, "batch_ids": batch_ids}


def show_outcome(outcome: dict) -> None:
    frame = pd.DataFrame(outcome["rows"])
    loaded = frame[frame["结果"] == STATUS_WORDS["loaded"]]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("导入文件", f"{len(loaded)} / {len(frame)}", border=True)
    c2.metric("入库行", f"{int(loaded['入库行'].sum()):,}", border=True)
    c3.metric("隔离行", f"{int(loaded['隔离行'].sum()):,}", border=True)
    c4.metric("拒收或未上传", f"{int(frame['结果'].isin([STATUS_WORDS['rejected'], STATUS_WORDS['refused']]).sum())}",
              border=True)
    for row in frame[frame["结果"].isin([STATUS_WORDS["rejected"], STATUS_WORDS["refused"]])].itertuples():
        st.error(f"**{plain(row.文件)}**：{plain(row.说明)}", icon=":material/block:")
    layout.table(frame, "本次导入结果", key="import_result")
    if int(loaded["隔离行"].sum()):
        workbook = data.query(resend_workbook, outcome["batch_ids"])
        st.session_state["resend_workbook"] = workbook
        st.download_button("下载退回修改表（.xlsx）",
                           data=audited(lambda: workbook, "下载退回修改表", "退回修改_隔离数据行.xlsx"), file_name="退回修改_隔离数据行.xlsx", mime=XLSX_MIME,
                           icon=":material/assignment_return:", key="resend",
                           help="被隔离的数据行按模板格式列出，出错单元格标黄并写明原因，可直接发回区市改正后重报。")


ROLLBACK_CHOICE, ROLLBACK_CONFIRM = "rollback_batch", "rollback_confirm"
ROLLBACK_SHOWN, ROLLBACK_OUTCOME = "rollback_shown_ids", "rollback_outcome"
LIST_CHANGED = "批次列表已变化，请重新选择。"


def live_batch_ids(batches) -> tuple[int, ...]:
    return tuple(int(b) for b in batches.loc[batches["状态"] == "有效", "批次号"]) if len(batches) else ()


def submit_rollback() -> None:
    """Roll back the batch chosen in the form, by its id; refuse when the list changed since the form was drawn.

    Runs before the page is drawn again, so a refusal can clear the choice and the tick, and a
    rollback is already reflected in the list drawn next.
    """
    state = st.session_state
    choice, confirmed = state.get(ROLLBACK_CHOICE), state.get(ROLLBACK_CONFIRM)
    if state.get(ROLLBACK_SHOWN) != live_batch_ids(data.query(quality.batches)):
        outcome = ("error", LIST_CHANGED + "撤销未执行：表单显示后有其他导入或撤销，请核对后重新选择并勾选确认。")
    elif choice is None:
        outcome = ("warning", "请先选择要撤销的批次。")
    elif not confirmed:
        outcome = ("warning", "请先勾选确认再撤销。")
    else:
        try:
            batch = rollback(data.db_path(), int(choice), user=current_user().display_name)
        except (RollbackError, WarehouseBusy) as error:
            outcome = ("error", plain(error))
        else:
            audit("撤销批次", f"批次 {batch['batch_id']}：{batch['file_name']}")
            outcome = ("success", f"已撤销批次 {batch['batch_id']}（{plain(batch['file_name'])}）。各页面的数字已更新。")
    if outcome[0] != "warning":
        state[ROLLBACK_CHOICE], state[ROLLBACK_CONFIRM] = None, False
    state[ROLLBACK_OUTCOME] = outcome


def rollback_section() -> None:
    st.subheader("批次历史与撤销")
    outcome = st.session_state.pop(ROLLBACK_OUTCOME, None)
    if outcome:
        getattr(st, outcome[0])(outcome[1])
    batches = data.query(quality.batches)
    layout.table(batches, "已导入的批次", key="import_batches", empty="尚未导入任何文件。",
                 caption="每个导入的文件是一个批次。撤销批次会删除它导入的数据，被它覆盖的旧版本随之恢复。")
    live_ids = live_batch_ids(batches)
    # A submit is checked against the batches this form showed, not against the list live at that moment.
    st.session_state[ROLLBACK_SHOWN] = live_ids
    if not live_ids:
        return
    labels = {int(row.批次号): f"批次 {row.批次号}：{row.文件名}（{row.模板}，{row.入库行数} 行）"
              for row in batches.itertuples() if row.状态 == "有效"}
    with st.form("rollback_form"):
        st.selectbox("选择要撤销的批次", list(labels), index=None, key=ROLLBACK_CHOICE,
                     format_func=lambda batch_id: labels.get(batch_id, f"批次 {batch_id}"),
                     placeholder="选择一个批次……")
        st.checkbox("我确认撤销该批次（撤销后可重新导入同一文件）", key=ROLLBACK_CONFIRM)
        st.form_submit_button("撤销批次", icon=":material/undo:", on_click=submit_rollback)


st.title("数据导入")
st.caption("上传各区市报送的台账（.xlsx、.xls 或 .csv，可一次选多个文件）。系统按表头自动识别模板；"
           "有问题的数据行会被隔离并说明原因，其余照常入库。导入时看板可照常浏览。")
left, right = st.columns([3, 1])
with right:
    st.download_button("下载空白填报模板", data=blank_templates_zip(), file_name="填报模板.zip", mime="application/zip",
                       icon=":material/download:", key="blank_templates")
    st.caption(f"单个文件不超过 {max_upload_bytes() // (1024 * 1024)} MB。")
with left:
    uploads = st.file_uploader("选择文件", accept_multiple_files=True, key="uploads",
                               help="Excel 工作簿（.xlsx 或旧版 .xls）或 CSV（UTF-8 或 GBK 编码）。")
    if st.button("开始导入", type="primary", disabled=not uploads, icon=":material/upload:"):
        run_import(uploads)

if "import_outcome" in st.session_state:
    show_outcome(st.session_state["import_outcome"])
rollback_section()
