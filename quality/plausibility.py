"""Warnings on the accepted rows that need no history: values the contract allows but that are implausible.

Date windows, plausible value ranges, date order, freshness of the newest row, and vocabulary values that
reached the accepted rows anyway. All severity **warn**: the contract does not forbid these values (the
vocabulary one is the loader's promise, and the staging ``accepted_values`` tests block on it); they flag
data to look at, and the reconciliation tests decide whether numbers are still right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ingestion.contract import ColumnType, ContractFile
from quality.expectations import ROWS, WARN, ExpectationSpec

# Event dates before this are typos (the business has no records that old). PROJECT CHOICE.
EARLIEST_PLAUSIBLE_DATE = date(2000, 1, 1)
# Events dated after the reference time by more than this are typos (clock skew allowed). PROJECT CHOICE.
FUTURE_TOLERANCE = timedelta(days=1)
# Planned dates (due dates, expected close dates, partner contract ends of several years, future quotas)
# may lie ahead; further than this is a typo (2205 for 2025). PROJECT CHOICE.
PLANNING_HORIZON = timedelta(days=10 * 366)


@dataclass(frozen=True)
class Freshness:
    """The newest row of ``column`` must be at most ``max_age`` older than the reference time."""

    column: str
    max_age: timedelta
    dq_rule: str = "DQ37"


@dataclass(frozen=True)
class FileRules:
    """Per-file rules beyond the contract (all severity warn)."""

    # Date/timestamp columns allowed to lie up to PLANNING_HORIZON ahead (plans, not events).
    planned_dates: tuple[str, ...] = ()
    # column -> (min, max) for values the contract does not bound but that are implausible outside.
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # (later, earlier): ``later`` must be on or after ``earlier`` when both are present.
    ordered_dates: tuple[tuple[str, str, str], ...] = ()  # (later, earlier, dq_rule)
    freshness: Freshness | None = None
    # Numeric columns whose quantiles are compared with the previous load (quality.drift).
    distributions: tuple[str, ...] = ()


# Freshness windows are PROJECT CHOICES (SGNN) except the CRM one: DQ03 "CRM file freshness ≤ 1 day"
# ([003] "銷售每日在CRM中記錄溝通要點"). Order-side files get 3 days so a weekend is not an alarm;
# inventory snapshots are month-end, so 35 days.
FILE_RULES: dict[str, FileRules] = {
    "teams": FileRules(),
    "sales_reps": FileRules(
        planned_dates=("termination_date",),
        ordered_dates=(("termination_date", "hire_date", "DQ05"),),
    ),
    "accounts": FileRules(
        ordered_dates=(("updated_at", "created_at", "DQ03"),),
    ),
    "leads": FileRules(
        ranges={"decision_chain_size": (0, 50)},
        ordered_dates=(("converted_at", "created_at", "DQ35"), ("updated_at", "created_at", "DQ03")),
        freshness=Freshness("created_at", timedelta(days=7)),
    ),
    "opportunities": FileRules(
        planned_dates=("expected_close_date",),
        ranges={"amount": (0, 1e9)},
        distributions=("amount",),
        ordered_dates=(("closed_at", "created_at", "DQ14"), ("updated_at", "created_at", "DQ03")),
        freshness=Freshness("updated_at", timedelta(days=1), dq_rule="DQ03"),
    ),
    "opportunity_stage_history": FileRules(
        freshness=Freshness("entered_at", timedelta(days=7)),
    ),
    "activities": FileRules(
        freshness=Freshness("occurred_at", timedelta(days=1), dq_rule="DQ03"),
    ),
    "products": FileRules(
        planned_dates=("launched_at",),
        ranges={"list_price": (0, 1e8), "unit_cost": (0, 1e8)},
        distributions=("list_price",),
    ),
    "fx_rates": FileRules(
        ranges={"rate_to_base": (0.0001, 10_000)},
        distributions=("rate_to_base",),
        freshness=Freshness("rate_date", timedelta(days=3)),
    ),
    "orders": FileRules(
        planned_dates=("due_date",),
        ranges={"payment_terms_days": (0, 365)},
        ordered_dates=(
            ("due_date", "order_date", "DQ16"),
            ("shipped_at", "order_date", "DQ16"),
            ("delivered_at", "shipped_at", "DQ16"),
        ),
        freshness=Freshness("order_date", timedelta(days=3)),
    ),
    "order_lines": FileRules(
        ranges={"quantity": (-100_000, 100_000), "unit_price": (0, 1e8)},
        distributions=("quantity", "unit_price"),
    ),
    "payments": FileRules(
        ranges={"amount": (0, 1e9)},
        distributions=("amount",),
        freshness=Freshness("paid_at", timedelta(days=3)),
    ),
    "channels": FileRules(),
    "partners": FileRules(
        planned_dates=("contract_end",),
        ordered_dates=(("contract_end", "contract_start", "DQ27"),),
    ),
    "partner_inventory": FileRules(
        ranges={"on_hand_qty": (0, 10_000_000)},
        distributions=("on_hand_qty",),
        freshness=Freshness("snapshot_date", timedelta(days=35)),
    ),
    "partner_sell_out": FileRules(
        ranges={"quantity": (-100_000, 100_000), "unit_price": (0, 1e8)},
        distributions=("quantity", "unit_price"),
        freshness=Freshness("sold_on", timedelta(days=7)),
    ),
    "quotas": FileRules(
        planned_dates=("period_start",),
        # DQ33: a target is > 0 (the contract accepts 0; a zero target makes attainment undefined).
        ranges={"target_value": (1e-9, None)},
        distributions=("target_value",),
    ),
}

_DATE_TYPES = (ColumnType.DATE, ColumnType.TIMESTAMP)


def rules_for(cf: ContractFile) -> FileRules:
    return FILE_RULES.get(cf.name, FileRules())


def _as_bound(value: float | None) -> float | None:
    # Every numeric column is read as a double (quality.frames), so bounds are floats too.
    return None if value is None else float(value)


def plausibility_specs(cf: ContractFile, reference_time: datetime) -> list[ExpectationSpec]:
    """Date windows, plausible ranges, date order and freshness of ``cf``'s accepted rows."""
    rules = rules_for(cf)
    specs: list[ExpectationSpec] = []
    earliest = datetime.combine(EARLIEST_PLAUSIBLE_DATE, datetime.min.time())
    for column in cf.columns:
        if column.type not in _DATE_TYPES:
            continue
        planned = column.name in rules.planned_dates
        latest = reference_time + (PLANNING_HORIZON if planned else FUTURE_TOLERANCE)
        specs.append(
            ExpectationSpec(
                f"accepted__date_range__{column.name}",
                "ExpectColumnValuesToBeBetween",
                {"column": column.name, "min_value": earliest, "max_value": latest},
                ROWS,
                WARN,
                f"{column.name} between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d} "
                + ("(a planned date)." if planned else "(no events from the future)."),
            )
        )
    for name, (low, high) in rules.ranges.items():
        specs.append(
            ExpectationSpec(
                f"accepted__plausible_range__{name}",
                "ExpectColumnValuesToBeBetween",
                {"column": name, "min_value": _as_bound(low), "max_value": _as_bound(high)},
                ROWS,
                WARN,
                f"{name} within the plausible range [{low}, {high}].",
                "DQ33" if (cf.name, name) == ("quotas", "target_value") else None,
            )
        )
    for later, earlier, rule in rules.ordered_dates:
        specs.append(
            ExpectationSpec(
                f"accepted__date_order__{later}__after__{earlier}",
                "ExpectColumnPairValuesAToBeGreaterThanB",
                {"column_A": later, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
                ROWS,
                WARN,
                f"{later} is on or after {earlier} when both are set.",
                rule,
            )
        )
    if rules.freshness is not None:
        fresh = rules.freshness
        oldest_ok = reference_time - fresh.max_age
        specs.append(
            ExpectationSpec(
                f"accepted__freshness__{fresh.column}",
                "ExpectColumnMaxToBeBetween",
                {"column": fresh.column, "min_value": oldest_ok},
                ROWS,
                WARN,
                f"The newest {fresh.column} is at most {fresh.max_age.days} day(s) before the reference time "
                f"({reference_time:%Y-%m-%d %H:%M}).",
                fresh.dq_rule,
            )
        )
    return specs


def vocabulary_specs(cf: ContractFile) -> list[ExpectationSpec]:
    """A closed-vocabulary value in the accepted rows: the loader should have quarantined it, so it got in
    by another way (a loader change, a hand-edited raw table). Compared lower-cased, as the loader does."""
    return [
        ExpectationSpec(
            f"accepted__vocabulary__{column.name}",
            "ExpectColumnValuesToBeInSet",
            {"column": column.name, "value_set": [v.lower() for v in column.accepted_values]},
            ROWS,
            WARN,
            f"{column.name} of the accepted rows is one of: {', '.join(column.accepted_values)}.",
        )
        for column in cf.columns
        if column.accepted_values is not None
    ]
