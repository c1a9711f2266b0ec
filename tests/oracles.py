"""Expected mart figures computed straight from a landing folder's CSV files with polars.

The point is independence: nothing here reads the warehouse, the project's readers, row rules, dbt SQL
or quarantine table. Which rows are unusable is decided by this module's own short rules, written from
the data contract (``../shared/spec/data-contract.md``): a blank required field, a date, timestamp or
number that does not parse, a value outside its range or vocabulary, an exact repeat of an earlier row,
and a required reference to a parent file that has rows but not that key. ``answer_key_rows`` reads the
generator's list of injected bad rows so a test can check these rules find exactly those.

Conventions (domain.md and the marts' YAML; the SQL was read only to pin them down):

* as-of date: the latest of the order dates, payment dates, activity dates and opportunity creation
  dates; when none of these sources has rows, the latest stage-entry, lead, sell-out or inventory date.
* base currency CNY: an amount in another currency uses the latest ``fx_rates`` rate dated on or before
  the amount's date. An amount with no such rate cannot be converted and adds nothing to a base sum
  (``FunnelFigures.unconverted_won`` / ``OrderFigures.unconverted_orders`` count them).
* revenue: Σ quantity × unit_price × (1 − discount) over an order's lines (return lines are negative),
  converted at the order date, 0 for a cancelled order; recognised on the order date.
* a deal is won (lost) as of D when its status is won (lost) and it closed on or before D; otherwise it
  is open if it was created on or before D. Its base amount uses the rate of its close date, else its
  creation date. Signing cycle = close date − creation date; sales cycle = collection date − creation
  date, where the collection date is the day the last linked order (not cancelled, positive net amount,
  ordered by D) was paid in full in its own currency (short by less than var receivable_settled_tolerance;
  all of them, by D), or, for a deal with no linked order, its first ``6_collected`` stage entry by D.
* RFM as of D: customers with a purchase (a non-cancelled order with a positive line) by D; recency =
  D − last purchase date; frequency = purchases in (D − var rfm_lookback_months, D]; monetary = revenue of the
  non-cancelled orders in that window.
* quota attainment: actual = revenue (orders by order date) or collections (applied payments by paid date,
  attributed to the order's rep) from the period start to the earlier of the period end and D.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import yaml

DBT_PROJECT_FILE = Path(__file__).resolve().parent.parent / "dbt_project" / "dbt_project.yml"


@functools.cache
def _dbt_vars() -> dict:
    return yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8"))["vars"]


def dbt_var(name: str):
    """The default of a dbt var as dbt_project.yml sets it. A configuration value the oracles share with
    the models (a threshold, a window), never the models' SQL: the arithmetic here stays independent."""
    return _dbt_vars()[name]


BASE_CURRENCY = dbt_var("base_currency")
RFM_LOOKBACK = f"-{dbt_var('rfm_lookback_months')}mo"
# A receivable residual under this (base currency) counts as settled (macros/receivables.sql).
SETTLED_TOLERANCE = dbt_var("receivable_settled_tolerance")


@dataclass(frozen=True)
class _Rules:
    """What makes a row of one file unusable (data-contract.md: * key, ! required, types, ranges)."""

    columns: tuple[str, ...]
    required: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    timestamps: tuple[str, ...] = ()
    integers: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    decimals: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    vocabularies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # column -> (parent file, parent key column): required references that reject an unknown key.
    parents: dict[str, tuple[str, str]] = field(default_factory=dict)


