"""The sales-ops report: one self-contained HTML file of charts read from the serving database.

``reporting.report.build_report`` is the entry point (the ``salesops report`` command calls it). The
package reads the published marts only (``marts.*``, ``core.dim_*``, ``meta.publish_log``); every metric
is the mart's own number. Queries (``queries``), figures (``figures``), the page (``page``) and the
label vocabulary (``labels``) are kept apart.
"""
