"""Indicators of the resident-supervision work: figures, trends, shortfall lists and watch lists.

    metrics.api         report, trend, shortfall, watch, finding_level, data_as_of (the public API)
    metrics.indicators  the eleven indicators, each declared once (wording and SQL)
    metrics.watch       the watch lists beside the rates, each declared once (wording and SQL)
    metrics.reconcile   the reconciliation checks (对账), each declared once (wording and SQL)
    metrics.escalation  直通车 timelines of major hazards and 移交 items; metrics.retrofit 一企一策 progress
    core.quarters    Quarter, parse_quarter, quarter_range, available_quarters …
    metrics.sql         the base relations every query is written against
    metrics.rules       the contract's rules (on duty, overdue, valid certificate …) as SQL, written once
    metrics.overview, quality, enterprise, hazards, supervision
                        the browsing queries behind the dashboard pages (shared parts in metrics.browsing)
    metrics.stationing  stationing history, gaps, rotation, handover records, the supervisor scorecard
    cli.metrics_commands         `python -m metrics report | shortfall | watch | indicators`

Nothing here imports streamlit; the dashboard and the meeting pack call `metrics.api`.
"""