_RULES: dict[str, _Rules] = {
    "crm/teams.csv": _Rules(("team_id", "team_name", "parent_team_id", "region"), required=("team_id", "team_name")),
    "crm/sales_reps.csv": _Rules(
        (
            "rep_id",
            "rep_name",
            "email",
            "team_id",
            "manager_rep_id",
            "role",
            "region",
            "hire_date",
            "termination_date",
        ),
        required=("rep_id", "rep_name", "team_id"),
        dates=("hire_date", "termination_date"),
        parents={"team_id": ("crm/teams.csv", "team_id")},
    ),
    "crm/accounts.csv": _Rules(
        ("account_id", "account_name", "region", "created_at", "updated_at"),
        required=("account_id", "account_name", "created_at"),
        timestamps=("created_at", "updated_at"),
    ),
    "crm/leads.csv": _Rules(
        ("lead_id", "created_at", "source", "status", "converted_at"),
        required=("lead_id", "created_at", "source", "status"),
        timestamps=("created_at", "converted_at"),
    ),
    "crm/opportunities.csv": _Rules(
        (
            "opportunity_id",
            "account_id",
            "rep_id",
            "channel_id",
            "created_at",
            "stage",
            "status",
            "amount",
            "currency",
            "expected_close_date",
            "closed_at",
            "checklist_c",
            "checklist_f",
            "checklist_w",
        ),
        required=("opportunity_id", "rep_id", "created_at", "stage", "status"),
        dates=("expected_close_date",),
        timestamps=("created_at", "closed_at"),
        integers={"checklist_c": (0, 9), "checklist_f": (0, 9), "checklist_w": (0, 9)},
        decimals={"amount": (0, None)},
        vocabularies={"status": ("open", "won", "lost")},
        parents={"rep_id": ("crm/sales_reps.csv", "rep_id")},
    ),
    "crm/opportunity_stage_history.csv": _Rules(
        ("opportunity_id", "stage", "entered_at"),
        required=("opportunity_id", "stage", "entered_at"),
        timestamps=("entered_at",),
        parents={"opportunity_id": ("crm/opportunities.csv", "opportunity_id")},
    ),
    "crm/activities.csv": _Rules(
        ("activity_id", "rep_id", "opportunity_id", "activity_type", "occurred_at"),
        required=("activity_id", "rep_id", "activity_type", "occurred_at"),
        timestamps=("occurred_at",),
        vocabularies={
            "activity_type": ("call", "visit", "email", "meeting", "proposal", "quote", "survey", "care"),
        },
        parents={"rep_id": ("crm/sales_reps.csv", "rep_id")},
    ),
    "orders/products.csv": _Rules(
        ("product_id", "product_name", "product_line", "list_price", "unit_cost"),
        required=("product_id", "product_name", "product_line", "list_price"),
        decimals={"list_price": (0, None), "unit_cost": (0, None)},
    ),
    "orders/fx_rates.csv": _Rules(
        ("currency", "rate_date", "rate_to_base"),
        required=("currency", "rate_date", "rate_to_base"),
        dates=("rate_date",),
        decimals={"rate_to_base": (1e-7, None)},
    ),
    "orders/orders.csv": _Rules(
        (
            "order_id",
            "account_id",
            "rep_id",
            "channel_id",
            "opportunity_id",
            "order_date",
            "status",
            "currency",
            "due_date",
        ),
        required=("order_id", "account_id", "channel_id", "order_date", "status", "currency"),
        dates=("order_date", "due_date"),
        vocabularies={"status": ("placed", "approved", "shipped", "delivered", "cancelled", "returned")},
        parents={
            "account_id": ("crm/accounts.csv", "account_id"),
            "channel_id": ("channels/channels.csv", "channel_id"),
        },
    ),
    "orders/order_lines.csv": _Rules(
        ("order_id", "line_number", "product_id", "quantity", "unit_price", "discount_pct"),
        required=("order_id", "line_number", "product_id", "quantity", "unit_price"),
        integers={"line_number": (1, None), "quantity": (None, None)},
        decimals={"unit_price": (0, None), "discount_pct": (0, 1)},
        parents={
            "order_id": ("orders/orders.csv", "order_id"),
            "product_id": ("orders/products.csv", "product_id"),
        },
    ),
    "orders/payments.csv": _Rules(
        ("payment_id", "order_id", "paid_at", "amount", "currency"),
        required=("payment_id", "order_id", "paid_at", "amount", "currency"),
        timestamps=("paid_at",),
        decimals={"amount": (None, None)},
        parents={"order_id": ("orders/orders.csv", "order_id")},
    ),
    "channels/channels.csv": _Rules(
        ("channel_id", "channel_name", "channel_type"),
        required=("channel_id", "channel_name", "channel_type"),
        vocabularies={"channel_type": ("direct", "distribution", "agency", "ecommerce", "cross_border")},
    ),
    "channels/partners.csv": _Rules(
        ("partner_id", "partner_name", "channel_id"),
        required=("partner_id", "partner_name", "channel_id"),
        parents={"channel_id": ("channels/channels.csv", "channel_id")},
    ),
    "channels/partner_inventory.csv": _Rules(
        ("snapshot_date", "partner_id", "product_id", "on_hand_qty"),
        required=("snapshot_date", "partner_id", "product_id", "on_hand_qty"),
        dates=("snapshot_date",),
        integers={"on_hand_qty": (0, None)},
        parents={
            "partner_id": ("channels/partners.csv", "partner_id"),
            "product_id": ("orders/products.csv", "product_id"),
        },
    ),
    "channels/partner_sell_out.csv": _Rules(
        ("partner_id", "product_id", "sold_on", "quantity", "unit_price"),
        required=("partner_id", "product_id", "sold_on", "quantity", "unit_price"),
        dates=("sold_on",),
        integers={"quantity": (None, None)},
        decimals={"unit_price": (0, None)},
        parents={
            "partner_id": ("channels/partners.csv", "partner_id"),
            "product_id": ("orders/products.csv", "product_id"),
        },
    ),
    "targets/quotas.csv": _Rules(
        ("period_start", "period_grain", "level", "owner_id", "metric", "target_value"),
        required=("period_start", "period_grain", "level", "metric", "target_value"),
        dates=("period_start",),
        decimals={"target_value": (0, None)},
        vocabularies={
            "period_grain": ("month", "quarter", "year"),
            "level": ("company", "region", "channel", "team", "rep", "partner"),
            "metric": ("revenue", "collections", "new_customers", "won_deals"),
        },
    ),
}


