"""The dbt project's models, seeds and tests as Dagster assets and asset checks."""

import functools
import json
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliInvocation, DbtCliResource, dbt_assets

from ingestion.warehouse import connect, table_exists
from orchestration import dbt_parse_cache, progress
from orchestration.dbt_entry import DbtInvocation, in_warehouse_folder
from orchestration.dbt_failing_rows import compiled_tests
from orchestration.dbt_project import WITHOUT_UNIT_TESTS, dbt_manifest, salesops_dbt_project
from orchestration.dbt_stream import ResultStream
from orchestration.dbt_subset import DbtNodes, dbt_nodes, subset_args
from orchestration.dbt_targets import prune_invocation_targets
from orchestration.pools import WAREHOUSE_POOL
from orchestration.resources import RunSettingsResource, WarehouseResource
from orchestration.settings import PROFILE_WAREHOUSE_VAR, dbt_profile_warehouse
from orchestration.translator import SalesOpsDbtTranslator
from quality.results import attribute_dbt_results

translator = SalesOpsDbtTranslator()
DBT_STOP_TIMEOUT_S = 10  # after an interrupt, dbt cancels its queries and exits; killed if it has not by then


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build."""

    as_of_date: str | None = None  # YYYY-MM-DD; default: the latest business date in the data
    # Incremental models rebuilt from every row (dbt build --full-refresh) instead of from the loads they have
    # not seen: after what their records cannot notice (changed code upstream of them, in staging or a macro;
    # rows deleted from raw by hand); everything else is rebuilt on every run anyway.
    full_refresh: bool = False


def dbt_build_args(
    config: DbtBuildConfig, settings_vars: Mapping[str, Any], warehouse: Path, colours: bool = True
) -> list[str]:
    """``dbt build`` with the vars the user set (orchestration/settings.py), the as-of date of this run,
    the warehouse file when profiles.yml would not find it by itself, and ``--full-refresh`` when asked.
    Vars are passed only when needed: any var makes dbt parse the whole project again (about 10 s) instead
    of partially. dbt unit tests are left to the test suite (orchestration/dbt_project.py)."""
    args = ["build", *WITHOUT_UNIT_TESTS]
    dbt_vars: dict[str, Any] = dict(settings_vars)
    if config.as_of_date:
        dbt_vars["as_of_date"] = config.as_of_date
    if Path(warehouse).resolve() != dbt_profile_warehouse():
        dbt_vars[PROFILE_WAREHOUSE_VAR] = str(Path(warehouse).resolve())
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars, sort_keys=True)]
    if config.full_refresh:
        args.append("--full-refresh")
    if not colours:
        # dbt colours its lines for the terminal it assumes; written to a file or a log they are escape codes.
        args.append("--no-use-colors")
    return args


def parse_state_key(args: Sequence[str], dbt_executable: str) -> list[str]:
    """Which saved parse state an invocation of ``args`` starts from: ``salesops-dbt`` opens a warehouse passed
    as a var from its own folder as ``./<file name>`` (orchestration/dbt_entry.py), so every warehouse of the
    same file name shares one; dbt's own script opens it by its absolute path."""
    invocation = in_warehouse_folder(args) if Path(dbt_executable).name == "salesops-dbt" else DbtInvocation(list(args))
    return dbt_parse_cache.state_key(invocation.args, invocation.profile_warehouse or str(dbt_profile_warehouse()))


def invocation_target_path(context: dg.AssetExecutionContext) -> Path:
    """A fresh target folder for one dbt invocation (as dagster-dbt names them), so it can be seeded."""
    name = f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    return Path(salesops_dbt_project().project_dir) / "target" / name


@functools.cache
def build_nodes() -> DbtNodes:
    """The manifest's built nodes as dbt selectors, read once per process."""
    return dbt_nodes(dbt_manifest(), translator.get_asset_key)


