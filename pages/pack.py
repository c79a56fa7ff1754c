"""会商材料: the quarter's meeting and its paper, for the quarter and districts in the sidebar.

The meeting (date held, attending districts, 草稿/定稿), its common tasks with each owner district's progress,
the matters put to it, the paper's text (edits are kept as the meeting's draft text, so they survive page
switches and reloads), and the downloads: the Word paper, the data workbook, the printable report and the
chart images. Who may change what is decided in `access.meetings`; this page draws and hands the changes over.
"""
from ui.session import require_page

require_page()

import hashlib
from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from access import meetings as meeting_access
from core.config import districts as configured_districts
from core.presentation import date_text
from metrics.api import WATCH_LISTS
from metrics.indicators import INDICATORS, TARGETS
from metrics.meetings import LATEST_DAYS_AFTER
from metrics.sql import AsOfError
from pack import images
from pack.brief import build_brief
from pack.charts import overview_chart
from pack.draft import task_quarter
from pack.meeting import hand_over_drafts, hands_over_drafts
from pack.report_html import build_html
from pack.workbook import build_workbook
from ui import filters as flt, layout, meetings
from ui.charts import show_chart
from ui.session import audited, current_user
from ui.text import plain
from warehouse.meetings import (ACCEPTED, CONTENT_LIMIT, DROPPED, EDITED, MARKS, MATTER_TEXT_LIMIT, NOTE_LIMIT,
                                SECTION_TEXT_LIMIT, STANDARD_LIMIT, TITLE_LIMIT, UNDECIDED, MeetingError)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_HEIGHTS = {"opening": 80, "followup": 200, "work": 180, "indicators": 200, "problems": 360, "tasks": 360}
ORIGINS = {"drafted": "系统起草", "edited": "起草后修改", "added": "会上新增"}
NO_LINK = ""
LINKS = {NO_LINK: "不关联（由区市或市级填报）",
         **{f"indicator:{i.code}": f"指标：{i.name}（达标即完成）" for i in INDICATORS},
         **{f"watch:{w.code}": f"预警清单：{w.title}（清零即完成）" for w in WATCH_LISTS}}
KEEP_STATUS = "（状态不变）"
FROZEN_FIGURES, CURRENT_FIGURES = "定稿时数据", "当前数据"

user = current_user()  # signed in: the guard above stops the page otherwise
is_city = user.role == meeting_access.CITY_ROLE
is_district = user.role == meeting_access.DISTRICT_ROLE
district_names = list(configured_districts().names)

f = flt.current()
q = f.quarter
layout.page_header("会商材料", f, missing_reports=True,
                   note="按左侧所选季度、截至日期和区市：季度研究会商的信息、共性任务及进展、提请会商事项，"
                        "以及会商材料（Word）、数据工作簿（Excel）、打印版报告（HTML）和图表图片。")

districts = meetings.paper_districts(user, f)
db = meetings.db_path()
try:
    # Read, within the user's scope, and drafted once per version of the data and of the records (cached).
    # A quarter whose meeting froze its figures: the pack shows them, unless the figures of now are chosen below.
    paper = meetings.paper(q, as_of=f.as_of_input, districts=districts)
    content = paper.content
except AsOfError as error:
    st.error(f"{error} 请在左侧重新选择截至日期。")
    st.stop()
except MeetingError as error:
    st.error(plain(error), icon=":material/error:")
    st.stop()

# The city-wide paper's drafted tasks are the meeting's drafted tasks: handed over once per change of the draft.
handed_over = False  # the records changed, and with them the key of the paper: drafted again at the end of the page
if hands_over_drafts(user, content):
    drafts = paper.drafted_tasks
    handed_key = f"pack_handed_{q.label}"
    if st.session_state.get(handed_key) != drafts:
        try:
            handed_over = hand_over_drafts(user, db, content, drafts)
        except MeetingError as error:
            st.warning(f"系统起草的共性任务未能写入会商记录：{plain(error)}", icon=":material/warning:")
        st.session_state[handed_key] = drafts

