"""The warehouse schema, derived from the template declarations.

One table per template holds every loaded row with its provenance (batch id,
file, sheet, Excel row). Templates with a key also get a `<name>_current` table:
the latest version of each key (latest batch, then latest row in the file),
rebuilt by `refresh_current` whenever a load or a rollback changes the versions.
It is a table, not a view, because every indicator query reads it and the
latest-version window over all versions is the costliest part of those queries.
For the same reason the tables in `DERIVED_TABLES` (the logged days folded per
supervisor and quarter) are rebuilt along with them.
Superseded versions stay in the entity table: the hazard ledger's versions are
the 对账销号 audit trail, and rolling back a batch brings the earlier version back.
"""
from __future__ import annotations

from warehouse.templates import TEMPLATES, Template

# 3: the hazard ledger is keyed on (enterprise, 隐患编号)
# 4: contract revision 2: the ledger's 直通车 columns, 驻点派驻记录, 智能化改造台账, 安全总监配备 as 是/否/不适用 text
# 5: work_log_days, the logged days folded per supervisor, enterprise and quarter (DERIVED_TABLES)
SCHEMA_VERSION = "5"

SQL_TYPES = {
    "text": "VARCHAR", "id": "VARCHAR", "credit_code": "VARCHAR", "district": "VARCHAR",
    "enum": "VARCHAR", "date": "DATE", "int": "INTEGER", "number": "DOUBLE",
    "yesno": "BOOLEAN", "yesno_na": "VARCHAR", "quarter": "VARCHAR",
}

PROVENANCE_COLUMNS = (
    ("batch_id", "INTEGER NOT NULL"),
    ("source_file", "VARCHAR NOT NULL"),
    ("source_sheet", "VARCHAR NOT NULL"),
    ("source_row", "INTEGER NOT NULL"),
)

# Columns the loader derives beyond the template's own.
DERIVED_COLUMNS = {
    "enterprises": (("name_norm", "VARCHAR NOT NULL"),),
    "training": (("passed", "BOOLEAN NOT NULL"),),
    "stationing_records": (("supervisor_name", "VARCHAR NOT NULL"),),
}

# Key columns compared in a normalised form: the derived column stands in for the template's own in
# the latest-version key, so that "王 强" and "王强" on the same 进驻日期 are one stationing.
NORMALISED_KEYS = {"stationing_records": {"supervisor": "supervisor_name"}}


def supervisor_name_sql(expr: str) -> str:
    """A supervisor's name as compared: every space removed, full-width ones too ('王 强' is 王强)."""
    return f"regexp_replace({expr}, '[\\s\\x{{3000}}]', '', 'g')"


def current_key(template: Template) -> tuple[str, ...]:
    """The columns the latest-version table partitions on."""
    normalised = NORMALISED_KEYS.get(template.name, {})
    return tuple(normalised.get(key, key) for key in template.key)


def entity_columns(template: Template) -> list[tuple[str, str]]:
    """(name, SQL type) of an entity table, in order."""
    columns = [(c.key, SQL_TYPES[c.kind]) for c in template.columns]
    columns += list(DERIVED_COLUMNS.get(template.name, ()))
    return columns + list(PROVENANCE_COLUMNS)


def _table_ddl(template: Template) -> str:
    body = ",\n  ".join(f"{name} {sql_type}" for name, sql_type in entity_columns(template))
    return f"CREATE TABLE IF NOT EXISTS {template.name} (\n  {body}\n);"


def _current_table_sql(template: Template) -> str:
    keys = ", ".join(current_key(template))
    return (
        f"CREATE OR REPLACE TABLE {template.name}_current AS\n"
        f"SELECT * FROM {template.name}\n"
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY batch_id DESC, source_row DESC) = 1;"
    )


KEYED_TEMPLATES = tuple(t for t in TEMPLATES if t.key)

# Tables derived from one template's rows, rebuilt with its latest-version table: name -> (template, SELECT).
# work_log_days: the days each supervisor (name as compared) logged at an enterprise in a quarter, as the bits
# of a 128-bit set (bit n: the quarter's first day + n). Every indicator, stationing view and check that counts
# logged days reads this (on the demo set one row per 40 log rows) instead of folding the log rows on every
# query; the names are normalised after the rows are grouped by their spelling, once per group.
DERIVED_TABLES = {
    "work_log_days": ("work_logs", f"""
SELECT credit_code, {supervisor_name_sql("supervisor")} AS supervisor_name, quarter_start, bit_or(days) AS days
FROM (
    SELECT credit_code, supervisor, quarter_start, bit_or(1::HUGEINT << (log_date - quarter_start)) AS days
    FROM (SELECT credit_code, supervisor, log_date, date_trunc('quarter', log_date)::DATE AS quarter_start
          FROM work_logs WHERE supervisor IS NOT NULL AND log_date IS NOT NULL)
    GROUP BY ALL
)
GROUP BY ALL"""),
}


