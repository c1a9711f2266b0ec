"""What the great-expectations suite of each landing file checks, as plain data.

Nothing here imports great_expectations (3 s): the specs are built from ``ingestion.contract`` plus the
per-file rules below, unit-tested as data, and only turned into GX objects in ``quality.gx_suites``.

Every expectation has a *scope* and a *severity* (policy in ``quality/README.md``):

- scope ``accepted``: the rows the loader accepted (not quarantined) of one file version: what staging
  will read. Contract rules here are guarantees of the loader, so a failure means the warehouse is
  about to receive rows it promised to keep out: severity **error**, the Dagster check is blocking.
- scope ``file``: every row received in that file version, quarantined rows included. The same
  contract rules, reported so the UI shows how much of the file was bad: severity **warn** (the loader
  has already quarantined those rows; blocking would stop the whole pipeline over rows that are out).
- Plausibility rules the contract does not state (date windows, value ranges, date order, freshness of
  the newest row) run on the accepted rows with severity **warn**: they flag data to look at, and the
  mart reconciliation tests decide whether numbers are still right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ingestion.contract import CONTRACT, ColumnType, ContractFile

ERROR = "error"
WARN = "warn"
ACCEPTED = "accepted"
FILE = "file"

# A file version of which fewer than this share of rows was accepted is treated as broken (wrong export,
# shifted columns) rather than as a few bad rows: PROJECT CHOICE, domain.md DQ37 ("schema matches").
MIN_ACCEPTED_SHARE = 0.5
# Event dates before this are typos (the business has no records that old). PROJECT CHOICE.
EARLIEST_PLAUSIBLE_DATE = date(2000, 1, 1)
# Events dated after the reference time by more than this are typos (clock skew allowed). PROJECT CHOICE.
FUTURE_TOLERANCE = timedelta(days=1)
# Planned dates (due dates, expected close dates, partner contract ends of several years, future quotas)
# may lie ahead; further than this is a typo (2205 for 2025). PROJECT CHOICE.
PLANNING_HORIZON = timedelta(days=10 * 366)

# Name of the synthetic column holding the (typed) primary key of a row, nulls included: uniqueness is
# checked on it so single and compound keys, and keys with a nullable part (quotas.owner_id), behave
# exactly like the staging dedupe (``partition by`` treats NULLs as equal).
KEY_COLUMN = "_primary_key"


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a file's suite, independent of great_expectations."""

    check_name: str  # stable, SQL-friendly: the check_name in quality.check_results
    gx_type: str  # great_expectations.expectations class name
    kwargs: dict[str, Any]
    scope: str  # ACCEPTED or FILE
    severity: str  # ERROR (blocks) or WARN
    description: str
    dq_rule: str | None = None  # domain.md §7 rule id, when one applies

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR


@dataclass(frozen=True)
class Freshness:
    """The newest row of ``column`` must be at most ``max_age`` older than the reference time."""

    column: str
    max_age: timedelta
    dq_rule: str = "DQ37"


@dataclass(frozen=True)
class FileRules:
    """Per-file plausibility rules beyond the contract (all severity warn, on accepted rows)."""

    # Date/timestamp columns allowed to lie up to PLANNING_HORIZON ahead (plans, not events).
    planned_dates: tuple[str, ...] = ()
    # column -> (min, max) for values the contract does not bound but that are implausible outside.
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # (later, earlier): ``later`` must be on or after ``earlier`` when both are present.
    ordered_dates: tuple[tuple[str, str, str], ...] = ()  # (later, earlier, dq_rule)
    freshness: Freshness | None = None


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
    ),
    "fx_rates": FileRules(
        ranges={"rate_to_base": (0.0001, 10_000)},
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
    ),
    "payments": FileRules(
        ranges={"amount": (-1e9, 1e9)},
        freshness=Freshness("paid_at", timedelta(days=3)),
    ),
    "channels": FileRules(),
    "partners": FileRules(
        planned_dates=("contract_end",),
        ordered_dates=(("contract_end", "contract_start", "DQ27"),),
    ),
    "partner_inventory": FileRules(
        ranges={"on_hand_qty": (0, 10_000_000)},
        freshness=Freshness("snapshot_date", timedelta(days=35)),
    ),
    "partner_sell_out": FileRules(
        ranges={"quantity": (-100_000, 100_000), "unit_price": (0, 1e8)},
        freshness=Freshness("sold_on", timedelta(days=7)),
    ),
    "quotas": FileRules(
        planned_dates=("period_start",),
        # DQ33: a target is > 0 (the contract accepts 0; a zero target makes attainment undefined).
        ranges={"target_value": (1e-9, None)},
    ),
}

# domain.md §7 rules the contract columns of a file implement (used to label its not-null checks).
REQUIRED_FIELDS_RULE = {"opportunities": "DQ08", "quotas": "DQ33"}

_DATE_TYPES = (ColumnType.DATE, ColumnType.TIMESTAMP)


def _as_bound(value: float | None, column_type: ColumnType) -> float | int | None:
    if value is None:
        return None
    return int(value) if column_type == ColumnType.INTEGER and float(value).is_integer() else value


