"""Figures beyond the dashboard: the wallboard, the weekday-by-hour heatmap, who is calling.

One module per job; views in monitoring/views/ read them. Every query is bounded by a period on
`Call.started_at` (indexed) and aggregates in the database.
"""