def refresh_current(con, templates=TEMPLATES) -> None:
    """Rebuild the latest-version tables of these templates and the tables derived from them."""
    names = {template.name for template in templates}
    for template in templates:
        if template.key:
            con.execute(_current_table_sql(template))
    for table, (source, select) in DERIVED_TABLES.items():
        if source in names:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {select}")


def stand_in_derived(con) -> None:
    """On a read-only connection to a warehouse read as it is (an older schema that could not be upgraded now): each
    derived table it lacks as a temporary view over its source, so that the queries reading it still run."""
    existing = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table, (_, select) in DERIVED_TABLES.items():
        if table not in existing:
            con.execute(f"CREATE TEMP VIEW {table} AS {select}")


BOOKKEEPING_DDL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS batches (
  batch_id INTEGER PRIMARY KEY,
  file_name VARCHAR NOT NULL,
  file_path VARCHAR NOT NULL,
  content_hash VARCHAR NOT NULL,
  template VARCHAR NOT NULL,
  sheets VARCHAR NOT NULL,
  rows_read INTEGER NOT NULL,
  rows_loaded INTEGER NOT NULL,
  rows_quarantined INTEGER NOT NULL,
  rows_skipped INTEGER NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  loaded_by VARCHAR NOT NULL,
  rolled_back_at TIMESTAMP,
  rolled_back_by VARCHAR
);
CREATE TABLE IF NOT EXISTS rejected_files (
  file_name VARCHAR NOT NULL,
  file_path VARCHAR NOT NULL,
  content_hash VARCHAR,
  reason VARCHAR NOT NULL,
  rejected_at TIMESTAMP NOT NULL,
  rejected_by VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
  batch_id INTEGER NOT NULL,
  template VARCHAR NOT NULL,
  file_name VARCHAR NOT NULL,
  sheet VARCHAR NOT NULL,
  "row" INTEGER NOT NULL,
  "column" VARCHAR NOT NULL,
  value VARCHAR,
  reason VARCHAR NOT NULL,
  raw_json VARCHAR NOT NULL
);
"""

# Convenience views shared by the indicators and the dashboard.
SCOPE_DDL = """
CREATE OR REPLACE VIEW enterprises_in_scope AS
SELECT * FROM enterprises_current WHERE status <> '关闭';
"""


def ddl() -> str:
    return "\n".join([BOOKKEEPING_DDL, *(_table_ddl(t) for t in TEMPLATES)])


def _drop_old_views(con) -> None:
    """Schema 1 had views where schema 2 has tables."""
    names = [f"{t.name}_current" for t in KEYED_TEMPLATES]
    views = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name IN (SELECT unnest($names))",
        {"names": names},
    ).fetchall()
    if views:
        con.execute("DROP VIEW IF EXISTS enterprises_in_scope")
    for (view,) in views:
        con.execute(f"DROP VIEW {view}")


# How a column stored under an older SQL type becomes its declared kind: (stored type, kind) -> SQL over {column}.
# Schema 4: 安全总监配备 was a yes/no (BOOLEAN); it is now 是/否/不适用 text.
CONVERSIONS = {("BOOLEAN", "yesno_na"): "CASE WHEN {column} THEN '是' WHEN NOT {column} THEN '否' END"}


def _upgrade_columns(con) -> bool:
    """Bring entity tables written by an older schema to the declared columns; True when any changed.

    A column added since is added (NULL in the rows loaded before it existed); a column whose
    kind changed is converted in place.
    """
    stored = {(table, column): data_type for table, column, data_type in con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main'").fetchall()}
    changed = False
    for template in TEMPLATES:
        kinds = {c.key: c.kind for c in template.columns}
        for name, declared in entity_columns(template):
            sql_type = declared.split()[0]
            have = stored.get((template.name, name))
            if have is None:
                con.execute(f"ALTER TABLE {template.name} ADD COLUMN {name} {sql_type}")
            elif have != sql_type:
                conversion = CONVERSIONS.get((have, kinds.get(name)))
                using = f" USING {conversion.format(column=name)}" if conversion else ""
                con.execute(f"ALTER TABLE {template.name} ALTER COLUMN {name} SET DATA TYPE {sql_type}{using}")
            else:
                continue
            changed = True
    return changed


def is_current(con) -> bool:
    """Whether a warehouse was written under this schema version (one without bookkeeping counts as current)."""
    if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'meta' "
                       "AND database_name = current_database() AND schema_name = 'main'").fetchall():
        return True
    stored = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    return bool(stored) and stored[0][0] == SCHEMA_VERSION


def create_schema(con) -> None:
    con.execute(ddl())
    _drop_old_views(con)
    upgraded = _upgrade_columns(con)
    stored = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    if upgraded or (stored and stored[0][0] != SCHEMA_VERSION):
        refresh_current(con)  # an older schema built the latest versions on other keys or columns
    else:
        existing = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        derived = {source for table, (source, _) in DERIVED_TABLES.items() if table not in existing}
        refresh_current(con, [t for t in TEMPLATES if (t.key and f"{t.name}_current" not in existing)
                              or t.name in derived])
    con.execute(SCOPE_DDL)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )
