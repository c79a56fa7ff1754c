"""`python -m etl`: load files, inspect batches and quarantine, roll back, make templates and demo data."""
from __future__ import annotations

import getpass
import sqlite3
import sys
from pathlib import Path

from etl import batches as batch_history
from warehouse import store
from access import users
from cli.common import (FORMATS, USAGE_ERROR, ChineseArgumentParser, ErrorMap, add_db_option, fail, operator,
                        print_rows, printable, run_command, settings_problem)
from core.config import default_db_path
from core import settings as declared
from etl.load import UsageError, load_paths
from access.users import ROLES

OPERATOR_HELP = "操作人附注（可选）。批次和审计日志记录的操作人始终是“命令行:操作系统用户名”，附注写在其后的括号中"


def _parser() -> ChineseArgumentParser:
    parser = ChineseArgumentParser(prog="python -m etl", description="威海市非危化品化工企业驻点监督数据：导入与管理")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令",
                                     parser_class=ChineseArgumentParser)

    load = commands.add_parser("load", help="加载 Excel/CSV 文件或文件夹（递归）")
    load.add_argument("paths", nargs="+", metavar="PATH", help="文件或文件夹")
    add_db_option(load)
    load.add_argument("--user", metavar="附注", help=OPERATOR_HELP)

    quarantine = commands.add_parser("quarantine", help="列出被隔离的问题行")
    add_db_option(quarantine)
    quarantine.add_argument("--format", choices=FORMATS, default="table")

    batches = commands.add_parser("batches", help="列出已加载的批次（每个文件一行）")
    add_db_option(batches)

    rollback = commands.add_parser("rollback", help="撤销一个批次")
    rollback.add_argument("batch_id", type=int, metavar="BATCH_ID")
    add_db_option(rollback)
    rollback.add_argument("--user", metavar="附注", help=OPERATOR_HELP)

    template = commands.add_parser("template", help="生成空白填报模板（.xlsx）")
    template.add_argument("name", metavar="NAME|all", help="模板名称（如 隐患台账 或 hazards），或 all")
    template.add_argument("--out", type=Path, required=True, help="输出文件夹")

    demo = commands.add_parser("demo", help="生成演示数据文件（固定随机种子，结果可复现）")
    demo.add_argument("--out", type=Path, required=True, help="输出文件夹")
    demo.add_argument("--scale", type=int, default=1, help="规模倍数（1 约为 300 家企业）")
    demo.add_argument("--seed", type=int, default=20261, help="随机种子")
    demo.add_argument("--quarter", help="最后一个季度，如 2026Q3（默认：最近一个已结束的季度）")

    shown = commands.add_parser("settings", help="列出全部设置项：当前值、默认值、允许范围和说明")
    shown.add_argument("--format", choices=(*FORMATS, "markdown"), default="table",
                       help="markdown 为说明文档 docs/settings.md 的内容")

    ensure = commands.add_parser("ensure-demo", help="数据库不存在时生成并加载演示数据")
    add_db_option(ensure)

    users = commands.add_parser("users", help="看板用户管理：add / remove / passwd / list")
    user_commands = users.add_subparsers(dest="users_command", required=True, metavar="操作",
                                         parser_class=ChineseArgumentParser)
    add = user_commands.add_parser("add", help="新增用户")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=list(ROLES), help="角色：市级 / 区市 / 分析")
    add.add_argument("--district", help="区市用户所属区市")
    add.add_argument("--name", required=True, help="显示名称，如 文登区应急局 张三")
    remove = user_commands.add_parser("remove", help="删除用户")
    remove.add_argument("username")
    passwd = user_commands.add_parser("passwd", help="修改密码")
    passwd.add_argument("username")
    user_commands.add_parser("list", help="列出用户")
    for sub in (add, remove, passwd, user_commands.choices["list"]):
        add_db_option(sub, "；用户库在其旁边的 access.sqlite3")
    for sub in (add, passwd):
        sub.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（供脚本使用）")
    return parser


_operator = operator