if content.frozen_at is not None:
    corrected = len(content.restatements)
    basis = st.radio("材料中的指标数据", [FROZEN_FIGURES, CURRENT_FIGURES], horizontal=True, key=f"pack_basis_{q.label}",
                     help="定稿时数据：会商定稿时冻结的指标数据（默认），材料与会上汇报的一致；当前数据：按现在的数据计算，"
                          "下载的文件名加“_当前数据”。")
    st.caption(f"{q.cn}会商于 {content.frozen_at:%Y-%m-%d %H:%M} 定稿，材料默认使用定稿时冻结的指标数据"
               + (f"；此后按当前数据计算有变动的{corrected}项列在数据工作簿“数据更正”表" if corrected else "")
               + "。短板清单、预警清单等问题清单始终为当前记录。")
    if basis == CURRENT_FIGURES:
        paper = meetings.paper(q, as_of=f.as_of_input, districts=districts, current=True)
        content = paper.content

record = meetings.meeting(user, q)
scope_label = "_".join(districts or []) or "全市"
paper_is_citys = content.full_scope
labels = paper.labels
stored_texts = meetings.draft_texts(user, q, districts)
drafted_texts = paper.drafted_texts
texts = {key: stored_texts.get(key, drafted_texts[key]) for key in labels}

# ------------------------------------------------------------------ at a glance
city = content.figures[content.figures["grain"] == "city"].set_index("indicator")
met = int((city.loc[[i.code for i in TARGETS], "level"] == "达标").sum())
c1, c2, c3, c4 = st.columns(4)
# Each card says the period it counts, in the overview's words (ui.layout.period_text).
layout.count_card(c1, "目标指标达标", f"{met} / {len(TARGETS)} 项", layout.period_text(f, layout.QUARTER))
layout.count_card(c2, "超期未整改隐患", len(content.watch["overdue_hazards"]), layout.watch_period(f, "overdue_hazards"))
layout.count_card(c3, "未报季度检查表", f"{len(content.watch['missing_checklists']):,} 家",
                  layout.watch_period(f, "missing_checklists"))
layout.count_card(c4, "建议共性任务" if content.meeting_tasks is None else "会商共性任务", f"{len(paper.common_tasks)} 项",
                  f"{task_quarter(content).cn}完成")
with st.expander("图表预览", icon=":material/bar_chart:"):
    show_chart(go.Figure(overview_chart(content)), "各项指标完成情况", f.scope_label, q.label, key="pack_overview")

# ------------------------------------------------------------------ the meeting
st.subheader(f"{q.cn}研究会商")
meetings.show_outcome("meeting")
facts = [f"状态：{record.state}",
         f"会商日期：{date_text(record.held_on) if record.held_on else '未定（材料落款为今天）'}",
         f"参会区市：{'、'.join(record.attendees) or '未定'}"]
if record.has_frozen_figures:
    facts.append(f"数字冻结于 {record.frozen_at:%Y-%m-%d %H:%M}（{record.frozen_by or '—'}）")
st.markdown(plain("　|　".join(facts)))
confirm_key = f"pack_confirm_{q.label}"
held_key, attendees_key = f"pack_held_{q.label}", f"pack_attendees_{q.label}"


def save_meeting_info() -> None:
    meetings.act(meeting_access.save_meeting, q, held_on=st.session_state.get(held_key),
                 attendees=st.session_state.get(attendees_key, []), done="会商日期和参会区市已保存。", where="meeting")


def ask(what: str | None) -> None:
    st.session_state[confirm_key] = what


def finalize() -> None:
    st.session_state.pop(confirm_key, None)
    meetings.act_with_reader(meeting_access.finalize, q,
                             done=f"{q.cn}会商已定稿，本季度全部指标数字已冻结。", where="meeting")


def reopen() -> None:
    st.session_state.pop(confirm_key, None)
    meetings.act(meeting_access.reopen, q, done=f"{q.cn}会商已退回草稿；冻结的数字保留到再次定稿。", where="meeting")


