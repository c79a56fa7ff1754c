"""Type and validate a staged sheet in DuckDB SQL, built from the template declarations.

All files of one template in a load are validated together, in one pass: the
staged table `staging` holds one row per sheet row below the header, from every
file: `_file` (index of the file in the load), `_sheet`, `_row` (the Excel row
number), `_first` (the row's first non-empty cell) and `raw__<key>` (the cell
under each template column, NULL when the file lacks the column). The SQL built
here turns it into temporary tables:

  staged_rows    every row, classified: blank, notes (合计/备注/填表说明 …) or data
  typed_rows     the data rows with every template column parsed to its type (a view)
  resolved_rows  typed rows with the enterprise (and person) they refer to
  problems       one line per bad cell: column key, value and a Chinese reason
  checked_rows   resolved rows flagged `_bad` when they have any problem

A data row with no problem is loaded; a row with any problem is quarantined whole.
"""
from __future__ import annotations

from dataclasses import replace

from core.codes import CHARSET as CREDIT_CHARSET, WEIGHTS as CREDIT_WEIGHTS
from core.config import districts
from core.sqltext import sql_list as in_list, sql_literal as q
from warehouse.templates import NOT_APPLICABLE_WORDS, NO_WORDS, YES_WORDS, Column, Template

_FULLWIDTH = "".join(chr(0xFF10 + i) for i in range(10)) + "".join(chr(0xFF21 + i) for i in range(26)) \
    + "".join(chr(0xFF41 + i) for i in range(26)) + "．－／：（）　，＿"
_HALFWIDTH = "0123456789" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcdefghijklmnopqrstuvwxyz" + ".-/:() ,_"
NOTE_PATTERN = r"^(合\s*计|总\s*计|小\s*计|备\s*注|填表说明|说明[:：]|注[:：]|注\s*[0-9０-９]|填表人|填报人|制表|审核人|联系人|联系电话)"
DATE_HINT = "可填 2026-07-01、2026/7/1、2026.7.1、2026年7月1日 或 20260701"
YESNO_NA_ERROR = ("应填写 是、否 或 不适用（也可填 √/×、Y/N、有/无、已/未；不适用 也可填 "
                  + "、".join(NOT_APPLICABLE_WORDS[1:]) + "）")


def credit_check_char_sql(v: str) -> str:
    total = " + ".join(
        f"(strpos({q(CREDIT_CHARSET)}, substr({v}, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(CREDIT_WEIGHTS)
    )
    return f"substr({q(CREDIT_CHARSET)}, ((31 - (({total}) % 31)) % 31) + 1, 1)"


