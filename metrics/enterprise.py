"""One enterprise: search, profile, staff, training, drills, hazard ledger and version trails, logs, checklists."""
from __future__ import annotations

from datetime import date

import pandas as pd

from warehouse.templates import KEY_STAFF_CATEGORIES
from metrics import rules
from core.settings import setting
from metrics.browsing import IN_DISTRICTS, fetch_frame


IN_SCOPE = "统计范围内"


def enterprise_search(con, text: str = "", *, districts: list[str] | None = None,
                      limit: int | None = None) -> pd.DataFrame:
    """Enterprises (current roster, 关闭 included) whose name or credit code contains `text`; IN_SCOPE tells
    whether the figures count it (enterprises_in_scope)."""
    needle = "".join((text or "").split()).replace("（", "(").replace("）", ")").upper()
    return fetch_frame(con, f"""
        SELECT e.enterprise_name AS 企业名称, e.credit_code AS 统一社会信用代码, e.district AS 区市,
               e.industry AS 行业类别, e.status AS 企业状态, e.supervisor AS 驻点监督人员,
               e.credit_code IN (SELECT credit_code FROM enterprises_in_scope) AS {IN_SCOPE}
        FROM enterprises_current e
        WHERE {IN_DISTRICTS}
          AND ($needle = '' OR contains(upper(e.name_norm), $needle) OR contains(e.credit_code, $needle))
        ORDER BY e.district, e.enterprise_name
        LIMIT $limit
    """, {"districts": districts, "needle": needle, "limit": limit})


def enterprise_info(con, credit_code: str) -> dict | None:
    frame = fetch_frame(con, """
        SELECT e.enterprise_name AS 企业名称, e.credit_code AS 统一社会信用代码, e.district AS 区市,
               e.industry AS 行业类别, e.employees AS 从业人员数, e.supervisor AS 驻点监督人员,
               e.dispatch_unit AS 派出单位, e.stationed_on AS 进驻日期, e.status AS 企业状态,
               e.source_file AS 来源文件
        FROM enterprises_current e WHERE e.credit_code = $code
    """, {"code": credit_code})
    return None if frame.empty else frame.iloc[0].to_dict()


def enterprise_staff(con, credit_code: str, *, as_of: date) -> pd.DataFrame:
    """The enterprise's staff with on-duty and certificate status as of `as_of`."""
    return fetch_frame(con, f"""
        WITH people AS (
            SELECT s.*,
                   {rules.on_duty("$as_of", "s.")} AS on_duty,
                   list_contains($key_categories, s.category) AS key_role
            FROM staff_current s WHERE s.credit_code = $code
        ),
        judged AS (
            SELECT *,
                   CASE
                     WHEN cert_no IS NULL THEN CASE WHEN key_role THEN '无证书' ELSE '—' END
                     WHEN cert_valid_until IS NULL THEN '有效期未填'
                     WHEN cert_valid_until < $as_of THEN '已过期'
                     WHEN cert_valid_until <= $as_of + to_days($expiry_days) THEN '即将到期'
                     ELSE '有效'
                   END AS cert_state
            FROM people
        )
        SELECT person_id AS 人员编号, person_name AS 姓名, category AS 岗位类别, work_type AS 作业类别,
               CASE WHEN on_duty THEN '在岗' ELSE '不在岗' END AS 在岗状态,
               CASE WHEN key_role THEN '是' ELSE '否' END AS 关键岗位,
               cert_no AS 证书编号, cert_valid_until AS 证书有效期至, cert_state AS 证书状态,
               hired_on AS 入职日期, left_on AS 离职日期,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM judged
        ORDER BY on_duty DESC,
                 list_position(['已过期', '无证书', '即将到期', '有效期未填'], cert_state) NULLS LAST,
                 key_role DESC, person_id
    """, {"code": credit_code, "as_of": as_of, "key_categories": list(KEY_STAFF_CATEGORIES),
          "expiry_days": setting("watch.certificate_expiry_days")})


def enterprise_training(con, credit_code: str) -> pd.DataFrame:
    return fetch_frame(con, """
        SELECT trained_on AS 培训日期, course AS 培训名称, person_id AS 人员编号, person_name AS 姓名,
               hours AS 学时, score AS 考核成绩,
               CASE WHEN passed THEN '合格' ELSE '不合格' END AS 考核结果,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM training WHERE credit_code = $code
        ORDER BY trained_on DESC, person_id
    """, {"code": credit_code})