if is_city:
    if not record.is_final:
        with st.form(f"pack_meeting_form_{q.label}", border=False):
            left, right = st.columns([1, 3])
            left.date_input("会商日期", value=record.held_on, key=held_key, format="YYYY-MM-DD", min_value=q.start,
                            max_value=q.end + timedelta(days=LATEST_DAYS_AFTER),
                            help="会商召开的日期，即会商材料的落款日期；季节性工作按这一天所在的季度选取。")
            right.multiselect("参会区市", district_names, default=list(record.attendees), key=attendees_key,
                              placeholder="选择参会区市")
            st.form_submit_button("保存会商信息", on_click=save_meeting_info, icon=":material/save:", key="pack_meeting_save")
    asked = st.session_state.get(confirm_key)
    if asked == "finalize" and not record.is_final:
        st.warning("定稿将按当前数据冻结本季度全部指标数字（全市、区市、企业）和提请会商事项的处理结果；定稿后共性任务、"
                   "提请事项和全市材料正文不能再修改，各区市照常填报任务进展。确定定稿吗？", icon=":material/lock:")
        yes, no, _ = st.columns([1, 1, 4])
        yes.button("确认定稿", type="primary", on_click=finalize, key="pack_finalize_confirm")
        no.button("取消", on_click=ask, args=(None,), key="pack_finalize_cancel")
    elif asked == "reopen" and record.is_final:
        st.warning("退回草稿后可再修改共性任务、提请事项和全市材料正文；定稿时冻结的数字保留，再次定稿时按当时的数据"
                   "整体替换。确定退回草稿吗？", icon=":material/lock_open:")
        yes, no, _ = st.columns([1, 1, 4])
        yes.button("确认退回草稿", type="primary", on_click=reopen, key="pack_reopen_confirm")
        no.button("取消", on_click=ask, args=(None,), key="pack_reopen_cancel")
    elif record.is_final:
        st.button("退回草稿", on_click=ask, args=("reopen",), icon=":material/lock_open:", key="pack_reopen")
    else:
        st.button("定稿", on_click=ask, args=("finalize",), type="primary", icon=":material/lock:", key="pack_finalize")
elif is_district:
    st.caption("会商信息、定稿和退回草稿由市级用户办理；区市用户可在下方填报本区市负责任务的进展。")
else:
    st.caption(f"{user.role}用户只能查看会商记录。")

# ------------------------------------------------------------------ common tasks
st.subheader("共性任务")
st.caption(f"{q.cn}会商确定、{q.next().cn}完成的共性任务。系统起草的任务在市级用户打开本页（全市、截至季度末）时写入"
           "会商记录，会上可修改、确定、删除或新增；关联指标或预警清单的任务按数据自动判定状态，其余由责任区市或"
           "市级用户填报。" + ("" if not is_district else "本账号只列出本区市负责的任务和本区市的状态。"))
meetings.show_outcome("tasks")
rows = meetings.tasks(q)
editable = is_city and not record.is_final
if rows.empty:
    layout.no_data(f"{q.cn}会商还没有共性任务。")
else:
    order = {task_id: n for n, task_id in enumerate(dict.fromkeys(rows["task_id"]), start=1)}
    shown = pd.DataFrame({
        "序号": rows["task_id"].map(order), "任务": rows["title"], "区市": rows["district"], "状态": rows["status"],
        "依据": rows["basis"], "进展说明": rows["note"], "完成时限": rows["deadline"].map(date_text),
        "已确定": rows["agreed"].map({True: "已确定", False: "待确定"}), "责任区市": rows["owners"],
        "完成标准": rows["standard"], "关联": rows["link_name"], "来源": rows["origin"].map(ORIGINS)})
    layout.table(shown, "共性任务及各区市进展", scope_label, q.label, key="pack_tasks")

tasks = rows.drop_duplicates("task_id").set_index("task_id", drop=False) if len(rows) else rows
task_label = {task_id: f"{order[task_id]}. {title}" for task_id, title in zip(tasks["task_id"], tasks["title"])} \
    if len(tasks) else {}


def link_of(task: pd.Series) -> str:
    return f"{task['link_kind']}:{task['link_code']}" if task["link_kind"] else NO_LINK


def task_fields(prefix: str) -> dict:
    kind, _, code = st.session_state[f"{prefix}_link"].partition(":")
    return {"title": st.session_state[f"{prefix}_title"], "content": st.session_state[f"{prefix}_content"],
            "owners": st.session_state[f"{prefix}_owners"], "deadline": st.session_state[f"{prefix}_deadline"],
            "standard": st.session_state[f"{prefix}_standard"], "link_kind": kind or None, "link_code": code or None}