def contract_specs(
    cf: ContractFile,
    scope: str,
    severity: str,
    rows_received: int | None = None,
    previous_rows: int | None = None,
) -> list[ExpectationSpec]:
    """The contract's rules for ``cf`` (columns, required, keys, accepted values, min/max) in one scope.

    ``previous_rows``: rows received by the table's previous file version, if any (empty-file warning).
    """
    specs: list[ExpectationSpec] = []
    prefix = f"{scope}__"
    if scope == ACCEPTED:
        specs.append(
            ExpectationSpec(
                prefix + "required_columns_present",
                "ExpectTableColumnsToMatchSet",
                {"column_set": cf.required_columns, "exact_match": False},
                scope,
                severity,
                "Every required contract column is present.",
                "DQ37",
            )
        )
        # An empty file means "no data from this source" (data-contract.md): it does not block. It warns
        # when the previous version of the table's data had rows, since then it is more likely a broken
        # export than a business without that source (DQ37 row count > 0).
        had_rows = bool(previous_rows)
        specs.append(
            ExpectationSpec(
                prefix + "row_count",
                "ExpectTableRowCountToBeBetween",
                {"min_value": 1 if had_rows else 0},
                scope,
                WARN,
                (
                    f"At least one row was accepted: the previous file version had {previous_rows} rows, so an "
                    "empty file is a possible broken export (DQ37 row count > 0)."
                    if had_rows
                    else "Rows accepted (an empty file means no data from this source; DQ37 row count)."
                ),
                "DQ37",
            )
        )
        if rows_received:
            specs.append(
                ExpectationSpec(
                    prefix + "accepted_share",
                    "ExpectTableRowCountToBeBetween",
                    {"min_value": max(1, math.ceil(rows_received * MIN_ACCEPTED_SHARE))},
                    scope,
                    severity,
                    f"At least {MIN_ACCEPTED_SHARE:.0%} of the {rows_received} received rows were accepted; "
                    "otherwise the file is broken, not a few bad rows.",
                    "DQ37",
                )
            )
    else:
        specs.append(
            ExpectationSpec(
                prefix + "columns_match_contract",
                "ExpectTableColumnsToMatchSet",
                # The synthetic key column is ours, not the file's: expected so it is not reported.
                {"column_set": [*cf.column_names, *([KEY_COLUMN] if cf.primary_key else [])], "exact_match": True},
                scope,
                severity,
                "The file has exactly the contract's columns (extra columns are kept in raw, missing optional "
                "ones are read as empty).",
                "DQ37",
            )
        )
    for column in cf.columns:
        if column.required:
            specs.append(
                ExpectationSpec(
                    f"{prefix}not_null__{column.name}",
                    "ExpectColumnValuesToNotBeNull",
                    {"column": column.name},
                    scope,
                    severity,
                    f"{column.name} is required (and parses as {column.type}).",
                    REQUIRED_FIELDS_RULE.get(cf.name, "DQ37"),
                )
            )
        if column.accepted_values is not None:
            specs.append(
                ExpectationSpec(
                    f"{prefix}accepted_values__{column.name}",
                    "ExpectColumnValuesToBeInSet",
                    {"column": column.name, "value_set": list(column.accepted_values)},
                    scope,
                    severity,
                    f"{column.name} is one of: {', '.join(column.accepted_values)}.",
                )
            )
        if column.min_value is not None or column.max_value is not None:
            specs.append(
                ExpectationSpec(
                    f"{prefix}range__{column.name}",
                    "ExpectColumnValuesToBeBetween",
                    {
                        "column": column.name,
                        "min_value": _as_bound(column.min_value, column.type),
                        "max_value": _as_bound(column.max_value, column.type),
                    },
                    scope,
                    severity,
                    f"{column.name} within the contract's bounds [{column.min_value}, {column.max_value}].",
                )
            )
    if cf.primary_key:
        specs.append(
            ExpectationSpec(
                f"{prefix}unique_key__{'+'.join(cf.primary_key)}",
                "ExpectColumnValuesToBeUnique",
                {"column": KEY_COLUMN},
                scope,
                severity,
                f"The primary key ({', '.join(cf.primary_key)}) is unique within the file.",
                "DQ37",
            )
        )
    return specs


def plausibility_specs(cf: ContractFile, reference_time: datetime) -> list[ExpectationSpec]:
    """Warn-level rules beyond the contract: date windows, value ranges, date order, freshness."""
    rules = FILE_RULES.get(cf.name, FileRules())
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
                ACCEPTED,
                WARN,
                f"{column.name} between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d} "
                + ("(a planned date)." if planned else "(no events from the future)."),
            )
        )
    for name, (low, high) in rules.ranges.items():
        column = cf.column(name)
        specs.append(
            ExpectationSpec(
                f"accepted__plausible_range__{name}",
                "ExpectColumnValuesToBeBetween",
                {"column": name, "min_value": _as_bound(low, column.type), "max_value": _as_bound(high, column.type)},
                ACCEPTED,
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
                ACCEPTED,
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
                ACCEPTED,
                WARN,
                f"The newest {fresh.column} is at most {fresh.max_age.days} day(s) before the reference time "
                f"({reference_time:%Y-%m-%d %H:%M}).",
                fresh.dq_rule,
            )
        )
    return specs


def file_suite_specs(
    cf: ContractFile, reference_time: datetime, rows_received: int | None = None, previous_rows: int | None = None
) -> list[ExpectationSpec]:
    """The whole suite of one file version: blocking contract rules, warnings, whole-file profile."""
    return [
        *contract_specs(cf, ACCEPTED, ERROR, rows_received, previous_rows),
        *plausibility_specs(cf, reference_time),
        *contract_specs(cf, FILE, WARN),
    ]


def all_suite_specs(reference_time: datetime) -> dict[str, list[ExpectationSpec]]:
    return {cf.name: file_suite_specs(cf, reference_time) for cf in CONTRACT}
