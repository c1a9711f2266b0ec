"""Warnings that compare a raw table with its own history: what changed since the previous load.

The loader judges each row on its own and cannot see that a file shrank, that a column stopped being
filled, that amounts moved by an order of magnitude (a unit or currency switch), or that a category's share
jumped. Raw keeps every loaded version (superseded rows stay, ``audit.load_ledger`` links a version to the
one it replaced), so the newest file version is compared with the load before it. All severity **warn**.

A first load has nothing to compare with: the row-count check passes (its ratio is null) and the
distribution checks are not part of the suite; an empty file is "no data from this source", never drift.
"""

from __future__ import annotations

import pandas as pd

from ingestion.contract import ContractFile
from quality.expectations import LATEST, LOADS, SHARES, WARN, ExpectationSpec
from quality.plausibility import rules_for

# A file version with fewer than this share of its previous version's rows is a possible broken or
# partial export. PROJECT CHOICE.
MIN_ROWS_VS_PREVIOUS = 0.5
# Below this many rows a load has no stable distribution to compare with. PROJECT CHOICE.
MIN_ROWS_TO_COMPARE = 20
# A quantile outside [previous / 5, previous x 5] is a unit or currency switch (元 to 万元, cents), not
# business as usual. PROJECT CHOICE.
QUANTILE_FACTOR = 5.0
QUANTILES = (0.1, 0.5, 0.9)
# An optional column filled in 80 % of the rows last time and 50 % now lost a field in the export.
# PROJECT CHOICE: a drop of more than 20 points of filled share.
MAX_FILLED_SHARE_DROP = 0.2
# A category whose share of rows moved by more than 20 points between two versions. PROJECT CHOICE.
MAX_CATEGORY_SHARE_CHANGE = 0.2


def drift_columns(cf: ContractFile) -> set[str]:
    """The columns of the previous load the comparisons below read: the distributions' (quantiles), the
    optional ones' (filled share) and the vocabularies' (category shares). The previous load is read with
    these alone: at 10M order lines its ids alone would cost hundreds of MB beside the current rows."""
    return (
        set(rules_for(cf).distributions)
        | {column.name for column in cf.columns if not column.required}
        | {column.name for column in cf.columns if column.accepted_values is not None}
    )


def row_count_spec() -> ExpectationSpec:
    return ExpectationSpec(
        "file__row_count_vs_previous",
        "ExpectColumnValuesToBeBetween",
        {"column": "rows_vs_previous", "min_value": MIN_ROWS_VS_PREVIOUS},
        LOADS,
        WARN,
        f"Each current file version has at least {MIN_ROWS_VS_PREVIOUS:.0%} of the rows of its previous load "
        "(an empty file after one with rows included); a first load has nothing to compare with and passes.",
        "DQ37",
    )


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce").dropna() if column in frame.columns else pd.Series([])


def _quantile_range(previous: float) -> list[float | None]:
    if previous == 0:
        return [None, None]  # no scale to compare with
    low, high = previous / QUANTILE_FACTOR, previous * QUANTILE_FACTOR
    return [min(low, high), max(low, high)]


def quantile_specs(cf: ContractFile, latest: pd.DataFrame, previous: pd.DataFrame) -> list[ExpectationSpec]:
    specs = []
    for column in rules_for(cf).distributions:
        before = _numeric(previous, column)
        if len(before) < MIN_ROWS_TO_COMPARE or _numeric(latest, column).empty:
            continue
        values = [float(before.quantile(q)) for q in QUANTILES]
        ranges = {"quantiles": list(QUANTILES), "value_ranges": [_quantile_range(v) for v in values]}
        specs.append(
            ExpectationSpec(
                f"accepted__quantiles__{column}",
                "ExpectColumnQuantileValuesToBeBetween",
                {"column": column, "quantile_ranges": ranges},
                LATEST,
                WARN,
                f"The {', '.join(f'{q:.0%}' for q in QUANTILES)} quantiles of {column} are within a factor "
                f"{QUANTILE_FACTOR:g} of the previous load's ({', '.join(f'{v:g}' for v in values)}).",
            )
        )
    return specs


def null_share_specs(cf: ContractFile, latest: pd.DataFrame, previous: pd.DataFrame) -> list[ExpectationSpec]:
    specs = []
    if len(previous) < MIN_ROWS_TO_COMPARE or latest.empty:
        return specs
    for column in cf.columns:
        if column.required or column.name not in previous.columns or column.name not in latest.columns:
            continue
        filled_before = float(previous[column.name].notna().mean())
        if filled_before < MAX_FILLED_SHARE_DROP:
            continue  # "mostly 0": nothing could fail
        mostly = round(filled_before - MAX_FILLED_SHARE_DROP, 4)
        specs.append(
            ExpectationSpec(
                f"accepted__null_share__{column.name}",
                "ExpectColumnValuesToNotBeNull",
                {"column": column.name, "mostly": mostly},
                LATEST,
                WARN,
                f"{column.name} is filled in at least {mostly:.0%} of the rows (previous load: {filled_before:.0%}; "
                f"a drop of more than {MAX_FILLED_SHARE_DROP:.0%} points is a field lost in the export).",
            )
        )
    return specs


def share_change_column(column: str) -> str:
    return f"share_change__{column}"


def category_shares(cf: ContractFile, latest: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """One row per (vocabulary column, category): ``share_change__<column>`` = share now - share before;
    the other columns' change columns are null on that row (GX ignores nulls)."""
    parts = []
    if len(previous) < MIN_ROWS_TO_COMPARE or latest.empty:
        return pd.DataFrame()
    for column in cf.columns:
        if column.accepted_values is None or column.name not in latest.columns:
            continue
        now = latest[column.name].value_counts(normalize=True)
        before = previous[column.name].value_counts(normalize=True)
        change = now.sub(before, fill_value=0.0)
        parts.append(
            pd.DataFrame(
                {
                    "column_name": column.name,
                    "category": change.index.astype(str),
                    share_change_column(column.name): change.values,
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def category_share_specs(cf: ContractFile, shares: pd.DataFrame) -> list[ExpectationSpec]:
    specs = []
    limit = MAX_CATEGORY_SHARE_CHANGE
    for column in cf.columns:
        change_column = share_change_column(column.name)
        if change_column not in shares.columns:
            continue
        moved = shares.loc[shares[change_column].abs() > limit, ["category", change_column]]
        shown = ", ".join(f"{c} {v:+.0%}" for c, v in moved.itertuples(index=False)) or "none"
        specs.append(
            ExpectationSpec(
                f"accepted__category_share__{column.name}",
                "ExpectColumnValuesToBeBetween",
                {"column": change_column, "min_value": -limit, "max_value": limit},
                SHARES,
                WARN,
                f"No {column.name} category's share of rows moved by more than {limit:.0%} points "
                f"since the previous load (moved: {shown}).",
            )
        )
    return specs