def task_form(prefix: str, task: pd.Series | None) -> None:
    """The fields of a task (a new one when `task` is None), each keyed under `prefix`."""
    st.text_input("任务标题", value="" if task is None else task["title"], max_chars=TITLE_LIMIT, key=f"{prefix}_title")
    st.text_area("任务内容（谁、做什么、何时完成）", value="" if task is None else task["content"],
                 max_chars=CONTENT_LIMIT, key=f"{prefix}_content", height=100)
    left, right = st.columns([3, 1])
    owners = district_names if task is None else [d for d in task["owners"].split("、") if d in district_names]
    left.multiselect("责任区市", district_names, default=owners, key=f"{prefix}_owners")
    right.date_input("完成时限", value=q.next().end if task is None else task["deadline"], format="YYYY-MM-DD",
                     min_value=q.start, max_value=q.end + timedelta(days=LATEST_DAYS_AFTER), key=f"{prefix}_deadline")
    st.selectbox("关联（自动判定完成）", list(LINKS), format_func=LINKS.get, key=f"{prefix}_link",
                 index=0 if task is None else list(LINKS).index(link_of(task)) if link_of(task) in LINKS else 0)
    st.text_area("完成标准（关联指标或清单时可留空，按关联生成）", value="" if task is None else task["standard"],
                 max_chars=STANDARD_LIMIT, key=f"{prefix}_standard", height=70)


def save_task(task_id: int, prefix: str) -> None:
    task = tasks.loc[task_id]
    wanted = task_fields(prefix)
    before = {"title": task["title"], "content": task["content"], "owners": task["owners"].split("、"),
              "deadline": task["deadline"], "standard": task["standard"], "link_kind": task["link_kind"] or None,
              "link_code": task["link_code"] or None}
    changes = {name: value for name, value in wanted.items() if value != before[name]}
    if not changes:
        st.session_state[meetings.OUTCOME_KEY] = ("tasks", "success", "没有修改。")
        return
    if "link_kind" in changes or "link_code" in changes:
        changes.update(link_kind=wanted["link_kind"], link_code=wanted["link_code"])
    meetings.act(meeting_access.edit_task, int(task_id), **changes, done=f"任务“{wanted['title']}”已修改。",
                 where="tasks")


def add_task(prefix: str) -> None:
    fields = task_fields(prefix)
    if meetings.act(meeting_access.add_task, q, **fields, done=f"已新增任务“{fields['title']}”。", where="tasks"):
        for name in ("title", "content", "standard"):
            st.session_state[f"{prefix}_{name}"] = ""


if editable:
    if len(tasks):
        with st.expander("修改、确定或删除任务", icon=":material/edit_note:"):
            picked = st.selectbox("选择任务", list(task_label), format_func=task_label.get, key="pack_task_pick")
            task = tasks.loc[picked]
            prefix = f"pack_task_{picked}"
            with st.form(f"{prefix}_form", border=False):
                task_form(prefix, task)
                st.form_submit_button("保存修改", on_click=save_task, args=(picked, prefix), icon=":material/save:",
                                      key=f"{prefix}_save")
            agree, remove, _ = st.columns([1, 1, 3])
            agreed = bool(task["agreed"])
            agree.button("取消确定" if agreed else "确定该任务", key=f"{prefix}_agree",
                         icon=":material/undo:" if agreed else ":material/task_alt:",
                         on_click=meetings.act, args=(meeting_access.agree_task, int(picked), not agreed),
                         kwargs={"done": f"任务“{task['title']}”{'已取消确定' if agreed else '已确定'}。", "where": "tasks"})
            remove.button("删除该任务", key=f"{prefix}_remove", icon=":material/delete:",
                          on_click=meetings.act, args=(meeting_access.remove_task, int(picked)),
                          kwargs={"done": f"任务“{task['title']}”已删除。", "where": "tasks"})
    with st.expander("新增任务", icon=":material/add_task:"):
        with st.form("pack_new_task_form", border=False):
            task_form("pack_new_task", None)
            st.form_submit_button("新增", on_click=add_task, args=("pack_new_task",), icon=":material/add:",
                                  key="pack_new_task_save")
elif is_city and record.is_final:
    st.caption("会商已定稿，任务不能再修改（需先退回草稿）；各区市照常填报进展。")

