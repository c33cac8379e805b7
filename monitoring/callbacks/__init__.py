"""Callbacks: missed calls worked off.

- `hours`: working hours and the calendar of non-working days, the callback clock;
- `derive`: a number's callbacks from its stored calls and people's actions (incremental and full);
- `actions`: claim, assign and outcomes, each audited;
- `queue`: what the callbacks page lists, for whom;
- `figures`: time to callback (service level, median, 90th percentile, open, oldest).
"""
