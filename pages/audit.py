"""审计日志 (市级 only): who signed in, imported, rolled back and exported what, and the users."""
from ui.session import require_page

require_page(role="市级")

import pandas as pd
import streamlit as st

from access import users
from ui import layout
from ui.session import users_path

st.title("审计日志")
st.caption("记录登录（成功与失败）、退出、会话超时、数据导入、撤销批次、会商材料下载和表格导出。最新的在前。")

entries = pd.DataFrame(users.audit_entries(users_path()), columns=["时间", "用户", "操作", "内容"])
left, right = st.columns(2)
with left:
    actions = st.multiselect("操作", sorted(entries["操作"].unique()), key="audit_actions", placeholder="全部操作")
with right:
    people = st.multiselect("用户", sorted(entries["用户"].unique()), key="audit_users", placeholder="全部用户")
shown = entries
if actions:
    shown = shown[shown["操作"].isin(actions)]
if people:
    shown = shown[shown["用户"].isin(people)]
layout.table(shown.reset_index(drop=True), "审计记录", key="audit_log", empty="没有符合条件的记录。")

st.subheader("用户")
accounts = pd.DataFrame(
    [(u.username, u.display_name, u.role, u.district or "全部区市") for u in users.list_users(users_path())],
    columns=["用户名", "显示名称", "角色", "区市"],
)
layout.table(accounts, "用户列表", key="audit_users_list",
             caption="新增、删除用户或修改密码请在服务器上运行 `python -m etl users add|remove|passwd`。")
