"""Indicators of the resident-supervision work: figures, trends, shortfall lists and watch lists.

    metrics.api         report, trend, shortfall, watch, finding_level, data_as_of (the public API)
    metrics.indicators  the eleven indicators, each declared once (wording and SQL)
    core.quarters    Quarter, parse_quarter, quarter_range, available_quarters …
    metrics.sql         the base relations every query is written against
    metrics.rules       the contract's rules (on duty, overdue, valid certificate …) as SQL, written once
    metrics.overview, quality, enterprise, hazards, supervision
                        the browsing queries behind the dashboard pages (shared parts in metrics.browsing)
    cli.metrics_commands         `python -m metrics report | shortfall | watch | indicators`

Nothing here imports streamlit; the dashboard and the meeting pack call `metrics.api`.
"""
