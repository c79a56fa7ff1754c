"""The warehouse schema, derived from the template declarations.

One table per template holds every loaded row with its provenance (batch id,
file, sheet, Excel row). Templates with a key also get a `<name>_current` table:
the latest version of each key (latest batch, then latest row in the file),
rebuilt by `refresh_current` whenever a load or a rollback changes the versions.
It is a table, not a view, because every indicator query reads it and the
latest-version window over all versions is the costliest part of those queries.
Superseded versions stay in the entity table: the hazard ledger's versions are
the 对账销号 audit trail, and rolling back a batch brings the earlier version back.
"""
from __future__ import annotations

from warehouse.templates import TEMPLATES, Template

SCHEMA_VERSION = "3"  # 3: the hazard ledger is keyed on (enterprise, 隐患编号)

SQL_TYPES = {
    "text": "VARCHAR", "id": "VARCHAR", "credit_code": "VARCHAR", "district": "VARCHAR",
    "enum": "VARCHAR", "date": "DATE", "int": "INTEGER", "number": "DOUBLE",
    "yesno": "BOOLEAN", "quarter": "VARCHAR",
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
}


def entity_columns(template: Template) -> list[tuple[str, str]]:
    """(name, SQL type) of an entity table, in order."""
    columns = [(c.key, SQL_TYPES[c.kind]) for c in template.columns]
    columns += list(DERIVED_COLUMNS.get(template.name, ()))
    return columns + list(PROVENANCE_COLUMNS)


def _table_ddl(template: Template) -> str:
    body = ",\n  ".join(f"{name} {sql_type}" for name, sql_type in entity_columns(template))
    return f"CREATE TABLE IF NOT EXISTS {template.name} (\n  {body}\n);"


def _current_table_sql(template: Template) -> str:
    keys = ", ".join(template.key)
    return (
        f"CREATE OR REPLACE TABLE {template.name}_current AS\n"
        f"SELECT * FROM {template.name}\n"
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY batch_id DESC, source_row DESC) = 1;"
    )


KEYED_TEMPLATES = tuple(t for t in TEMPLATES if t.key)


def refresh_current(con, templates=KEYED_TEMPLATES) -> None:
    """Rebuild the latest-version tables of these templates."""
    for template in templates:
        if template.key:
            con.execute(_current_table_sql(template))


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


def create_schema(con) -> None:
    con.execute(ddl())
    _drop_old_views(con)
    stored = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    if stored and stored[0][0] != SCHEMA_VERSION:
        refresh_current(con)  # an older schema built the latest versions on other keys
    else:
        existing = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        refresh_current(con, [t for t in KEYED_TEMPLATES if f"{t.name}_current" not in existing])
    con.execute(SCOPE_DDL)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )
