"""Analytics over every logged session: filters, SQL aggregates turned into small DataFrames,
KPIs against the previous period, Plotly figures, knowledge gaps, drill-down, export, the demo
traffic generator and transcript import. Everything groups in SQL; pandas only sees grouped rows."""