def create_macros(con) -> None:
    """Parsing helpers, temporary to the loading connection (never stored in the warehouse)."""
    d = districts()
    district_cases = " ".join(f"WHEN {q(alias)} THEN {q(name)}" for alias, name in d.aliases.items())
    con.execute(f"""
        CREATE OR REPLACE TEMP MACRO fw(s) AS
          CASE WHEN regexp_matches(s, '[\uFF01-\uFF5E\u3000]') THEN translate(s, {q(_FULLWIDTH)}, {q(_HALFWIDTH)}) ELSE s END;
        CREATE OR REPLACE TEMP MACRO squeeze(s) AS
          CASE WHEN regexp_matches(s, '\\s') THEN regexp_replace(fw(s), '\\s+', '', 'g') ELSE fw(s) END;
        CREATE OR REPLACE TEMP MACRO name_norm(s) AS lower(regexp_replace(translate(s, '（）【】［］', '()[][]'), '\\s+', '', 'g'));
        -- The parse_* macros take text already squeezed (see stage_sql): no spaces, half-width.
        CREATE OR REPLACE TEMP MACRO parse_date(s) AS CASE
            WHEN regexp_full_match(s, '\\d{{8}}') THEN try_strptime(s, '%Y%m%d')::DATE
            WHEN regexp_full_match(s, '\\d{{4}}[-/.年]\\d{{1,2}}[-/.月]\\d{{1,2}}日?') THEN
              try_strptime(regexp_replace(replace(s, '日', ''), '[/.年月]', '-', 'g'), '%Y-%m-%d')::DATE
            WHEN regexp_full_match(s, '\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}\\d{{1,2}}:\\d{{2}}(:\\d{{2}}(\\.\\d+)?)?') THEN
              try_strptime(regexp_extract(s, '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}'), '%Y-%m-%d')::DATE
            WHEN regexp_full_match(s, '\\d{{5}}(\\.\\d+)?') AND try_cast(s AS DOUBLE) BETWEEN 18264 AND 73051 THEN
              DATE '1899-12-30' + CAST(floor(CAST(s AS DOUBLE)) AS INTEGER)
          END;
        CREATE OR REPLACE TEMP MACRO parse_number(s) AS try_cast(replace(s, ',', '') AS DOUBLE);
        CREATE OR REPLACE TEMP MACRO parse_int(s) AS CASE
            WHEN parse_number(s) = floor(parse_number(s)) AND abs(parse_number(s)) < 2000000000
            THEN CAST(parse_number(s) AS INTEGER) END;
        CREATE OR REPLACE TEMP MACRO parse_yesno(s) AS CASE
            WHEN upper(s) IN {in_list(YES_WORDS)} THEN true
            WHEN upper(s) IN {in_list(NO_WORDS)} THEN false END;
        CREATE OR REPLACE TEMP MACRO parse_yesno_na(s) AS CASE
            WHEN upper(s) IN {in_list(YES_WORDS)} THEN '是'
            WHEN upper(s) IN {in_list(NO_WORDS)} THEN '否'
            WHEN upper(s) IN {in_list(NOT_APPLICABLE_WORDS)} THEN '不适用' END;
        CREATE OR REPLACE TEMP MACRO parse_district(s) AS
          CASE {d.strip_prefix_sql('s')} {district_cases} END;
        CREATE OR REPLACE TEMP MACRO parse_quarter(s) AS CASE
            WHEN regexp_full_match(upper(s), '\\d{{4}}-?Q[1-4]') THEN left(s, 4) || 'Q' || right(s, 1)
            WHEN regexp_full_match(s, '\\d{{4}}年第?[1-4一二三四]季度?') THEN
              left(s, 4) || 'Q' || translate(regexp_extract(s, '[1-4一二三四]季', 0)[1], '一二三四', '1234')
          END;
        CREATE OR REPLACE TEMP MACRO credit_code_ok(v) AS
          regexp_full_match(v, '[0-9A-HJ-NPQRTUWXY]{{18}}') AND right(v, 1) = {credit_check_char_sql('v')};
    """)


def _value_sql(column: Column, raw: str) -> str:
    """The typed value of a column (NULL when unparseable), from its raw and squeezed text."""
    kind = column.kind
    squeezed = raw.replace("raw__", "sq__")
    if kind == "text":
        value = f"regexp_replace({raw}, '\\s+', ' ', 'g')"
    elif kind == "id":
        value = squeezed
    elif kind == "credit_code":
        value = f"upper({squeezed})"
    elif kind == "enum":
        cases = " ".join(f"WHEN {q(v)} THEN {q(v)}" for v in column.values)
        cases += " " + " ".join(f"WHEN {q(a)} THEN {q(v)}" for a, v in column.value_aliases.items())
        value = f"CASE {squeezed} {cases} END"
    elif kind in ("district", "date", "int", "number", "yesno", "yesno_na", "quarter"):
        value = f"parse_{kind}({squeezed})"
    else:
        raise ValueError(f"unknown column kind {kind}")
    if column.default is not None:
        value = f"CASE WHEN {raw} IS NULL THEN {q(column.default)} ELSE {value} END"
    return value


def _parse_error(column: Column) -> str:
    kind = column.kind
    if kind == "credit_code":
        return "统一社会信用代码无效：应为 18 位数字或大写字母（不含 I、O、Z、S、V），且第 18 位校验位正确，请核对是否抄错"
    if kind == "district":
        return "区市名称无法识别，应为：" + "、".join(districts().names)
    if kind == "date":
        return f"日期无法识别或不存在，{DATE_HINT}"
    if kind == "int":
        return "应填写整数"
    if kind == "number":
        return "应填写数字"
    if kind == "yesno":
        return "应填写 是 或 否（也可填 √/×、Y/N、有/无、已/未）"
    if kind == "yesno_na":
        return YESNO_NA_ERROR
    if kind == "quarter":
        return "季度无法识别，请填写如 2026Q3、2026-Q3 或 2026年第三季度"
    if kind == "enum":
        return "不是允许的取值，应为：" + "、".join(column.values)
    return ""


