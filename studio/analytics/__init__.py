"""Analytics: SQL aggregates, Plotly figures, transcript import and demo traffic."""