def _audit(db: Path, operator: str, action: str, detail: str) -> None:
    """An audit entry in the users store beside `db`; a store that cannot be written is reported, not fatal."""
    try:
        users.record(users.users_db_path(db), operator, action, detail)
    except (sqlite3.Error, OSError) as error:
        print(f"警告：未能写入审计日志（{type(error).__name__}: {printable(error)}）。", file=sys.stderr)


def _existing_db(path: Path | None) -> Path:
    db = path or default_db_path()
    if not db.exists():
        raise FileNotFoundError(f"数据库不存在：{db}。请先运行 `python -m etl load 文件或文件夹 --db {db}` 加载数据。")
    return db


def _progress(done: int, total: int, name: str) -> None:
    print(f"[{done}/{total}] 正在加载 {printable(name)}", file=sys.stderr, flush=True)


STATUS_WORDS = {"loaded": "已加载", "duplicate": "重复，已跳过", "rejected": "拒收"}


def _files_detail(results) -> str:
    return f"{len(results)} 个文件：" + "、".join(f"{r.file_name}（{STATUS_WORDS[r.status]}）" for r in results)


def cmd_load(args) -> int:
    db = args.db or default_db_path()
    operator = _operator(args.user)
    try:
        results = load_paths(args.paths, db, user=operator, progress=_progress)
    except (UsageError, store.WarehouseBusy) as error:
        _audit(db, operator, "导入失败", "、".join(map(str, args.paths)) + f"：{error}")
        raise
    _audit(db, operator, "导入", _files_detail(results))
    users.retire_demo_accounts(db)
    rows = [(r.file_name, r.template or "—", r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped,
             STATUS_WORDS[r.status]) for r in results]
    print_rows(("文件", "模板", "读取行", "加载行", "隔离行", "跳过行", "结果"), rows)
    total = [sum(r[i] for r in rows) for i in range(2, 6)]
    print(f"\n共 {len(results)} 个文件：读取 {total[0]} 行 = 加载 {total[1]} + 隔离 {total[2]} + 跳过（空行/说明行）{total[3]}。")
    rejected = [r for r in results if r.status == "rejected"]
    for r in rejected:
        print(f"拒收 {printable(r.file_name)}：{printable(r.message)}", file=sys.stderr)
    if any(r.rows_quarantined for r in results):
        print(f"问题行明细：python -m etl quarantine --db {printable(db)}")
    print(f"数据库：{printable(db)}")
    return 1 if rejected else 0


QUARANTINE_HEADERS = {"csv": ("file", "sheet", "row", "column", "value", "reason"),
                      "table": ("文件", "工作表", "行号", "列", "值", "原因")}


def cmd_quarantine(args) -> int:
    con = store.open_reader(_existing_db(args.db))
    rows = batch_history.list_quarantine(con)
    if rows or args.format == "csv":
        print_rows(QUARANTINE_HEADERS[args.format], rows, args.format)
    else:
        print("没有被隔离的问题行。")
    return 0


def cmd_batches(args) -> int:
    con = store.open_reader(_existing_db(args.db))
    rows = [
        (b[0], b[1], b[2][:12], b[3], b[4], b[5], b[6], b[7], f"{b[8]:%Y-%m-%d %H:%M:%S}", b[9],
         f"已撤销 {b[10]:%Y-%m-%d %H:%M}" if b[10] else "有效")
        for b in batch_history.list_batches(con)
    ]
    if not rows:
        print("还没有加载过任何文件。")
        return 0
    print_rows(("批次", "文件", "内容哈希", "模板", "读取", "加载", "隔离", "跳过", "加载时间", "操作人", "状态"), rows)
    return 0


def cmd_rollback(args) -> int:
    db = _existing_db(args.db)
    operator = _operator(args.user)
    try:
        batch = batch_history.rollback(db, args.batch_id, user=operator)
    except (batch_history.RollbackError, store.WarehouseBusy) as error:
        _audit(db, operator, "撤销批次失败", f"批次 {args.batch_id}：{error}")
        raise
    _audit(db, operator, "撤销批次", f"批次 {batch['batch_id']}：{batch['file_name']}")
    print(printable(f"已撤销批次 {batch['batch_id']}（{batch['file_name']}，{batch['template']}，{batch['rows_loaded']} 行）。"))
    return 0