def column_checks(column: Column, raw: str) -> list[str]:
    """SQL expressions yielding a reason, or NULL, for one column (over typed_rows)."""
    key = column.key
    checks = []
    if column.required and column.default is None:
        checks.append(f"CASE WHEN {raw} IS NULL THEN '必填项为空' END")
    error = _parse_error(column)
    if error:
        checks.append(f"CASE WHEN {raw} IS NOT NULL AND {key} IS NULL THEN {q(error)} END")
    if column.kind == "credit_code":
        checks.append(f"CASE WHEN {key} IS NOT NULL AND NOT credit_code_ok({key}) THEN {q(_parse_error(column))} END")
    if column.kind == "date":
        checks.append(f"CASE WHEN year({key}) NOT BETWEEN 1950 AND 2100 THEN '日期不合理（年份应在 1950—2100 之间）' END")
    if column.minimum is not None:
        checks.append(f"CASE WHEN {key} < {column.minimum} THEN {q(f'不能小于 {column.minimum:g}')} END")
    if column.maximum is not None:
        checks.append(f"CASE WHEN {key} > {column.maximum} THEN {q(f'不能大于 {column.maximum:g}')} END")
    return checks


def stage_sql(template: Template) -> str:
    """Classify every staged row and parse the template columns.

    A column's cells repeat (dates, numbers, names), so each distinct text of a column is squeezed
    and parsed once, then joined back to the cells that hold it.
    """
    raw_cols = ", ".join(f"raw__{c.key}" for c in template.columns)
    parsed, joins, typed = [], [], []
    for i, column in enumerate(template.columns):
        raw, squeezed = f"raw__{column.key}", f"sq__{column.key}"
        # Within the distinct texts the raw cell is never NULL: a column's default applies in typed_rows.
        value = _value_sql(replace(column, default=None), raw)
        parsed.append(f""", p{i} AS (
            SELECT {raw}, {value} AS parsed
            FROM (SELECT {raw}{f", squeeze({raw}) AS {squeezed}" if column.kind != "text" else ""}
                  FROM (SELECT DISTINCT {raw} FROM staging) WHERE {raw} IS NOT NULL))""")
        joins.append(f"LEFT JOIN p{i} ON p{i}.{raw} = f.{raw}")
        typed.append(f"p{i}.parsed AS parsed__{column.key}")
    typed_cols = ", ".join(
        (f"CASE WHEN raw__{c.key} IS NULL THEN {q(c.default)} ELSE parsed__{c.key} END" if c.default is not None
         else f"parsed__{c.key}") + f" AS {c.key}"
        for c in template.columns)
    return f"""
        CREATE OR REPLACE TEMP TABLE staged_rows AS
        WITH firsts AS (SELECT _file, _sheet, _row, {raw_cols}, _first FROM staging){"".join(parsed)}
        SELECT f._file, f._sheet, f._row, {", ".join(f"f.raw__{c.key}" for c in template.columns)}, {", ".join(typed)},
               CASE WHEN f._first IS NULL THEN 'blank'
                    WHEN regexp_matches(f._first, {q(NOTE_PATTERN)}) THEN 'note' END AS _skip
        FROM firsts f {" ".join(joins)};
        CREATE OR REPLACE TEMP VIEW typed_rows AS
        SELECT _file, _sheet, _row, {raw_cols}, {typed_cols}
        FROM staged_rows WHERE _skip IS NULL;
    """