# Progress: a district on the tasks it owns (its own row), the city for any owner district.
if (is_city or is_district) and len(tasks):

    def mark(task_id: int, district: str, prefix: str) -> None:
        status = st.session_state.get(f"{prefix}_status", KEEP_STATUS)
        meetings.act(meeting_access.mark_task, int(task_id), district if is_city else None,
                     status=None if status == KEEP_STATUS else status, note=st.session_state[f"{prefix}_note"],
                     done="任务进展已保存。", where="tasks")

    with st.expander("填报任务进展", icon=":material/edit_calendar:"):
        picked = st.selectbox("任务", list(task_label), format_func=task_label.get, key="pack_mark_task")
        task = tasks.loc[picked]
        owners = task["owners"].split("、") if is_city else [user.district]
        district = st.selectbox("责任区市", owners, key="pack_mark_district") if is_city else user.district
        current = rows[(rows["task_id"] == picked) & (rows["district"] == district)]
        prefix = f"pack_mark_{picked}_{owners.index(district) if district in owners else 0}"
        with st.form(f"{prefix}_form", border=False):
            if task["link_kind"]:
                st.caption(f"该任务关联“{plain(task['link_name'])}”，状态由数据自动判定，只填写说明。")
            else:
                st.selectbox("状态", [KEEP_STATUS, *MARKS], key=f"{prefix}_status",
                             help="“逾期”按完成时限自动判定，不能手工标记。")
            st.text_area("进展说明", value=current["note"].iat[0] if len(current) else "", max_chars=NOTE_LIMIT,
                         key=f"{prefix}_note", height=90)
            st.form_submit_button("保存进展", on_click=mark, args=(picked, district, prefix), icon=":material/save:",
                                  key=f"{prefix}_save")

# ------------------------------------------------------------------ matters for the meeting
st.subheader("提请会商事项")
st.caption("由数据起草：超期重大隐患、移交未办结、连续两个季度整改、上季度共性任务未完成。市级用户可采纳、修改文字或"
           "不提请；定稿时保存处理结果（待定的按采纳）。")
meetings.show_outcome("matters")
matters = meetings.matters(q)
if matters.empty:
    layout.no_data(f"{q.cn}没有需要提请会商的事项。")
else:
    shown = pd.DataFrame({"序号": range(1, len(matters) + 1), "类别": matters["kind_name"],
                          "涉及区市": matters["districts"], "事项": matters["text"], "处理": matters["decision"],
                          "处理人": matters["decided_by"].fillna("")})
    layout.table(shown, "提请会商事项", scope_label, q.label, key="pack_matters")
    if is_city and not record.is_final:
        matter_label = {key: f"{n}. {kind}：{text[:40]}" for n, (key, kind, text) in
                        enumerate(zip(matters["key"], matters["kind_name"], matters["text"]), start=1)}

        def decide(key: str, prefix: str) -> None:
            decision = st.session_state[f"{prefix}_decision"]
            text = st.session_state[f"{prefix}_text"] if decision == EDITED else None
            meetings.decide_matter(q, key, decision, text, done=f"事项已处理：{decision}。")

        with st.expander("处理事项", icon=":material/gavel:"):
            picked = st.selectbox("选择事项", list(matter_label), format_func=matter_label.get, key="pack_matter_pick")
            matter = matters.set_index("key").loc[picked]
            prefix = f"pack_matter_{hashlib.sha1(picked.encode()).hexdigest()[:12]}"
            with st.form(f"{prefix}_form", border=False):
                choices = [ACCEPTED, EDITED, DROPPED, UNDECIDED]
                st.radio("处理", choices, index=choices.index(matter["decision"]), horizontal=True,
                         key=f"{prefix}_decision")
                st.text_area("事项内容（选“修改”时保存这里的文字）", value=matter["text"], max_chars=MATTER_TEXT_LIMIT,
                             key=f"{prefix}_text", height=110)
                st.form_submit_button("保存处理结果", on_click=decide, args=(picked, prefix), icon=":material/save:",
                                  key=f"{prefix}_save")

# ------------------------------------------------------------------ downloads
st.subheader("下载")
left, middle, right = st.columns(3)
with left:
    st.download_button("会商材料（Word）", data=audited(lambda: build_brief(content, texts), "下载会商材料",
                                                      f"{content.stem}.docx"),
                       file_name=f"{content.stem}.docx",
                       mime=DOCX, on_click="ignore", icon=":material/description:", type="primary",
                       key="pack_docx", width="stretch")
with middle:
    st.download_button("数据工作簿（Excel）", data=audited(lambda: build_workbook(content), "下载会商材料",
                                                        f"{content.stem}.xlsx"),
                       file_name=f"{content.stem}.xlsx",
                       mime=XLSX, on_click="ignore", icon=":material/table_view:", key="pack_xlsx",
                       width="stretch")
