"""The incremental day: a landing folder that is the benchmark's landing plus one dated drop.

The drop (``<landing>/orders/<YYYY-MM-DD>/{orders,order_lines,payments}.csv``, ingestion/landing.py) holds
about ``share`` of the orders as new orders — copies of a random sample of clean existing orders under new
ids, with their lines and payments (so receivables stay consistent) and no opportunity link — plus a few
changed rows: shipped orders that are now delivered (status, delivered_at, updated_at). The drop date is the
day after the generated window. The base files are symlinked, not copied: the loader finds them unchanged
(same path below the landing root, same bytes) and skips them, as on a real day.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

CHANGED_ORDERS = 20
TS_FORMAT = "%Y-%m-%d %H:%M:%S"


def _rows(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    """The header and a stream of the rows (files of the 10M-line scale do not fit in memory as dicts)."""
    fh = open(path, newline="", encoding="utf-8")  # noqa: SIM115 - closed by the generator below
    reader = csv.DictReader(fh)
    header = list(reader.fieldnames or [])

    def stream() -> Iterator[dict[str, str]]:
        with fh:
            yield from reader

    return header, stream()


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


class _IdMaker:
    """New ids shaped like the existing ones (prefix + zero-padded number), above the largest seen."""

    def __init__(self) -> None:
        self.prefix, self.width, self.top = "", 0, 0

    def see(self, value: str) -> None:
        digits = value.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-")
        if digits.isdigit() and int(digits) >= self.top:
            self.prefix, self.width, self.top = value[: len(value) - len(digits)], len(digits), int(digits)

    def __call__(self) -> str:
        self.top += 1
        return f"{self.prefix}{self.top:0{self.width}d}"


def _bad_rows(landing: Path) -> dict[str, set[int]]:
    """Rows the generator made bad on purpose (its answer key), by file: never copied."""
    bad: dict[str, set[int]] = {}
    key = landing / "_bad_rows.csv"
    if key.exists():
        with open(key, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                if len(row) >= 2 and row[1].isdigit():
                    bad.setdefault(row[0], set()).add(int(row[1]))
    return bad


def make_incremental_landing(base: Path, out: Path, share: float = 0.01, seed: int = 1) -> dict[str, object]:
    """Build ``out`` = symlinks to every file of ``base`` + one dated drop; returns what the drop holds."""
    shutil.rmtree(out, ignore_errors=True)
    for path in sorted(base.rglob("*")):
        if path.is_file():
            link = out / path.relative_to(base)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path.resolve())
    window_end = date.fromisoformat(json.loads((base / "_generation.json").read_text())["window"]["end"])
    drop_date = window_end + timedelta(days=1)
    drop = out / "orders" / drop_date.isoformat()
    bad = _bad_rows(base)
    rng = random.Random(seed)

    # Pass 1 over orders: how many, the largest id; then which rows to copy.
    order_ids = _IdMaker()
    header, stream = _rows(base / "orders" / "orders.csv")
    n_orders = 0
    for r in stream:
        n_orders += 1
        order_ids.see(r["order_id"])
    bad_orders = bad.get("orders/orders.csv", set())
    wanted = max(1, round(n_orders * share))
    picked = set(rng.sample([i for i in range(1, n_orders + 1) if i not in bad_orders], wanted))

    # Pass 2: the copies, and a reservoir of shipped orders to mark delivered.
    cutoff = datetime.combine(window_end - timedelta(days=2), datetime.min.time())
    renamed: dict[str, str] = {}
    new_orders: list[dict[str, str]] = []
    shipped: list[dict[str, str]] = []
    seen_shipped = 0
    header, stream = _rows(base / "orders" / "orders.csv")
    for i, r in enumerate(stream, start=1):
        if i in bad_orders or not r["order_id"] or not r["status"]:
            continue
        if i in picked and r["order_id"] not in renamed:
            renamed[r["order_id"]] = order_ids()
            new_orders.append({**r, "order_id": renamed[r["order_id"]], "opportunity_id": ""})
        elif r["status"] == "shipped" and r["shipped_at"] and datetime.strptime(r["shipped_at"], TS_FORMAT) < cutoff:
            seen_shipped += 1
            if len(shipped) < CHANGED_ORDERS:
                shipped.append(r)
            elif (j := rng.randrange(seen_shipped)) < CHANGED_ORDERS:
                shipped[j] = r
    changed = []
    for r in shipped:
        delivered = (datetime.strptime(r["shipped_at"], TS_FORMAT) + timedelta(days=1)).strftime(TS_FORMAT)
        changed.append({**r, "status": "delivered", "delivered_at": delivered, "updated_at": delivered})
    _write(drop / "orders.csv", header, new_orders + changed)

    header, stream = _rows(base / "orders" / "order_lines.csv")
    bad_lines = bad.get("orders/order_lines.csv", set())
    new_lines = [
        {**r, "order_id": renamed[r["order_id"]]}
        for i, r in enumerate(stream, start=1)
        if r["order_id"] in renamed and i not in bad_lines
    ]
    _write(drop / "order_lines.csv", header, new_lines)

    payment_ids = _IdMaker()
    header, stream = _rows(base / "orders" / "payments.csv")
    bad_pay = bad.get("orders/payments.csv", set())
    copies = []
    for i, r in enumerate(stream, start=1):
        payment_ids.see(r["payment_id"])
        if r["order_id"] in renamed and i not in bad_pay:
            copies.append(r)
    new_payments = [{**r, "payment_id": payment_ids(), "order_id": renamed[r["order_id"]]} for r in copies]
    _write(drop / "payments.csv", header, new_payments)
    return {
        "drop_date": drop_date.isoformat(),
        "new_orders": len(new_orders),
        "changed_orders": len(changed),
        "new_order_lines": len(new_lines),
        "new_payments": len(new_payments),
        "drop_rows": len(new_orders) + len(changed) + len(new_lines) + len(new_payments),
    }
