"""Synthetic landing data for every file of the input contract (``ingestion.contract``).

``generate_landing(landing_dir, scale=1.0, seed=42)`` writes ``<landing>/<source>/<name>.csv`` for each
contract file (UTF-8, header, comma, columns in contract order, ISO dates / timestamps, ``true``/``false``)
plus two answer-key files next to them:

* ``_bad_rows.csv`` (file, row_number, column, kind): every deliberately broken row. ``row_number`` is
  the 1-based data row number (header excluded) in ``file`` (the contract relative path).
* ``_generation.json``: seed, scale, row counts per file, bad rows per file, the deliberate quota
  mismatches and the forward-looking date columns.

Business window: 2024-01-01 .. 2025-12-31 (``WINDOW_START`` / ``WINDOW_END``). No event is dated after the
window end. The only columns that may hold a later date are the *planned* dates in
``FORWARD_LOOKING_COLUMNS`` (an invoice due date, an expected close date, a contract end date): the
receivable aging and overdue-pipeline marts need "not yet due" values as of 2025-12-31.

What the data makes true (so that the marts of ``domain.md`` have something to find):

* Funnel (§2): opportunities walk ``1_qualified .. 4_negotiation`` then ``5_won`` (and ``6_collected``
  once the linked order is paid) or end ``lost`` at any stage; fewer reach each later stage; ~6% skip
  a stage, ~5% re-enter an earlier one, ~6% stall (open and overdue at the window end). One history row
  per stage entry with strictly increasing ``entered_at``. Deals with the 8C/1F/0W checklist win ~65%,
  the rest ~30%. ~30% come from converted leads. Won deals get 3-6 activities before the win.
* Customers (§3): account spend is log-normal (a minority produce most revenue); accounts start in
  every month, ~15% churn, ~5% never order; every account is created before its first order.
* Orders: Q4 and March peaks, a Chinese New Year dip, ~18% growth year over year; ~3% cancelled,
  ~2% returned (with a negative-quantity line); ~15% in USD/EUR/HKD; payments in 1-3 instalments,
  some late (>15 days after due), some partial or never paid, cancelled orders unpaid.
* Channels (§4): each partner has an account (its sell-in orders carry ``partner_id``); month-end
  inventory = previous + sell-in - sell-out, never negative; a few partners stuff inventory at quarter
  end; a few sell outside their authorized provinces (窜货) or far below list price (砸价).
* Quotas (§5): revenue/collections per rep, team and company, monthly, plus quarter/year rows for
  company and teams; rep quotas sum to their team's, leaf teams to their region team, region teams to
  the company - except the two documented ``QUOTA_MISMATCHES``. Partner quarterly revenue quotas and
  team-level monthly new_customers / won_deals quotas.

Regions: teams and reps carry a sales region (``East``/``North``); accounts, partners and sell-out
carry a province (``Jiangsu`` ...), partners' ``authorized_regions`` is a ``;`` list of provinces.

Bad rows (``BAD_ROW_KINDS``): about ``BAD_ROW_RATE`` (0.3%) extra rows are inserted into accounts,
opportunities, orders, order_lines, payments, activities and partner_sell_out, plus at least one of
every kind that applies to the file in its first chunk (so each kind exists at any scale):

* ``duplicate_row``: an exact copy of a good row, placed after the original (the later copy is the bad
  one); ``column`` = the primary-key columns joined with ``+`` (empty for partner_sell_out, no key).
* ``missing_required``: a required non-key column left empty.
* ``orphan_foreign_key``: a required, rejecting reference (orders.account_id / channel_id,
  order_lines.order_id / product_id, payments.order_id, opportunities.rep_id, activities.rep_id,
  partner_sell_out.partner_id / product_id) set to an id that exists nowhere.
* ``invalid_date``: a required date/timestamp such as ``2025-13-45`` or ``31/02/2025``.
* ``negative_price``: order_lines / partner_sell_out ``unit_price`` < 0.

Bad rows are *extra* rows, never edits of good ones: a bad row that carries a key (order, account,
opportunity, payment, activity) gets a fresh id that no other row references, and a bad order line
hangs off a good order with an unused line number. So no good row ever needs a bad row, and every total
computed from good rows (order amounts, payments, sell-in, inventory) is exact.

Determinism and streaming: every random draw comes from ``numpy.random.default_rng`` seeded with
``(seed, crc32(table), chunk index...)`` (``randomness.seeded_rng``), never the clock or ``hash()``.
Orders, order lines and payments are generated per month (split into chunks of ``ORDERS_PER_CHUNK``
orders), activities per month and sell-out per month (written in chunks of ``SELL_OUT_ROWS_PER_CHUNK``),
each chunk written to the open CSV and dropped, so 10M order lines stay far below 2 GB.
``order_lines=N`` sets the order volume (and with it payments and sell-out); all other tables follow
``scale``. Dimension-like tables (teams, reps, products, partners) grow with ``sqrt(scale)``; channels
are a fixed catalog of 8.

Package layout (landing sub-folders mirrored by the table families):

* ``landing``: ``generate_landing`` (the tables in dependency order) and ``_generation.json``.
* ``crm``: ``org`` (teams, sales_reps), ``accounts``, ``funnel`` (opportunities, stage history and the
  orders / activities won deals imply), ``leads``, ``activities``.
* ``orders``: ``products``, ``fx_rates``, ``stream`` (orders, order_lines, payments month by month),
  ``headers`` / ``lines`` / ``payments`` (one chunk of each).
* ``channels``: ``partners`` (channels, partners), ``stock`` (partner_inventory, partner_sell_out).
* ``targets``: ``quotas``.
* shared: ``calendar``, ``randomness``, ``reference`` (reference data, contract vocabularies),
  ``columns`` (polars columns from arrays), ``world`` (sizes and cross-table state), ``sink`` (CSV
  writing) and ``bad_rows`` (the injected bad rows and ``_bad_rows.csv``).
"""

from __future__ import annotations

from sample_data.generator.bad_rows import BAD_ROW_KINDS, BAD_ROW_RATE, BAD_ROWS_FILE
from sample_data.generator.calendar import WINDOW_END, WINDOW_START
from sample_data.generator.channels.stock import SELL_OUT_ROWS_PER_CHUNK
from sample_data.generator.landing import (
    FORWARD_LOOKING_COLUMNS,
    GENERATION_FILE,
    GenerationReport,
    generate_landing,
)
from sample_data.generator.orders.stream import ORDERS_PER_CHUNK
from sample_data.generator.reference import BASE_CURRENCY, CURRENCIES, LOST, STAGES
from sample_data.generator.targets.quotas import QUOTA_MISMATCHES

__all__ = [
    "BAD_ROWS_FILE",
    "BAD_ROW_KINDS",
    "BAD_ROW_RATE",
    "BASE_CURRENCY",
    "CURRENCIES",
    "FORWARD_LOOKING_COLUMNS",
    "GENERATION_FILE",
    "LOST",
    "ORDERS_PER_CHUNK",
    "QUOTA_MISMATCHES",
    "SELL_OUT_ROWS_PER_CHUNK",
    "STAGES",
    "WINDOW_END",
    "WINDOW_START",
    "GenerationReport",
    "generate_landing",
]
