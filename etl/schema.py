"""The warehouse schema, derived from the template declarations.

One table per template holds every loaded row with its provenance (batch id,
file, sheet, Excel row). Templates with a key also get a `<name>_current` view:
the latest version of each key (latest batch, then latest row in the file).
Superseded versions stay in the table: the hazard ledger's versions are the
对账销号 audit trail, and rolling back a batch brings the earlier version back.
"""
from __future__ import annotations

from etl.templates import TEMPLATES, Template

SCHEMA_VERSION = "1"

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


def _current_view_ddl(template: Template) -> str:
    keys = ", ".join(template.key)
    return (
        f"CREATE OR REPLACE VIEW {template.name}_current AS\n"
        f"SELECT * FROM {template.name}\n"
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY batch_id DESC, source_row DESC) = 1;"
    )


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
    parts = [BOOKKEEPING_DDL]
    for template in TEMPLATES:
        parts.append(_table_ddl(template))
        if template.key:
            parts.append(_current_view_ddl(template))
    parts.append(SCOPE_DDL)
    return "\n".join(parts)


def create_schema(con) -> None:
    con.execute(ddl())
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )
