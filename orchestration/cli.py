"""``salesops``: generate sample data, run the pipeline, print what was built."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ingestion.warehouse import WAREHOUSE_ENV
from orchestration.settings import LANDING_ENV, REPO_ROOT, landing_root, warehouse_file

DAGSTER_HOME_DEFAULT = REPO_ROOT / ".dagster_home"


def _persistent_instance():
    """The Dagster instance `dagster dev` also uses, so demo runs show up in the UI."""
    import dagster as dg

    home = Path(os.environ.setdefault("DAGSTER_HOME", str(DAGSTER_HOME_DEFAULT)))
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()
    return dg.DagsterInstance.get()


def cmd_generate(args: argparse.Namespace) -> int:
    from sample_data.generator import generate_landing

    started = time.perf_counter()
    report = generate_landing(Path(args.landing), scale=args.scale, seed=args.seed)
    print(f"Generated sample data in {args.landing} ({time.perf_counter() - started:.1f}s)")
    for name, n in sorted(report.row_counts.items()):
        print(f"  {name:<40}{n:>12,}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration.pipeline import run_full_pipeline
    from orchestration.summary import format_summary

    started = time.perf_counter()
    run = run_full_pipeline(
        Path(args.landing),
        Path(args.warehouse),
        instance=_persistent_instance(),
        as_of_date=args.as_of_date,
        raise_on_error=False,
    )
    elapsed = time.perf_counter() - started
    print()
    print(format_summary(run.warehouse))
    print()
    status = "succeeded" if run.success else "FAILED"
    print(f"Pipeline run {run.run_id} {status} in {elapsed:.1f}s.")
    if run.failed_checks:
        print("Failed checks: " + ", ".join(run.failed_checks))
    if run.success:
        print(f"BI tools read the published marts from {run.serving} (read-only).")
    else:
        print(f"Nothing was published: {run.serving} still holds the last version that passed every check.")
    print("Open the Dagster UI with: .venv/bin/dagster dev  (then http://127.0.0.1:3000)")
    return 0 if run.success else 1


def cmd_demo(args: argparse.Namespace) -> int:
    rc = cmd_generate(args)
    return rc or cmd_run(args)


def cmd_summary(args: argparse.Namespace) -> int:
    from orchestration.summary import format_summary

    print(format_summary(Path(args.warehouse)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--landing", default=str(landing_root()), help=f"landing folder (env {LANDING_ENV})")
        p.add_argument("--warehouse", default=str(warehouse_file()), help=f"DuckDB file (env {WAREHOUSE_ENV})")

    gen = sub.add_parser("generate", help="write deterministic sample landing files")
    common(gen)
    gen.add_argument("--scale", type=float, default=1.0)
    gen.add_argument("--seed", type=int, default=42)
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="run the whole pipeline (Dagster job) on the landing folder")
    common(run)
    run.add_argument("--as-of-date", default=None, help="YYYY-MM-DD; default: latest business date in the data")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="generate sample data, then run the whole pipeline")
    common(demo)
    demo.add_argument("--scale", type=float, default=1.0)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--as-of-date", default=None)
    demo.set_defaults(func=cmd_demo)

    summary = sub.add_parser("summary", help="print tables, row counts and quarantined rows")
    common(summary)
    summary.set_defaults(func=cmd_summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