def relation_of(unique_id: str) -> tuple[str, str] | None:
    """The (schema, table) a dbt model, seed or snapshot builds; None for any other node (ephemeral models
    build none)."""
    props = dbt_manifest()["nodes"].get(unique_id)
    if not props or props["resource_type"] not in ("model", "seed", "snapshot"):
        return None
    if props["config"].get("materialized") == "ephemeral":
        return None
    return props["schema"], props.get("alias") or props["name"]


@dbt_assets(
    manifest=dbt_manifest(),
    project=salesops_dbt_project(),
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def salesops_dbt_assets(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    run_settings: RunSettingsResource,
    config: DbtBuildConfig,
) -> Iterator[Any]:
    if config.as_of_date and (missing := missing_upstream(context.selected_asset_keys)):
        raise dg.Failure(as_of_selection_error(missing))
    if conflict := selection_as_of_conflict(context.selected_asset_keys, config.as_of_date, warehouse.file):
        raise dg.Failure(conflict)
    args = dbt_build_args(config, run_settings.dbt_vars, warehouse.file, colours=sys.stdout.isatty())
    key = parse_state_key(args, dbt.dbt_executable)
    cached, target_path = dbt_parse_cache.cache_file(key), invocation_target_path(context)
    dbt_parse_cache.restore(cached, target_path)
    asset_deps = context.assets_def.asset_deps
    results = ResultStream(
        relation_of,
        context.asset_key_for_output,
        lambda key: asset_deps.get(key, ()),
        failed_tests=lambda: compiled_tests(target_path),
    )
    nodes = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
    progress.report(progress.ProgressEvent(progress.DBT, progress.START, "dbt build", total=nodes))
    # The selection is ours, not dagster-dbt's (orchestration/dbt_subset.py): no context is handed to it.
    selection = subset_args(
        build_nodes(),
        context.selected_asset_keys,
        context.selected_asset_check_keys,
        salesops_dbt_assets.keys,
        salesops_dbt_assets.check_keys,
    )
    invocation = dbt.cli(
        [*args, *selection], manifest=dbt_manifest(), dagster_dbt_translator=translator, target_path=target_path
    )

    def handed_over(events: list[Any]) -> Iterator[Any]:
        for event in events:
            progress.report(progress.ProgressEvent(progress.DBT, progress.DONE, _node_name(event), total=nodes))
            yield event

    try:
        # Each result goes to Dagster as dbt reports it (orchestration/dbt_stream.py): the UI follows the
        # build, and Dagster stores its ~1,800 events while dbt works instead of after it.
        for raw in invocation.stream_raw_events():
            if results.take_report(raw.raw_event):
                yield from handed_over(results.after_report())
                continue
            for event in raw.to_default_asset_events(
                manifest=invocation.manifest,
                dagster_dbt_translator=invocation.dagster_dbt_translator,
                context=context,
                target_path=invocation.target_path,
                project=salesops_dbt_project(),
            ):
                yield from handed_over(results.add(event))
    except dg.DagsterExecutionInterruptedError:
        # Stopped from outside: what still waits (failed checks wait for dbt's exit) goes at once, without the
        # figures dbt did not report and without a look into the warehouse.
        stop_dbt_process(invocation)
        yield from handed_over(results.finish(None))
        raise
    except Exception:
        stop_dbt_process(invocation)
        dbt_parse_cache.save(invocation.target_path, cached)
        # Report what did build (and which checks failed) before the run fails with dbt's own error.
        yield from handed_over(_finish(results, warehouse, context))
        try:
            _claim_test_results(invocation, warehouse, context.run_id)
        except Exception as exc:  # the gate then finds the tests missing from this run and blocks
            context.log.error(f"dbt test results not filed under run {context.run_id}: {exc!r}")
        raise
    finally:
        # The step left while dbt still builds (a termination that reached Dagster's own code, the generator
        # closed after an error there): dagster-dbt stops dbt only when the interruption reaches its own
        # reader, and dbt would keep the warehouse locked after the step.
        stop_dbt_process(invocation)
        _prune_targets(context, target_path, run_settings.dbt_targets_kept)
    dbt_parse_cache.save(invocation.target_path, cached)
    _claim_test_results(invocation, warehouse, context.run_id)
    yield from handed_over(_finish(results, warehouse, context))


def missing_upstream(assets: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    """The dbt models and seeds upstream of ``assets`` that are not among them."""
    chosen = set(assets)
    upstream = dg.AssetSelection.assets(*chosen).upstream().resolve([salesops_dbt_assets], allow_missing=True)
    return sorted((upstream & set(salesops_dbt_assets.keys)) - chosen, key=lambda key: key.to_user_string())


def as_of_selection_error(missing: Sequence[dg.AssetKey]) -> str:
    """Why a build for another as-of date refuses a selection that leaves out models upstream of it: staging
    reads the date from the var, the marts from int_as_of_date's table, every model from the tables upstream,
    so a model rebuilt for another date on tables built for the last one would mix both."""
    shown = ", ".join(key.to_user_string() for key in missing[:5])
    return (
        "--as-of-date rebuilds a selection for that date only with everything upstream of it "
        f"(--select +<model>); left out: {shown}{' …' if len(missing) > 5 else ''}"
    )


AS_OF_MODEL = "model.salesops.int_as_of_date"


def warehouse_as_of(warehouse_file: Path) -> tuple[date, bool] | None:
    """The as-of date the warehouse's models were last built for, and whether it came from a var
    (``--as-of-date``): int_as_of_date's row; None before any build, or when the file cannot be read now (held
    by another process's write): the check assert_models_left_out_share_the_as_of_date still judges the build."""
    schema, table = relation_of(AS_OF_MODEL)
    if not Path(warehouse_file).exists():
        return None
    try:
        con = connect(Path(warehouse_file), read_only=True)
    except duckdb.Error:
        return None
    try:
        if not table_exists(con, schema, table):
            return None
        row = con.execute(f'select as_of_date, is_from_var from "{schema}"."{table}"').fetchone()
    finally:
        con.close()
    return (row[0], bool(row[1])) if row and row[0] is not None else None


def as_of_conflict(
    assets: Iterable[dg.AssetKey], as_of_date: str | None, current: tuple[date, bool] | None
) -> str | None:
    """Why a build of some of the dbt assets would leave the warehouse on two as-of dates, None when it would
    not: for another date than the one the warehouse is built for (the models left out keep theirs), or, in a
    warehouse built for a past date (``--as-of-date``), without a date but with a model that reads the date
    itself (staging cuts its rows at the var, int_as_of_date takes it): those would be built for the latest
    date in the data. The check assert_models_left_out_share_the_as_of_date stands behind this for any build
    not refused here (new data moving the latest date, dbt run by hand)."""
    if current is None:
        return None
    current_date, from_var = current
    try:
        wanted = date.fromisoformat(as_of_date) if as_of_date else None
    except ValueError:
        return f"--as-of-date {as_of_date!r} is not a date (YYYY-MM-DD)"
    if wanted and wanted != current_date:
        return (
            f"--as-of-date {as_of_date} with a selection would build only the selection for that date, while "
            f"the warehouse's other models are built for {current_date}: build everything for {as_of_date} "
            "(no --select), or select with the warehouse's date"
        )
    if not as_of_date and from_var:
        reading = sorted(key.to_user_string() for key in assets if key in _reading_the_date())
        if reading:
            shown = ", ".join(reading[:5]) + (" …" if len(reading) > 5 else "")
            return (
                f"the warehouse is built for --as-of-date {current_date}; without it, {shown} would be built "
                f"for the latest date in the data: pass --as-of-date {current_date} (in the Dagster UI, the "
                "run config's as_of_date), or build everything"
            )
    return None


def selection_as_of_conflict(assets: Iterable[dg.AssetKey], as_of_date: str | None, warehouse_file: Path) -> str | None:
    """``as_of_conflict`` for a build of ``assets`` on the warehouse file: None when every model is rebuilt
    (for one date; a seed may be left out) or for a run of checks alone."""
    chosen = set(assets)
    if not chosen or _model_keys() <= chosen:
        return None
    return as_of_conflict(chosen, as_of_date, warehouse_as_of(warehouse_file))


def _model_keys() -> set[dg.AssetKey]:
    nodes = build_nodes()
    return {key for key, node in nodes.asset_nodes.items() if nodes.node_types[node] == "model"}


@functools.cache
def _reading_the_date() -> frozenset[dg.AssetKey]:
    """The models that read the var as_of_date themselves (meta ``reads_as_of_var``, dbt_project.yml)."""
    return frozenset(
        translator.get_asset_key(node)
        for node in dbt_manifest()["nodes"].values()
        if node["resource_type"] == "model" and (node["config"].get("meta") or {}).get("reads_as_of_var")
    )


def stop_dbt_process(invocation: DbtCliInvocation, timeout_s: float = DBT_STOP_TIMEOUT_S) -> None:
    """Interrupt the dbt process if it still runs, as dagster-dbt does on a termination, then kill it. Its
    output is no longer read: closed first, so dbt cannot block on a full pipe instead of stopping."""
    process = invocation.process
    if process.poll() is not None:
        return
    if process.stdout is not None:
        process.stdout.close()
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _prune_targets(context: dg.AssetExecutionContext, target_path: Path, keep: int) -> None:
    """Older builds' target folders beyond the setting dbt_targets_kept (orchestration/dbt_targets.py), never
    this build's own; a folder that cannot be removed is reported, never a reason to fail the build."""
    try:
        pruned = prune_invocation_targets(
            target_path.parent, context.op_execution_context.op.name, keep, current=target_path
        )
    except OSError as exc:
        context.log.warning(f"older dbt target folders under {target_path.parent} not pruned: {exc!r}")
        return
    if pruned.removed:
        context.log.info(
            f"removed {len(pruned.removed)} dbt target folder(s) of older builds (dbt_targets_kept={keep})"
        )
    for folder, exc in pruned.failed.items():
        context.log.warning(f"older dbt target folder {folder} not removed: {exc!r}")


def _finish(results: ResultStream, warehouse: WarehouseResource, context: dg.AssetExecutionContext) -> list[Any]:
    """What still waits for a figure dbt did not report, completed from the warehouse now that dbt has exited
    (without the figures when the warehouse cannot be opened: the results still go to Dagster)."""
    if not results.waiting:
        return []
    try:
        with warehouse.connect(read_only=True) as con:
            return results.finish(con)
    except duckdb.Error as exc:
        context.log.warning(f"row counts and coverage not read from the warehouse: {exc!r}")
        return results.finish(None)


def _node_name(event: Any) -> str:
    """The asset or check a streamed dbt event is about: one per model, seed, snapshot or test."""
    if isinstance(event, dg.Output):
        return event.output_name
    check_name = getattr(event, "check_name", None)
    key = getattr(event, "asset_key", None)
    return f"{key.to_user_string() if key else ''}:{check_name or ''}"


def _claim_test_results(invocation: DbtCliInvocation, warehouse: WarehouseResource, run_id: str) -> None:
    """File the test results dbt's on-run-end hook stored under its invocation id under this Dagster run,
    so the publish gate finds every check of the run by its run id (quality/publish_gate.py)."""
    invocation_id = dbt_invocation_id(invocation.target_path)
    if invocation_id is None:
        return  # dbt stopped before it ran anything: no results to claim, the gate reports the checks missing
    with warehouse.connect() as con:
        attribute_dbt_results(con, invocation_id, run_id)


def dbt_invocation_id(target_path: Path) -> str | None:
    """The invocation id dbt wrote into run_results.json, None when dbt wrote no results."""
    run_results = Path(target_path) / "run_results.json"
    if not run_results.exists():
        return None
    return json.loads(run_results.read_text())["metadata"]["invocation_id"]