def resolve_sql(template: Template) -> str:
    """Attach the enterprise (and, for training, the person) each row refers to.

    Rows name their enterprise by 统一社会信用代码, or by name only; names match after
    removing spaces and making brackets half-width, against every name the roster
    has ever given that enterprise.
    """
    if not template.enterprise_ref:
        return """
        CREATE OR REPLACE TEMP TABLE resolved_rows AS
        SELECT *, credit_code AS _credit_code, NULL::VARCHAR AS _person_id FROM typed_rows;
        """
    person = ""
    person_cols = "NULL::VARCHAR AS _person_id, NULL::BIGINT AS _person_matches"
    if template.name == "training":
        person = """
        , known_ids AS (SELECT DISTINCT credit_code, person_id FROM staff)
        , by_name AS (SELECT credit_code, person_name, min(person_id) AS person_id, count(*) AS n
                      FROM staff_current GROUP BY ALL)
        """
        person_cols = """CASE WHEN e.person_id IS NOT NULL THEN k.person_id
                              WHEN b.n = 1 THEN b.person_id END AS _person_id,
                         CASE WHEN e.person_id IS NOT NULL THEN (k.person_id IS NOT NULL)::BIGINT
                              ELSE coalesce(b.n, 0) END AS _person_matches"""
    person_join = ""
    if template.name == "training":
        person_join = """
        LEFT JOIN known_ids k ON k.credit_code = e._credit_code AND k.person_id = e.person_id
        LEFT JOIN by_name b ON b.credit_code = e._credit_code AND b.person_name = e.person_name"""
    return f"""
        CREATE OR REPLACE TEMP TABLE resolved_rows AS
        WITH known_codes AS (SELECT DISTINCT credit_code FROM enterprises)
        , known_names AS (SELECT name_norm, min(credit_code) AS credit_code, count(DISTINCT credit_code) AS n
                          FROM enterprises GROUP BY name_norm)
        , roster_district AS (SELECT credit_code, district AS _roster_district FROM enterprises_current)
        -- Each distinct name is normalised once (a file repeats its enterprises' names row after row).
        , named AS (SELECT d.enterprise_name, k.credit_code, k.n
                    FROM (SELECT DISTINCT enterprise_name FROM typed_rows) d
                    JOIN known_names k ON k.name_norm = name_norm(d.enterprise_name))
        {person}
        , with_enterprise AS (
            SELECT t.*,
                   CASE WHEN t.credit_code IS NOT NULL THEN c.credit_code
                        WHEN nm.n = 1 THEN nm.credit_code END AS _credit_code,
                   coalesce(nm.n, 0) AS _name_matches,
                   c.credit_code IS NOT NULL AS _code_known
            FROM typed_rows t
            LEFT JOIN known_codes c ON c.credit_code = t.credit_code
            LEFT JOIN named nm ON nm.enterprise_name = t.enterprise_name
        )
        SELECT e.*, r._roster_district, {person_cols}
        FROM with_enterprise e
        LEFT JOIN roster_district r ON r.credit_code = e._credit_code
        {person_join};
    """


ENTERPRISE_CHECKS = [
    ("credit_code", "raw__credit_code",
     "CASE WHEN credit_code IS NOT NULL AND credit_code_ok(credit_code) AND NOT _code_known THEN "
     "'该统一社会信用代码不在企业名册中：请核对代码，或先报送包含该企业的企业名册' END"),
    ("enterprise_name", "raw__enterprise_name",
     "CASE WHEN raw__credit_code IS NULL AND raw__enterprise_name IS NULL THEN "
     "'企业名称和统一社会信用代码都为空，至少填写一项' "
     "WHEN raw__credit_code IS NULL AND _name_matches = 0 THEN "
     "'企业名称在企业名册中找不到：请核对名称，或填写统一社会信用代码' "
     "WHEN raw__credit_code IS NULL AND _name_matches > 1 THEN "
     "'企业名册中有多家企业叫这个名称：请填写统一社会信用代码' END"),
]


