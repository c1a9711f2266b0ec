"""``salesops``: generate sample data, run the pipeline, print what was built.

Settings (paths, base currency, time zone, calendar) come from flags, else environment variables, else
the config file ``salesops.toml`` (or ``$SALESOPS_CONFIG``): see orchestration/settings.py.

Each command imports what it needs when it runs (no import circle: tests/test_import_graph.py), so
``salesops --help`` or ``salesops map`` does not spend seconds loading Dagster and dbt."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from orchestration.settings import CONFIG_ENV, REPO_ROOT, SETTINGS, SettingsError, load_settings

DAGSTER_HOME_DEFAULT = REPO_ROOT / ".dagster_home"


def _persistent_instance():
    """The Dagster instance `dagster dev` also uses ($DAGSTER_HOME, else .dagster_home in the checkout), so
    demo runs show up in the UI."""
    import dagster as dg

    home = Path(os.environ.get("DAGSTER_HOME") or DAGSTER_HOME_DEFAULT).resolve()
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()
    return dg.DagsterInstance.from_config(str(home))


def cmd_generate(args: argparse.Namespace) -> int:
    from sample_data.generator import GENERATION_FILE, generate_landing

    started = time.perf_counter()
    landing = args.settings.landing
    # The landing setting may point at a company's real exports: sample files never overwrite them.
    if landing.is_dir() and any(landing.iterdir()) and not (landing / GENERATION_FILE).exists():
        print(
            f"salesops: {landing} holds files the sample generator did not write; sample data goes to an "
            "empty folder or one it generated before (--landing DIR)"
        )
        return 2
    report = generate_landing(landing, scale=args.scale, seed=args.seed)
    print(f"Generated sample data in {landing} ({time.perf_counter() - started:.1f}s)")
    for name, n in sorted(report.row_counts.items()):
        print(f"  {name:<40}{n:>12,}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration.pipeline import run_full_pipeline
    from orchestration.summary import format_summary, format_unused_input

    started = time.perf_counter()
    settings = args.settings
    run = run_full_pipeline(
        settings.landing,
        settings.warehouse,
        instance=_persistent_instance(),
        as_of_date=args.as_of_date,
        raise_on_error=False,
        serving=settings.serving,
        settings=settings,
    )
    elapsed = time.perf_counter() - started
    print()
    print(format_summary(run.warehouse))
    unused = format_unused_input(settings.landing, settings.mappings)
    if unused:
        print("\n" + "\n".join(unused))
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
    from orchestration.summary import format_summary, format_unused_input

    settings = args.settings
    print(format_summary(settings.warehouse))
    unused = format_unused_input(settings.landing, settings.mappings)
    if unused:
        print("\n" + "\n".join(unused))
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from ingestion.mapping_check import check_mapping

    return check_mapping(Path(args.mapping), Path(args.file), rows=args.rows)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        for setting in SETTINGS:
            flag = "--" + setting.key.replace("_", "-")
            p.add_argument(flag, dest=setting.key, default=None, help=f"{setting.help} [env {setting.env}]")

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

    summary = sub.add_parser("summary", help="print tables, row counts, mart coverage and quarantined rows")
    common(summary)
    summary.set_defaults(func=cmd_summary)

    mapping = sub.add_parser("map", help="preview a source mapping on an export before loading anything")
    mapping.add_argument("--check", nargs=2, metavar=("MAPPING", "FILE"), required=True, help="mapping YAML, export")
    mapping.add_argument("--rows", type=int, default=10, help="mapped rows to preview")
    mapping.set_defaults(func=cmd_map)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "map":
        args.mapping, args.file = args.check
    try:
        if args.command != "map":
            # Every setting resolved and checked before anything loads: a bad value stops here, not after
            # the raw layer. Flags win over environment variables and the config file.
            args.settings = load_settings({s.key: getattr(args, s.key, None) for s in SETTINGS})
        return args.func(args)
    except SettingsError as exc:
        print(f"salesops: {exc} (settings: flags, environment variables, {CONFIG_ENV} or ./salesops.toml)")
        return 2


if __name__ == "__main__":
    sys.exit(main())