def cmd_template(args) -> int:
    from etl.blank import write_blank_templates

    for path in write_blank_templates(args.name, args.out):
        print(path)
    return 0


def cmd_demo(args) -> int:
    from demo.generate import generate

    from core.quarters import QuarterError, parse_quarter

    if args.scale < 1:
        return fail("用法错误：--scale 应为不小于 1 的整数。", USAGE_ERROR)
    try:
        end_quarter = parse_quarter(args.quarter).label if args.quarter else None
    except QuarterError as error:
        return fail(f"用法错误：{error}", USAGE_ERROR)
    files = generate(args.out, scale=args.scale, seed=args.seed, end_quarter=end_quarter)
    print(f"已在 {args.out} 生成 {len(files)} 个演示数据文件。加载：python -m etl load {args.out}")
    return 0


def cmd_ensure_demo(args) -> int:
    from demo.bootstrap import ensure_demo_database

    db = args.db or default_db_path()
    if ensure_demo_database(db, progress=_progress):
        print(f"未找到数据库，已生成演示数据库：{db}（演示数据，非真实数据）")
    return 0


def _change_user(args, path) -> str:
    """Add, remove or re-password a user; what the audit log says about it."""
    if args.users_command == "add":
        user = users.add_user(path, args.username, _read_password(args), role=args.role, display_name=args.name,
                              district=args.district)
        return f"{user.username}（{user.display_name}，{user.role}{'，' + user.district if user.district else ''}）"
    if args.users_command == "remove":
        users.remove_user(path, args.username)
    else:
        users.set_password(path, args.username, _read_password(args))
    return args.username


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输一次：") != first:
        raise users.AccessError("两次输入的密码不一致。")
    return first


USER_ACTIONS = {"add": "新增用户", "remove": "删除用户", "passwd": "修改密码"}
DONE_MESSAGES = {"add": "已新增用户 {}。", "remove": "已删除用户 {}。", "passwd": "已修改用户 {} 的密码。"}


def cmd_users(args) -> int:
    db = args.db or default_db_path()
    path = users.users_db_path(db)
    if args.users_command in USER_ACTIONS:
        action, operator = USER_ACTIONS[args.users_command], _operator()
        try:
            done = _change_user(args, path)
        except users.AccessError as error:
            _audit(db, operator, action + "失败", f"{args.username}：{error}")
            raise
        _audit(db, operator, action, done)
        print(printable(DONE_MESSAGES[args.users_command].format(done)))
    else:
        rows = [(u.username, u.display_name, u.role, u.district or "全部") for u in users.list_users(path)]
        if rows:
            print_rows(("用户名", "显示名称", "角色", "区市"), rows)
        else:
            print("还没有用户。")
    return 0


def cmd_settings(args) -> int:
    if args.format == "markdown":
        print(declared.markdown(), end="")
        return 0
    header = ("设置项", "当前值", "默认值", "允许范围", "说明") if args.format == "table" else \
        ("key", "value", "default", "range", "help")
    print_rows(header, declared.rows(), args.format)
    if args.format == "table":
        print(f"\n设置文件：{printable(declared.settings_path())}（只写改动的项，未写出的项取默认值）")
    return 0


COMMANDS = {
    "load": cmd_load, "quarantine": cmd_quarantine, "batches": cmd_batches, "rollback": cmd_rollback,
    "template": cmd_template, "demo": cmd_demo, "ensure-demo": cmd_ensure_demo, "users": cmd_users,
    "settings": cmd_settings,
}


ERRORS = ErrorMap(usage=(UsageError,),
                  stated=(FileNotFoundError, batch_history.RollbackError, store.WarehouseBusy, users.AccessError,
                          ValueError),
                  writes_database=True)


def main(argv: list[str] | None = None) -> int:
    if (problem := settings_problem()) is not None:
        return fail(problem)
    args = _parser().parse_args(argv)
    return run_command(COMMANDS[args.command], args, ERRORS)
