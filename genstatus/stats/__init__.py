"""Observability: the figures of the Statistics page, its SVG charts and the panel's
health checks (docs/observability.md).

- ``windows``: the windows a page looks at (1 h, 24 h, 7 d, 30 d);
- ``sql``: the few expressions the figures need on every database (a time bucket, the
  seconds between two datetimes, a duration histogram's bucket) and the portable
  percentile;
- ``figures``: per provider and operation, for a window and a ``Visibility``;
- ``percentiles``: p50 and p95, exact (``percentile_cont``) or from histograms;
- ``rollup``: everyone's counts per closed UTC day (``models.DailyStat``), which the
  30-day window reads;
- ``charts``: completions and failures over time as accessible SVG, drawn on the server;
- ``health``: stuck and waiting jobs, the reaper's last run (the panel's banner).

Every figure reads the rows a ``models.Visibility`` allows, never the whole table: a
window is one range of the indexes of migration 0005.
"""
