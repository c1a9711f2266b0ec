"""What a raw table's great-expectations suite checks, as plain data; the blocking part.

Nothing here imports great_expectations (3 s): specs are data, unit-tested as such, and only turned into
GX objects in ``quality.gx_suites``. Policy (quality/README.md): the loader owns the row rules and the
quarantine; GX checks what the loader cannot see. The one blocking group re-states, *on the stored
table and with GX's own expectations*, the invariants staging relies on (severity **error**):

- the raw table has every contract column and the loader's meta columns;
- required columns are not null in the accepted rows of the current file versions, read as staging reads
  them (DuckDB ``try_cast``, not the loader's parser);
- the primary key is unique within each current file version;
- at least half of each non-empty file version was accepted (otherwise the export is broken).

Everything else (plausibility, drift against the previous load, freshness, cross-file totals) warns:
``quality.plausibility``, ``quality.drift``, ``quality.cross_file``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingestion.contract import META_COLUMN_DOCS, ContractFile

ERROR = "error"
WARN = "warn"

# The frame a spec is validated on (``quality.raw_checks`` builds one GX batch per frame).
STORAGE = "storage"  # zero rows, exactly the columns of raw.<table>
ROWS = "rows"  # accepted rows of every current file version, typed like staging types them
LATEST = "latest"  # accepted rows of the newest current file version (compared with the load before it)
LOADS = "loads"  # one row per current file version, from the load ledger
CROSS = "cross"  # totals computed across two or three raw tables
SHARES = "shares"  # category shares of the newest file version against the load before it

# A file version of which fewer than this share of rows was accepted is treated as broken (wrong export,
# shifted columns) rather than as a few bad rows: PROJECT CHOICE, domain.md DQ37 ("schema matches").
MIN_ACCEPTED_SHARE = 0.5

# Synthetic column holding a row's typed primary key (and file version, when several are read) where that
# key repeats within the row's file version, else null (quality.frames): uniqueness is judged per file
# version (a corrected record re-sent in a later dated drop repeats its key across files, which is how
# updates arrive), and NULL key parts compare equal, like the staging dedupe.
KEY_COLUMN = "_primary_key"

# The other raw tables each cross-file check reads (quality.cross_file); the Dagster code location orders
# those checks after their inputs are loaded.
CROSS_FILE_INPUTS: dict[str, tuple[str, ...]] = {
    "order_lines": ("orders",),
    "payments": ("orders", "order_lines"),
}

# domain.md §7 rules the required columns of a file implement (used to label its not-null checks).
REQUIRED_FIELDS_RULE = {"opportunities": "DQ08", "quotas": "DQ33"}


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a table's suite, independent of great_expectations."""

    check_name: str  # stable, SQL-friendly: the check_name in quality.check_results
    gx_type: str  # great_expectations.expectations class name
    kwargs: dict[str, Any]
    frame: str  # STORAGE, ROWS, LATEST, LOADS or CROSS
    severity: str  # ERROR (blocks) or WARN
    description: str
    dq_rule: str | None = None  # domain.md §7 rule id, when one applies

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR


def storage_specs(cf: ContractFile) -> list[ExpectationSpec]:
    """The blocking storage invariants of ``raw.<cf.name>`` (see module docstring)."""
    specs = [
        ExpectationSpec(
            "raw__columns_match_contract",
            "ExpectTableColumnsToMatchSet",
            # Extra columns a file sent are kept in raw (contract): a superset is fine.
            {"column_set": [*cf.column_names, *META_COLUMN_DOCS], "exact_match": False},
            STORAGE,
            ERROR,
            "raw keeps every contract column and the loader's meta columns (extra columns sent are kept too).",
            "DQ37",
        ),
        ExpectationSpec(
            "accepted__accepted_share",
            "ExpectColumnValuesToBeBetween",
            {"column": "accepted_share", "min_value": MIN_ACCEPTED_SHARE},
            LOADS,
            ERROR,
            f"At least {MIN_ACCEPTED_SHARE:.0%} of the rows of each non-empty current file version were accepted; "
            "otherwise the file is broken (wrong export, shifted columns), not a few bad rows.",
            "DQ37",
        ),
    ]
    for column in cf.columns:
        if column.required:
            specs.append(
                ExpectationSpec(
                    f"accepted__not_null__{column.name}",
                    "ExpectColumnValuesToNotBeNull",
                    {"column": column.name},
                    ROWS,
                    ERROR,
                    f"{column.name} is required: set (and readable as {column.type} by staging's cast) in every "
                    "accepted row.",
                    REQUIRED_FIELDS_RULE.get(cf.name, "DQ37"),
                )
            )
    if cf.primary_key:
        specs.append(
            ExpectationSpec(
                f"accepted__unique_key__{'+'.join(cf.primary_key)}",
                "ExpectColumnValuesToBeUnique",
                {"column": KEY_COLUMN},
                ROWS,
                ERROR,
                f"The primary key ({', '.join(cf.primary_key)}) is unique among the accepted rows of each current "
                "file version (two different rows for one key: which one is true is unknown).",
                "DQ37",
            )
        )
    return specs
