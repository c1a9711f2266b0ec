"""Thresholds the report draws as reference lines, read from where the marts take them: the dbt vars
of ``dbt_project.yml`` and the dbt seeds. Nothing here re-types a number."""

from __future__ import annotations

import csv
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.settings import dbt_project_var as dbt_var


def attainment_band_edges() -> list[float]:
    """Edges between the quota-attainment bands of ``mart_quota_attainment`` (var attainment_band_edges)."""
    return [float(edge) for edge in dbt_var("attainment_band_edges")]


def _seed(name: str, project_dir: Path = DBT_PROJECT_DIR) -> Path:
    found = sorted((Path(project_dir) / "seeds").rglob(f"{name}.csv"))
    if len(found) != 1:
        raise FileNotFoundError(f"expected one seed {name}.csv under {project_dir}/seeds, found {found}")
    return found[0]


def partner_tier_thresholds() -> list[tuple[str, str, float]]:
    """(tier, Chinese name, min composite score) of the partner_tier_thresholds seed, best tier first: the
    cut-offs mart_partner_scorecard.suggested_tier uses."""
    with _seed("partner_tier_thresholds").open(encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["tier_rank"]))
    return [(r["tier"], r["tier_name_zh"], float(r["min_composite_score"])) for r in rows]