CROSS_CHECKS: dict[str, list[tuple[str, str, str]]] = {
    "drills": [("actual", "raw__actual",
                "CASE WHEN actual > expected THEN '实际参加人数（' || actual || '）多于应参加人数（' || expected || '）' END")],
    "work_logs": [("onsite", "raw__onsite",
                   "CASE WHEN onsite > special_ops THEN '现场监督数（' || onsite || '）多于特殊作业数（' || special_ops || '）' END")],
    "checklists": [
        ("rules_built", "raw__rules_built",
         "CASE WHEN rules_built > rules_required THEN '已建规章制度数（' || rules_built || '）多于应建数（' || rules_required || '）' END"),
        ("rewards_paid", "raw__rewards_paid",
         "CASE WHEN rewards_paid > rewards_due THEN '已发奖励笔数（' || rewards_paid || '）多于应发笔数（' || rewards_due || '）' "
         "WHEN rewards_paid IS NOT NULL AND raw__rewards_due IS NULL THEN '填写了已发奖励笔数，但未填写应发奖励笔数' END"),
    ],
    "hazards": [
        ("deadline", "raw__deadline", "CASE WHEN deadline < found_on THEN '整改期限早于发现日期' END"),
        ("rectified_on", "raw__rectified_on", "CASE WHEN rectified_on < found_on THEN '整改完成日期早于发现日期' END"),
        ("status", "raw__status",
         "CASE WHEN status IN ('已整改', '已销号') AND raw__rectified_on IS NULL THEN "
         "'整改状态为' || status || '，但未填写整改完成日期' END"),
        ("district", "raw__district",
         "CASE WHEN district IS NOT NULL AND _roster_district IS NOT NULL AND district <> _roster_district THEN "
         "'所属区市与企业名册不一致（企业名册为' || _roster_district || '）' END"),
        ("transferred_on", "raw__transferred_on",
         "CASE WHEN transferred_on < found_on THEN '移交日期（' || transferred_on || '）早于发现日期（' || found_on || '）' END"),
        ("transfer_closed_on", "raw__transfer_closed_on",
         "CASE WHEN transfer_closed_on < transferred_on THEN "
         "'移交办结日期（' || transfer_closed_on || '）早于移交日期（' || transferred_on || '）' END"),
    ],
    # 交接 is this supervisor handing the post over (交接人 = the successor): it cannot precede the stationing.
    # 岗前培训 after 进驻 is late training, not an impossibility, and is loaded.
    "stationing_records": [
        ("withdrawn_on", "raw__withdrawn_on",
         "CASE WHEN withdrawn_on < stationed_on THEN '撤离日期（' || withdrawn_on || '）早于进驻日期（' || stationed_on || '）' END"),
        ("handover_on", "raw__handover_on",
         "CASE WHEN handover_on < stationed_on THEN "
         "'交接日期（' || handover_on || '）早于进驻日期（' || stationed_on || '）：交接日期是本人离任时向接任人员交接的日期' END"),
    ],
    "training": [
        ("person_id", "raw__person_id",
         "CASE WHEN _credit_code IS NOT NULL AND person_id IS NOT NULL AND _person_matches = 0 THEN "
         "'该人员编号在该企业的人员台账中找不到：请核对编号，或先报送人员台账' END"),
        ("person_name", "raw__person_name",
         "CASE WHEN _credit_code IS NOT NULL AND person_id IS NULL AND person_name IS NOT NULL AND _person_matches = 0 THEN "
         "'该姓名在该企业的人员台账中找不到：请核对姓名，或填写人员编号' "
         "WHEN _credit_code IS NOT NULL AND person_id IS NULL AND _person_matches > 1 THEN "
         "'该企业有多名同名人员：请填写人员编号' END"),
    ],
}


def problems_sql(template: Template) -> str:
    """One line per bad cell of the resolved rows, and the rows flagged."""
    checks: list[tuple[str, str, str]] = []
    for column in template.columns:
        for reason in column_checks(column, "raw__" + column.key):
            checks.append((column.key, "raw__" + column.key, reason))
    if template.enterprise_ref:
        checks += ENTERPRISE_CHECKS
    checks += CROSS_CHECKS.get(template.name, [])
    candidates = ",\n".join(
        f"{{'column_key': {q(key)}, 'value': {value}, 'reason': {reason}}}" for key, value, reason in checks
    )
    reasons = ", ".join(reason for _, _, reason in checks)
    # One pass over the rows finds those with any reason; each of those yields a candidate per check,
    # and the candidates with a reason are its problems.
    return f"""
        CREATE OR REPLACE TEMP TABLE problems AS
        WITH flagged AS (SELECT * FROM resolved_rows WHERE coalesce({reasons}) IS NOT NULL),
             candidates AS (SELECT _file, _sheet, _row, unnest([{candidates}]) AS p FROM flagged)
        SELECT _file, _sheet, _row, p.column_key, p.value, p.reason FROM candidates WHERE p.reason IS NOT NULL;
        CREATE OR REPLACE TEMP TABLE checked_rows AS
        SELECT r.*, b._row IS NOT NULL AS _bad
        FROM resolved_rows r
        LEFT JOIN (SELECT DISTINCT _file, _sheet, _row FROM problems) b USING (_file, _sheet, _row);
    """