def enterprise_drills(con, credit_code: str) -> pd.DataFrame:
    return fetch_frame(con, """
        SELECT drill_date AS 演练日期, drill_name AS 演练名称, drill_type AS 演练类型,
               expected AS 应参加人数, actual AS 实际参加人数,
               round(actual * 100.0 / expected, 1) AS "参与率（%）",
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM drills WHERE credit_code = $code
        ORDER BY drill_date DESC
    """, {"code": credit_code})


def enterprise_hazards(con, credit_code: str, *, as_of: date) -> pd.DataFrame:
    """The enterprise's hazard ledger (latest version of each hazard) with its number of versions."""
    return fetch_frame(con, f"""
        WITH versions AS (
            SELECT credit_code, hazard_id, count(*) AS n FROM hazards WHERE credit_code = $code GROUP BY ALL
        )
        SELECT h.hazard_id AS 隐患编号, h.found_on AS 发现日期, h.category AS 隐患类别, h.level AS 隐患等级,
               h.description AS 隐患描述, h.owner AS 整改责任人, h.deadline AS 整改期限,
               h.rectified_on AS 整改完成日期, h.status AS 整改状态, h.closed_on AS 销号日期,
               h.reported_on AS 上报日期, h.transferred_to AS 移交部门,
               CASE WHEN {rules.rectified("$as_of", "h.")} THEN '已整改'
                    WHEN {rules.overdue("$as_of", "h.")} THEN '超期未整改'
                    ELSE '整改期限内' END AS 截至日期状态,
               v.n AS 版本数,
               h.source_file AS 来源文件, h.source_sheet AS 工作表, h.source_row AS 行号
        FROM hazards_current h JOIN versions v USING (credit_code, hazard_id)
        WHERE h.credit_code = $code
        ORDER BY h.found_on DESC, h.hazard_id
    """, {"code": credit_code, "as_of": as_of})


def hazard_versions(con, credit_code: str, hazard_id: str) -> pd.DataFrame:
    """Every loaded version of one hazard of one enterprise, oldest first: the 对账销号 trail.

    A hazard is its enterprise and its 隐患编号: another enterprise's hazard of the same number is not in its trail.
    """
    return fetch_frame(con, """
        SELECT row_number() OVER (ORDER BY h.batch_id, h.source_row) AS 版本,
               b.loaded_at AS 导入时间, h.status AS 整改状态, h.rectified_on AS 整改完成日期,
               h.closed_on AS 销号日期, h.acceptor AS 验收人, h.deadline AS 整改期限,
               h.measure AS 整改措施, h.owner AS 整改责任人, h.reported_on AS 上报日期,
               h.transferred_to AS 移交部门,
               h.source_file AS 来源文件, h.source_sheet AS 工作表, h.source_row AS 行号
        FROM hazards h LEFT JOIN batches b USING (batch_id)
        WHERE h.credit_code = $code AND h.hazard_id = $id
        ORDER BY h.batch_id, h.source_row
    """, {"code": credit_code, "id": hazard_id})


def enterprise_logs(con, credit_code: str, *, start: date, end: date) -> pd.DataFrame:
    return fetch_frame(con, """
        SELECT log_date AS 日期, supervisor AS 驻点人员, content AS 工作内容, issues_found AS 发现问题数,
               special_op_type AS 特殊作业类型, special_ops AS 特殊作业数, onsite AS 现场监督数,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM work_logs
        WHERE credit_code = $code AND log_date BETWEEN $start AND $end
        ORDER BY log_date DESC
    """, {"code": credit_code, "start": start, "end": end})


def enterprise_checklists(con, credit_code: str) -> pd.DataFrame:
    return fetch_frame(con, """
        SELECT quarter AS 季度,
               CASE WHEN responsibility THEN '是' ELSE '否' END AS 安全生产责任制落实,
               CASE WHEN org_sound THEN '是' ELSE '否' END AS 安全管理机构健全,
               director AS 安全总监配备,
               rules_required AS 应建规章制度数, rules_built AS 已建规章制度数,
               rewards_due AS 应发奖励笔数, rewards_paid AS 已发奖励笔数,
               source_file AS 来源文件, source_sheet AS 工作表, source_row AS 行号
        FROM checklists_current WHERE credit_code = $code
        ORDER BY quarter DESC
    """, {"code": credit_code})
