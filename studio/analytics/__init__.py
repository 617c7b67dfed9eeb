"""Analytics over every logged session: filters, SQL aggregates turned into small DataFrames,
KPIs against the previous period, Plotly figures, knowledge gaps, drill-down, export, transcript
import and the demo traffic generator. Everything groups in SQL; pandas only ever sees binned,
grouped rows."""