def _blank(column: str) -> pl.Expr:
    return pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")


def _as_date(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def _as_timestamp(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    return pl.coalesce(
        text.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False),
        text.str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False),
        text.str.strptime(pl.Date, "%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
    )


def _as_float(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value)


def _as_int(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().cast(pl.Int64, strict=False)


def _in_range(value: pl.Expr, bounds: tuple[float | None, float | None]) -> pl.Expr:
    low, high = bounds
    ok = pl.lit(True)
    if low is not None:
        ok = ok & (value >= low)
    if high is not None:
        ok = ok & (value <= high)
    return ok


def answer_key_rows(landing: Path, relative: str) -> set[int]:
    """Row numbers (1-based data rows) the generator lists as injected bad rows of ``relative``."""
    key = Path(landing) / "_bad_rows.csv"
    if not key.exists():
        return set()
    bad = pl.read_csv(key, infer_schema=False)
    return {int(n) for n in bad.filter(pl.col("file") == relative)["row_number"]}


def _to_base(frame: pl.DataFrame, fx: pl.DataFrame, amount: str, currency: str, on: str, out: str) -> pl.DataFrame:
    """Add ``out`` = ``amount`` in the base currency at the latest rate dated on or before ``on``."""
    keyed = frame.with_row_index("_order_key")
    rates = fx.select(pl.col("currency").alias("_fx_currency"), pl.col("rate_date").alias("_fx_date"), "rate_to_base")
    nulls_last = keyed.filter(pl.col(on).is_not_null()).sort(on)
    joined = nulls_last.join_asof(
        rates.sort("_fx_date"),
        left_on=on,
        right_on="_fx_date",
        by_left=currency,
        by_right="_fx_currency",
        strategy="backward",
        check_sortedness=False,
    )
    undated = keyed.filter(pl.col(on).is_null()).with_columns(
        pl.lit(None, dtype=pl.Date).alias("_fx_date"), pl.lit(None, dtype=pl.Float64).alias("rate_to_base")
    )
    both = pl.concat([joined, undated], how="diagonal_relaxed").sort("_order_key")
    rate = (
        pl.when(pl.col(currency).is_null() | (pl.col(currency) == BASE_CURRENCY))
        .then(pl.lit(1.0))
        .otherwise(pl.col("rate_to_base"))
    )
    return both.with_columns((pl.col(amount) * rate).alias(out), rate.alias(f"{out}_rate")).drop(
        "_order_key", "_fx_date", "rate_to_base"
    )


@dataclass(frozen=True)
class FunnelFigures:
    as_of_date: date | None
    won_count: int
    lost_count: int
    win_rate: float | None
    won_amount_base: float
    unconverted_won: int  # won deals in a currency with no rate: not in won_amount_base
    avg_signing_cycle_days: float | None
    collected_won_count: int
    avg_sales_cycle_days: float | None
    open_count: int
    open_pipeline_base: float
    by_close_month: pl.DataFrame  # period_month, won_count, lost_count, won_amount_base


@dataclass(frozen=True)
class OrderFigures:
    as_of_date: date | None
    revenue_base: float
    order_count: int  # non-cancelled orders dated on or before the as-of date
    buying_customers: int  # distinct accounts of those orders
    rfm_customers: int
    collections_base: float
    unconverted_orders: int  # non-cancelled orders in a currency with no rate: revenue not counted


class LandingOracle:
    """Expected figures for one landing folder (each file read and checked once, on first use)."""

    def __init__(self, landing: Path) -> None:
        self.landing = Path(landing)

    # ------------------------------------------------------------------------------------ files

    @functools.cache  # noqa: B019 - one oracle per landing, kept for the whole test session
    def _checked(self, relative: str) -> tuple[pl.DataFrame, frozenset[int]]:
        """(usable rows typed, numbers of the rows left out). A missing or header-only file: no rows."""
        rules = _RULES[relative]
        path = self.landing / relative
        if path.exists():
            raw = pl.read_csv(path, infer_schema=False)
        else:
            raw = pl.DataFrame(schema=dict.fromkeys(rules.columns, pl.String))
        for column in rules.columns:
            if column not in raw.columns:
                raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(column))
        raw = raw.with_row_index("_row", offset=1)
        data_columns = [c for c in raw.columns if c != "_row"]

        bad = pl.lit(False)
        for column in rules.required:
            bad = bad | _blank(column)
        for column in rules.dates:
            bad = bad | (~_blank(column) & _as_date(column).is_null())
        for column in rules.timestamps:
            bad = bad | (~_blank(column) & _as_timestamp(column).is_null())
        for column, bounds in rules.integers.items():
            bad = bad | (~_blank(column) & ~_in_range(_as_int(column), bounds).fill_null(False))
        for column, bounds in rules.decimals.items():
            bad = bad | (~_blank(column) & ~_in_range(_as_float(column), bounds).fill_null(False))
        for column, allowed in rules.vocabularies.items():
            bad = bad | (~_blank(column) & ~pl.col(column).str.strip_chars().is_in(list(allowed)))
        # The later copy of a row repeated byte for byte is a duplicate delivery.
        bad = bad | ~pl.struct(data_columns).is_first_distinct()
        for column, (parent, parent_key) in rules.parents.items():
            parent_rows = self.rows(parent)
            # A parent file that is missing or empty means "no data from that source": nothing to check.
            if parent_rows.height:
                known = parent_rows[parent_key].implode()
                bad = bad | (~_blank(column) & ~pl.col(column).str.strip_chars().is_in(known))
        flagged = raw.with_columns(bad.fill_null(True).alias("_bad"))
        excluded = frozenset(int(n) for n in flagged.filter(pl.col("_bad"))["_row"])

        good = flagged.filter(~pl.col("_bad")).drop("_bad")
        typed = [_as_date(c).alias(c) for c in rules.dates]
        typed += [_as_timestamp(c).alias(c) for c in rules.timestamps]
        typed += [_as_int(c).alias(c) for c in rules.integers]
        typed += [_as_float(c).alias(c) for c in rules.decimals]
        typed_names = {*rules.dates, *rules.timestamps, *rules.integers, *rules.decimals}
        typed += [
            pl.when(_blank(c)).then(None).otherwise(pl.col(c).str.strip_chars()).alias(c)
            for c in rules.columns
            if c not in typed_names
        ]
        good = good.with_columns(typed)
        if "currency" in rules.columns:
            good = good.with_columns(pl.col("currency").str.to_uppercase())
        return good.select("_row", *rules.columns), excluded

    def rows(self, relative: str) -> pl.DataFrame:
        """The usable rows of a contract file, typed (dates, timestamps, numbers), with ``_row``."""
        return self._checked(relative)[0]

    def excluded_rows(self, relative: str) -> set[int]:
        """Data row numbers of ``relative`` this module's rules leave out."""
        return set(self._checked(relative)[1])

    def has_rows(self, relative: str) -> bool:
        return self.rows(relative).height > 0

    @functools.cached_property
    def fx(self) -> pl.DataFrame:
        return self.rows("orders/fx_rates.csv").select("currency", "rate_date", "rate_to_base")

    # ------------------------------------------------------------------------------------ as-of

    @functools.cached_property
    def as_of_date(self) -> date | None:
        primary = [
            self.rows("orders/orders.csv")["order_date"].max(),
            self.rows("orders/payments.csv")["paid_at"].dt.date().max(),
            self.rows("crm/activities.csv")["occurred_at"].dt.date().max(),
            self.rows("crm/opportunities.csv")["created_at"].dt.date().max(),
            self.rows("crm/opportunities.csv")["closed_at"].dt.date().max(),
        ]
        found = [d for d in primary if d is not None]
        if not found:
            fallback = [
                self.rows("crm/opportunity_stage_history.csv")["entered_at"].dt.date().max(),
                self.rows("crm/leads.csv")["created_at"].dt.date().max(),
                self.rows("channels/partner_sell_out.csv")["sold_on"].max(),
                self.rows("channels/partner_inventory.csv")["snapshot_date"].max(),
                self.rows("crm/accounts.csv")["created_at"].dt.date().max(),
                self.rows("targets/quotas.csv")["period_start"].max(),
            ]
            found = [d for d in fallback if d is not None]
        return max(found) if found else None

    def _as_of(self, as_of: date | None) -> date:
        day = as_of or self.as_of_date
        if day is None:
            raise ValueError(f"{self.landing}: no business date in the landing, so no as-of date")
        return day

    # ------------------------------------------------------------------------------------ orders

    @functools.cache  # noqa: B019
    def order_amounts(self) -> pl.DataFrame:
        """One row per usable order: net amount in its own currency, revenue in base, purchase flag."""
        lines = self.rows("orders/order_lines.csv").with_columns(
            (pl.col("quantity") * pl.col("unit_price") * (1 - pl.col("discount_pct").fill_null(0.0))).alias("net")
        )
        per_order = lines.group_by("order_id").agg(
            pl.col("net").sum().alias("net_amount"),
            (pl.col("quantity") > 0).any().alias("has_positive_line"),
            (pl.col("quantity") < 0).any().alias("has_return_line"),
        )
        orders = self.rows("orders/orders.csv").join(per_order, on="order_id", how="left")
        orders = _to_base(orders, self.fx, "net_amount", "currency", "order_date", "net_amount_base")
        cancelled = pl.col("status") == "cancelled"
        # Status returned without any return line: the whole order came back, no revenue.
        returned_whole = (pl.col("status") == "returned") & ~pl.col("has_return_line").fill_null(False)
        return orders.with_columns(
            cancelled.alias("is_cancelled"),
            pl.when(cancelled | returned_whole)
            .then(0.0)
            .otherwise(pl.col("net_amount_base").fill_null(0.0))
            .alias("revenue_base"),
            (~cancelled & pl.col("has_positive_line").fill_null(False)).alias("is_purchase"),
            (~cancelled & pl.col("net_amount").is_not_null() & pl.col("net_amount_base").is_null()).alias(
                "is_unconverted"
            ),
        )

    @functools.cache  # noqa: B019
    def payments_base(self) -> pl.DataFrame:
        """Usable payments with their base amount (rate of the paid date) and the order's rep and channel."""
        payments = self.rows("orders/payments.csv").with_columns(pl.col("paid_at").dt.date().alias("paid_date"))
        payments = _to_base(payments, self.fx, "amount", "currency", "paid_date", "amount_base")
        orders = self.rows("orders/orders.csv").select(
            "order_id", "rep_id", "channel_id", pl.col("currency").alias("order_currency")
        )
        return payments.join(orders, on="order_id", how="inner")

    def kpi_daily(self, as_of: date | None = None) -> pl.DataFrame:
        """date_day × channel_id with sales: revenue_base, orders, buying_customers (non-cancelled orders)."""
        day = self._as_of(as_of)
        return (
            self.order_amounts()
            .filter(~pl.col("is_cancelled") & (pl.col("order_date") <= day))
            .group_by(pl.col("order_date").alias("date_day"), "channel_id")
            .agg(
                pl.col("revenue_base").sum(),
                pl.len().cast(pl.Int64).alias("orders"),
                pl.col("account_id").n_unique().cast(pl.Int64).alias("buying_customers"),
            )
            .sort("date_day", "channel_id")
        )

    def payments_applied(self) -> pl.DataFrame:
        """Usable payments with applied_base (回款): the settlement value (order's booking rate when paid in
        the order's currency, else the paid date's rate) taken off the order's receivable, in payment order;
        what is left of a receivable under a cent is rounding and counts as collected."""
        orders = self.order_amounts().select(
            "order_id",
            pl.col("net_amount_base_rate").alias("order_rate"),
            pl.col("revenue_base").clip(lower_bound=0.0).alias("receivable"),
        )
        same_currency = pl.col("currency").eq_missing(pl.col("order_currency"))
        settled = pl.when(same_currency).then(pl.col("amount") * pl.col("order_rate")).otherwise(pl.col("amount_base"))

        def collected(settled_so_far: pl.Expr) -> pl.Expr:
            receivable = pl.col("receivable")
            return (
                # Rounded to the warehouse's 6 places, as the sales cycle's paid-in-full below.
                pl.when((receivable - settled_so_far).round(6) < SETTLED_TOLERANCE)
                .then(receivable)
                .otherwise(settled_so_far.clip(lower_bound=0.0))
            )

        return (
            self.payments_base()
            .join(orders, on="order_id", how="inner")
            .with_columns(settled.alias("settled_base"))
            .sort("order_id", "paid_at", "payment_id")
            .with_columns(pl.col("settled_base").cum_sum().over("order_id").alias("_cumulative"))
            .with_columns(
                (collected(pl.col("_cumulative")) - collected(pl.col("_cumulative") - pl.col("settled_base"))).alias(
                    "applied_base"
                )
            )
            .drop("_cumulative")
        )

    def collections_daily(self, as_of: date | None = None) -> pl.DataFrame:
        """date_day × channel_id: collections_base (回款, the applied settlement value of the payments)."""
        day = self._as_of(as_of)
        return (
            self.payments_applied()
            .filter(pl.col("paid_date") <= day)
            .group_by(pl.col("paid_date").alias("date_day"), "channel_id")
            .agg(pl.col("applied_base").sum().alias("collections_base"))
            .sort("date_day", "channel_id")
        )

    def rfm(self, as_of: date | None = None) -> pl.DataFrame:
        """One row per customer with a purchase by the as-of date: recency_days, frequency, monetary_base."""
        day = self._as_of(as_of)
        window_start = pl.lit(day).dt.offset_by(RFM_LOOKBACK)
        orders = self.order_amounts().filter(~pl.col("is_cancelled") & (pl.col("order_date") <= day))
        in_window = pl.col("order_date") > window_start
        per_customer = orders.group_by("account_id").agg(
            pl.col("order_date").filter(pl.col("is_purchase")).max().alias("last_purchase_date"),
            pl.col("order_id").filter(pl.col("is_purchase") & in_window).n_unique().cast(pl.Int64).alias("frequency"),
            pl.col("revenue_base").filter(in_window).sum().alias("monetary_base"),
        )
        return (
            per_customer.filter(pl.col("last_purchase_date").is_not_null())
            .with_columns((pl.lit(day) - pl.col("last_purchase_date")).dt.total_days().alias("recency_days"))
            .select("account_id", "last_purchase_date", "recency_days", "frequency", "monetary_base")
            .sort("account_id")
        )

    def order_figures(self, as_of: date | None = None) -> OrderFigures:
        day = self._as_of(as_of)
        sold = self.order_amounts().filter(~pl.col("is_cancelled") & (pl.col("order_date") <= day))
        paid = self.payments_applied().filter(pl.col("paid_date") <= day)
        return OrderFigures(
            as_of_date=day,
            revenue_base=float(sold["revenue_base"].sum()),
            order_count=sold.height,
            buying_customers=sold["account_id"].n_unique(),
            rfm_customers=self.rfm(day).height,
            collections_base=float(paid["applied_base"].fill_null(0.0).sum()),
            unconverted_orders=int(sold["is_unconverted"].sum()),
        )

    # ------------------------------------------------------------------------------------ funnel

    def opportunities_as_of(self, as_of: date | None = None) -> pl.DataFrame:
        """Deals created by the as-of date with status_as_of (open / won / lost), dates and base amount."""
        day = self._as_of(as_of)
        opportunities = self.rows("crm/opportunities.csv").with_columns(
            pl.col("created_at").dt.date().alias("created_date"),
            pl.col("closed_at").dt.date().alias("closed_date"),
            pl.coalesce(pl.col("closed_at"), pl.col("created_at")).dt.date().alias("_rate_date"),
        )
        opportunities = _to_base(opportunities, self.fx, "amount", "currency", "_rate_date", "amount_base")
        closed_by_then = pl.col("status").is_in(["won", "lost"]) & (pl.col("closed_date") <= day)
        return (
            opportunities.filter(pl.col("created_date") <= day)
            .with_columns(
                pl.when(closed_by_then).then(pl.col("status")).otherwise(pl.lit("open")).alias("status_as_of"),
            )
            .drop("_rate_date")
        )

    def _collection_dates(self, won: pl.DataFrame, day: date) -> pl.DataFrame:
        """opportunity_id -> collected_date (see the module docstring)."""
        orders = self.order_amounts().filter(
            pl.col("opportunity_id").is_not_null()
            & ~pl.col("is_cancelled")
            & (pl.col("net_amount") > 0)
            & (pl.col("order_date") <= day)
        )
        orders = orders.filter(pl.col("opportunity_id").is_in(won["opportunity_id"].implode()))
        order_rate = orders.select("order_id", "opportunity_id", "net_amount", pl.col("net_amount_base_rate"))
        payments = self.payments_base().join(order_rate, on="order_id", how="inner")
        # Paid in full is judged in the order's own currency, so rate moves never leave an order open.
        in_order_currency = (
            pl.when(pl.col("currency") == pl.col("order_currency"))
            .then(pl.col("amount"))
            .otherwise(pl.col("amount_base") / pl.col("net_amount_base_rate").fill_null(1.0))
        )
        paid_dates = (
            payments.sort("order_id", "paid_at", "payment_id")
            .with_columns(in_order_currency.cum_sum().over("order_id").alias("cumulative_paid"))
            .filter(
                # Short by less than the tolerance, to the places the warehouse keeps (6): as floats,
                # 3.01 − 3 × 1.00 is 0.00999999999999979, exactly a cent short in the warehouse.
                ((pl.col("net_amount") - pl.col("cumulative_paid")).round(6) < SETTLED_TOLERANCE)
                & (pl.col("paid_date") <= day)
            )
            .group_by("order_id")
            .agg(pl.col("paid_date").min().alias("fully_paid_date"))
        )
        by_deal = (
            order_rate.join(paid_dates, on="order_id", how="left")
            .group_by("opportunity_id")
            .agg(
                pl.col("fully_paid_date").null_count().alias("unpaid_orders"),
                pl.col("fully_paid_date").max().alias("last_paid_date"),
            )
            .with_columns(
                pl.when(pl.col("unpaid_orders") == 0).then(pl.col("last_paid_date")).alias("collected_date"),
                pl.lit(True).alias("has_orders"),
            )
        )
        history = self.rows("crm/opportunity_stage_history.csv")
        collected_stage = (
            history.filter((pl.col("stage") == "6_collected") & (pl.col("entered_at").dt.date() <= day))
            .group_by("opportunity_id")
            .agg(pl.col("entered_at").dt.date().min().alias("stage_collected_date"))
        )
        return (
            won.select("opportunity_id")
            .join(by_deal.select("opportunity_id", "collected_date", "has_orders"), on="opportunity_id", how="left")
            .join(collected_stage, on="opportunity_id", how="left")
            .select(
                "opportunity_id",
                pl.when(pl.col("has_orders").fill_null(False))
                .then(pl.col("collected_date"))
                .otherwise(pl.col("stage_collected_date"))
                .alias("collected_date"),
            )
        )

    def won_deals(self, as_of: date | None = None) -> pl.DataFrame:
        """One row per deal won by the as-of date: dates, signing and sales cycle days, base amount."""
        day = self._as_of(as_of)
        won = self.opportunities_as_of(day).filter(pl.col("status_as_of") == "won")
        return (
            won.join(self._collection_dates(won, day), on="opportunity_id", how="left")
            .select(
                "opportunity_id",
                "created_date",
                pl.col("closed_date").alias("won_date"),
                "collected_date",
                (pl.col("closed_date") - pl.col("created_date")).dt.total_days().alias("signing_cycle_days"),
                (pl.col("collected_date") - pl.col("created_date")).dt.total_days().alias("sales_cycle_days"),
                "amount",
                "currency",
                "amount_base",
            )
            .sort("opportunity_id")
        )

    def funnel(self, as_of: date | None = None) -> FunnelFigures:
        day = self._as_of(as_of)
        deals = self.opportunities_as_of(day)
        won = deals.filter(pl.col("status_as_of") == "won")
        lost = deals.filter(pl.col("status_as_of") == "lost")
        open_deals = deals.filter(pl.col("status_as_of") == "open")
        closed = pl.concat([won, lost])
        by_month = (
            closed.group_by(pl.col("closed_date").dt.truncate("1mo").alias("period_month"))
            .agg(
                (pl.col("status_as_of") == "won").sum().cast(pl.Int64).alias("won_count"),
                (pl.col("status_as_of") == "lost").sum().cast(pl.Int64).alias("lost_count"),
                pl.col("amount_base").filter(pl.col("status_as_of") == "won").sum().alias("won_amount_base"),
            )
            .sort("period_month")
        )
        cycles = self.won_deals(day)
        collected = cycles.filter(pl.col("sales_cycle_days").is_not_null())
        closed_count = won.height + lost.height
        return FunnelFigures(
            as_of_date=day,
            won_count=won.height,
            lost_count=lost.height,
            win_rate=won.height / closed_count if closed_count else None,
            won_amount_base=float(won["amount_base"].fill_null(0.0).sum()),
            unconverted_won=int((won["amount"].is_not_null() & won["amount_base"].is_null()).sum()),
            avg_signing_cycle_days=cycles["signing_cycle_days"].mean() if won.height else None,  # type: ignore[arg-type]
            collected_won_count=collected.height,
            avg_sales_cycle_days=collected["sales_cycle_days"].mean() if collected.height else None,  # type: ignore[arg-type]
            open_count=open_deals.height,
            open_pipeline_base=float(open_deals["amount_base"].fill_null(0.0).sum()),
            by_close_month=by_month,
        )

    # ------------------------------------------------------------------------------------ quota

    def quota_attainment(
        self,
        levels: tuple[str, ...] = ("company", "rep"),
        metrics: tuple[str, ...] = ("revenue", "collections"),
        as_of: date | None = None,
    ) -> pl.DataFrame:
        """Target, actual and attainment for every target row given in the file at those levels and
        metrics that has started by the as-of date (owner_id null for the company)."""
        day = self._as_of(as_of)
        quotas = self.rows("targets/quotas.csv").filter(
            pl.col("level").is_in(list(levels)) & pl.col("metric").is_in(list(metrics))
        )
        months = {"month": 1, "quarter": 3, "year": 12}
        targets = (
            quotas.with_columns(
                pl.when(pl.col("level") == "company").then(None).otherwise(pl.col("owner_id")).alias("owner_id"),
                pl.col("period_start").dt.truncate("1mo").alias("period_start"),
            )
            .with_columns(
                pl.col("period_start")
                .dt.offset_by(
                    pl.col("period_grain").replace_strict(months, return_dtype=pl.Int64).cast(pl.String) + "mo"
                )
                .dt.offset_by("-1d")
                .alias("period_end")
            )
            .filter(pl.col("period_start") <= day)
            .with_columns(
                pl.min_horizontal(pl.col("period_end"), pl.lit(day)).alias("to_date_end"),
                pl.col("owner_id").fill_null("*").alias("_owner_key"),
            )
        )
        sold = self.order_amounts().filter(~pl.col("is_cancelled"))
        events = pl.concat(
            [
                sold.select(
                    pl.lit("revenue").alias("metric"),
                    pl.col("order_date").alias("activity_date"),
                    pl.col("revenue_base").alias("value"),
                    "rep_id",
                ),
                self.payments_applied().select(
                    pl.lit("collections").alias("metric"),
                    pl.col("paid_date").alias("activity_date"),
                    pl.col("applied_base").alias("value"),
                    "rep_id",
                ),
            ]
        ).filter(pl.col("activity_date") <= day)
        by_owner = pl.concat(
            [
                events.select(
                    "metric",
                    "activity_date",
                    "value",
                    pl.lit("company").alias("level"),
                    pl.lit("*").alias("_owner_key"),
                ),
                events.filter(pl.col("rep_id").is_not_null()).select(
                    "metric",
                    "activity_date",
                    "value",
                    pl.lit("rep").alias("level"),
                    pl.col("rep_id").alias("_owner_key"),
                ),
            ]
        )
        actuals = (
            targets.select("level", "_owner_key", "metric", "period_grain", "period_start", "to_date_end")
            .join(by_owner, on=["level", "_owner_key", "metric"], how="inner")
            .filter(pl.col("activity_date").is_between(pl.col("period_start"), pl.col("to_date_end")))
            .group_by("level", "_owner_key", "metric", "period_grain", "period_start")
            .agg(pl.col("value").sum().alias("actual_value"))
        )
        return (
            targets.join(actuals, on=["level", "_owner_key", "metric", "period_grain", "period_start"], how="left")
            .with_columns(pl.col("actual_value").fill_null(0.0))
            .with_columns(
                pl.when(pl.col("target_value") > 0)
                .then(pl.col("actual_value") / pl.col("target_value"))
                .alias("attainment_pct")
            )
            .select(
                "level",
                "owner_id",
                "metric",
                "period_grain",
                "period_start",
                "period_end",
                "target_value",
                "actual_value",
                "attainment_pct",
            )
            .sort("level", "owner_id", "metric", "period_grain", "period_start", nulls_last=True)
        )


__all__ = [
    "BASE_CURRENCY",
    "SETTLED_TOLERANCE",
    "FunnelFigures",
    "LandingOracle",
    "OrderFigures",
    "answer_key_rows",
    "dbt_var",
]