with right:
    st.download_button("打印版报告（HTML）", data=audited(lambda: build_html(content, texts).encode("utf-8"),
                                                       "下载会商材料", f"{content.stem}.html"),
                       file_name=f"{content.stem}.html", mime="text/html", on_click="ignore",
                       icon=":material/print:", key="pack_html", width="stretch")
st.caption("会商材料（Word）和打印版报告使用下方“材料正文”中修改后的文字。工作簿含：说明、指标总表、"
           f"各指标分表（含柱状图和走势图）、短板清单、重大隐患、{'、'.join(w.sheet for w in WATCH_LISTS)}、驻点工作。"
           "打印版报告用浏览器打开后选择“打印”，纸张 A4，即可另存为 PDF。")

st.subheader("图表图片")
png_key = f"pack_png_{content.stem}_{f.as_of:%Y%m%d}_{content.frozen_at or ''}"
if images.chromium_path() is None:
    st.warning(f"本机没有安装 Chromium 浏览器，无法导出图表图片。请系统管理员安装：`{images.INSTALL_HINT}`",
               icon=":material/warning:")
else:
    if st.button("生成图表图片（PNG）", icon=":material/image:", key="pack_png_make"):
        with st.spinner("正在生成全部图表图片，约需十几秒……"):
            try:
                st.session_state[png_key] = images.render_png_zip(content)
            except images.ChartImagesUnavailable as problem:
                st.error(str(problem))
    zipped = st.session_state.get(png_key)
    if zipped is not None:
        # The download runs outside this script run, where st.session_state is not this session's: it takes the
        # archive itself, never a lookup in the session state.
        st.download_button("下载图表图片（ZIP）", data=audited(lambda: zipped, "下载会商材料", f"{content.stem}_图表.zip"),
                           file_name=f"{content.stem}_图表.zip",
                           mime="application/zip", on_click="ignore", icon=":material/download:", key="pack_png")
    else:
        st.caption("每项指标的各区市柱状图和近八个季度走势图，另加各项指标总览图，每张一个 PNG 文件。")

# ------------------------------------------------------------------ the paper's text
st.subheader("材料正文（可修改）")
read_only = user.role not in (meeting_access.CITY_ROLE, meeting_access.DISTRICT_ROLE)
locked = paper_is_citys and record.is_final
if read_only:
    st.caption(f"以下文字由系统根据数据起草（或已由市级、区市用户修改）；{user.role}用户只能查看。")
elif locked:
    st.caption("会商已定稿，全市会商材料正文不能再修改（市级用户可退回草稿）。下载的材料使用以下文字。")
else:
    st.caption("以下文字由系统根据数据起草，可直接修改，修改后自动保存为本季度会商材料的修改稿（切换页面、刷新后仍在）；"
               "上方下载的会商材料（Word）和打印版报告使用修改后的文字，表格始终按数据生成。以“（一）”开头的行排为小标题。")
meetings.show_outcome("text")


def save_text(section: str, widget: str) -> None:
    meetings.act(meeting_access.save_draft_texts, q, {section: st.session_state[widget]}, districts=districts,
                 done=f"“{labels[section]}”的修改已保存。", where="text")


def restore_drafts() -> None:
    meetings.act(meeting_access.clear_draft_texts, q, districts=districts, done="已恢复为系统起草的文字。",
                 where="text")


for key, title in labels.items():
    # The shown text is part of the key: a widget is made afresh whenever the text to show changes (saved, restored,
    # or drafted again from new data), and keeps what the user typed while a save is refused.
    digest = hashlib.sha1(texts[key].encode("utf-8")).hexdigest()[:12]
    widget = f"pack_text_{key}_{q.label}_{scope_label}_{digest}"
    st.text_area(title, value=texts[key], key=widget, height=TEXT_HEIGHTS[key], max_chars=SECTION_TEXT_LIMIT,
                 disabled=read_only or locked, on_change=save_text, args=(key, widget))
if stored_texts:
    st.caption(f"已修改的部分：{'、'.join(labels[k] for k in labels if k in stored_texts)}。")
st.button("恢复为系统起草的文字", on_click=restore_drafts, icon=":material/restart_alt:", key="pack_restore",
          disabled=read_only or locked or not stored_texts)
if handed_over:  # the paper of this page's next run, drafted in the background once this one is drawn
    meetings.prefetch_paper(f)
