"""``python -m sample_data --landing data/landing --scale 1.0 --seed 42 [--order-lines N]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingestion.contract import CONTRACT
from sample_data.generator import generate_landing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sample_data", description=__doc__)
    parser.add_argument("--landing", type=Path, default=Path("data/landing"), help="landing folder to write")
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1.0 = ~40k order lines)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--order-lines", type=int, default=None, help="target order-line count (overrides scale for orders)"
    )
    args = parser.parse_args(argv)
    report = generate_landing(args.landing, scale=args.scale, seed=args.seed, order_lines=args.order_lines)
    width = max(len(cf.relative_path) for cf in CONTRACT)
    for cf in CONTRACT:
        bad = report.bad_rows_by_file.get(cf.name, 0)
        note = f"  ({bad} bad)" if bad else ""
        print(f"{cf.relative_path:<{width}}  {report.row_counts[cf.name]:>12,}{note}")
    print(f"{'bad rows (answer key)':<{width}}  {report.bad_rows:>12,}  -> {report.bad_rows_path}")
    print(f"wrote {report.landing_dir} in {report.seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
