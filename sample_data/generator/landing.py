"""``generate_landing``: every contract file in dependency order, the answer key and the manifest.

Writes ``<landing>/<source>/<name>.csv`` for each contract file plus ``_bad_rows.csv`` (see ``bad_rows``)
and ``_generation.json``: seed, scale, row counts per file, bad rows per file and kind, the deliberate
quota mismatches and the forward-looking date columns. The order of the steps is part of the output
only through the world they share: each table draws from its own seeded stream.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingestion.contract import CONTRACT, CONTRACT_BY_NAME
from sample_data.generator.bad_rows import BAD_ROW_KINDS, BAD_ROWS_FILE, BAD_SPECS, write_answer_key
from sample_data.generator.calendar import WINDOW_END, WINDOW_START
from sample_data.generator.channels.partners import build_channels, build_partners
from sample_data.generator.channels.stock import stream_channel_stock
from sample_data.generator.crm.accounts import build_accounts, set_partner_account_names
from sample_data.generator.crm.activities import stream_activities
from sample_data.generator.crm.funnel import build_funnel
from sample_data.generator.crm.org import build_org
from sample_data.generator.orders.fx_rates import build_fx_rates
from sample_data.generator.orders.products import build_products
from sample_data.generator.orders.stream import stream_orders
from sample_data.generator.randomness import seeded_rng
from sample_data.generator.reference import BASE_CURRENCY
from sample_data.generator.sink import CsvSink
from sample_data.generator.targets.quotas import build_quotas
from sample_data.generator.world import World, sizes_for

GENERATION_FILE = "_generation.json"

# Planned dates that legitimately lie after the window end: an invoice due date, an expected close date,
# a contract end (the receivable aging and overdue-pipeline marts need "not yet due" values).
FORWARD_LOOKING_COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("due_date",),
    "opportunities": ("expected_close_date",),
    "partners": ("contract_end",),
}


@dataclass(frozen=True)
class GenerationReport:
    landing_dir: Path
    paths: dict[str, Path]  # contract file name -> CSV path
    row_counts: dict[str, int]  # contract file name -> data rows written (bad rows included)
    bad_rows: int
    bad_rows_by_file: dict[str, int]
    bad_rows_path: Path
    manifest_path: Path
    seconds: float


class _Landing:
    """The landing folder being written: one closed sink per contract file once it is done."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.seed = seed
        self.sinks: dict[str, CsvSink] = {}

    def write_whole(self, name: str, df: pl.DataFrame) -> None:
        """A table generated in one piece: one chunk, bad rows from its own ``<name>_bad`` stream."""
        spec = BAD_SPECS.get(name)
        sink = CsvSink(self.root, CONTRACT_BY_NAME[name], spec)
        sink.write(df, seeded_rng(self.seed, f"{name}_bad", 0) if spec else None)
        self.closed(name, sink)

    def closed(self, name: str, sink: CsvSink) -> None:
        sink.close()
        self.sinks[name] = sink


def _write_tables(w: World, out: _Landing) -> list[dict[str, str]]:
    """Every contract file, dimensions first; returns the deliberate quota mismatches."""
    teams, reps = build_org(w)
    out.write_whole("teams", teams)
    out.write_whole("sales_reps", reps)
    out.write_whole("channels", build_channels())
    out.write_whole("products", build_products(w))
    out.write_whole("fx_rates", build_fx_rates(w))
    partners = build_partners(w)
    out.write_whole("partners", partners)
    accounts = set_partner_account_names(build_accounts(w), partners, w)
    out.write_whole("accounts", accounts)
    leads, opportunities, history = build_funnel(w)
    out.write_whole("leads", leads)
    out.write_whole("opportunities", opportunities)
    out.write_whole("opportunity_stage_history", history)
    del leads, opportunities, history, accounts

    for name, sink in stream_orders(w, out.root).items():
        out.closed(name, sink)
    sell_out, inventory = stream_channel_stock(w, out.root)
    out.closed("partner_sell_out", sell_out)
    out.write_whole("partner_inventory", inventory)
    out.closed("activities", stream_activities(w, out.root))
    quotas, mismatches = build_quotas(w)
    out.write_whole("quotas", quotas)
    return mismatches


def _manifest(
    seed: int,
    scale: float,
    order_lines: int | None,
    sinks: dict[str, CsvSink],
    bad_records: list[tuple[str, int, str, str]],
    mismatches: list[dict[str, str]],
) -> dict:
    row_counts = {cf.name: sinks[cf.name].rows for cf in CONTRACT}
    bad_by_file = {cf.name: len(sinks[cf.name].bad_rows) for cf in CONTRACT}
    kinds_count = {k: sum(1 for r in bad_records if r[3] == k) for k in BAD_ROW_KINDS}
    return {
        "generator": "sample_data.generator",
        "seed": seed,
        "scale": scale,
        "order_lines_requested": order_lines,
        "window": {"start": WINDOW_START.isoformat(), "end": WINDOW_END.isoformat()},
        "base_currency": BASE_CURRENCY,
        "row_counts": {CONTRACT_BY_NAME[k].relative_path: v for k, v in row_counts.items()},
        "bad_rows": {CONTRACT_BY_NAME[k].relative_path: v for k, v in bad_by_file.items() if v},
        "bad_row_kinds": kinds_count,
        "quota_mismatches": mismatches,
        "forward_looking_columns": {
            CONTRACT_BY_NAME[k].relative_path: list(v) for k, v in FORWARD_LOOKING_COLUMNS.items()
        },
    }


def generate_landing(
    landing_dir: Path, scale: float = 1.0, seed: int = 42, order_lines: int | None = None
) -> GenerationReport:
    """Write the whole contract as CSV under landing_dir; deterministic for (seed, scale, order_lines)."""
    if scale <= 0:
        raise ValueError("scale must be > 0")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if order_lines is not None and order_lines < 1:
        raise ValueError("order_lines must be >= 1")
    started = time.perf_counter()
    out = _Landing(Path(landing_dir), seed)
    out.root.mkdir(parents=True, exist_ok=True)
    mismatches = _write_tables(World(seed=seed, sizes=sizes_for(scale, order_lines)), out)
    sinks = out.sinks

    bad_path = out.root / BAD_ROWS_FILE
    bad_records = [
        (sinks[cf.name].cf.relative_path, row, column, kind)
        for cf in CONTRACT
        for row, column, kind in sorted(sinks[cf.name].bad_rows)
    ]
    write_answer_key(bad_path, bad_records)
    manifest = _manifest(seed, scale, order_lines, sinks, bad_records, mismatches)
    manifest_path = out.root / GENERATION_FILE
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    bad_by_file = {cf.name: len(sinks[cf.name].bad_rows) for cf in CONTRACT}
    return GenerationReport(
        landing_dir=out.root,
        paths={cf.name: sinks[cf.name].path for cf in CONTRACT},
        row_counts={cf.name: sinks[cf.name].rows for cf in CONTRACT},
        bad_rows=len(bad_records),
        bad_rows_by_file={k: v for k, v in bad_by_file.items() if v},
        bad_rows_path=bad_path,
        manifest_path=manifest_path,
        seconds=time.perf_counter() - started,
    )
