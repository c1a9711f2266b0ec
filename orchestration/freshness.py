"""Freshness policies: the Dagster UI marks raw files and marts whose data is older than a day.

The pipeline runs every morning (``salesops_daily``, 06:00 business time), so every raw table and every
mart is materialized about every 24 hours. PROJECT CHOICE (the source documents give no number):

- warn after 26 hours: the morning run is late (two hours of slack for a long run or a retry);
- fail after 48 hours: a whole daily run was missed, BI users are looking at data a day old or more.

Applied once, to every raw asset (``raw/<file>``), every mart (``marts/<name>``) and the serving publish
step, through ``Definitions.map_asset_specs``, so marts added later get the policy too. The loader's
bookkeeping specs (``raw/load_ledger``, ``raw/quarantined_rows``) are not materialized by anything of
their own and get none. Whether the *rows inside* a file are fresh is a different question, answered by
the great-expectations freshness expectations on the raw files (quality/README.md).
"""

from __future__ import annotations

import warnings
from datetime import timedelta

import dagster as dg

from orchestration.assets.publish import PUBLISH_KEY
from orchestration.assets.raw import LEDGER_KEY, QUARANTINE_KEY

DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=48), warn_window=timedelta(hours=26))

_NO_POLICY = {LEDGER_KEY, QUARANTINE_KEY}


def freshness_policy_for(key: dg.AssetKey) -> dg.FreshnessPolicy | None:
    """The policy of an asset: raw files, marts and the publish step are refreshed daily."""
    if key in _NO_POLICY:
        return None
    if key.path[0] in ("raw", "marts") or key == PUBLISH_KEY:
        return DAILY_FRESHNESS
    return None


def _with_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    policy = freshness_policy_for(spec.key)
    return dg.apply_freshness_policy(spec, policy) if policy is not None else spec


def with_freshness_policies(defs: dg.Definitions) -> dg.Definitions:
    """``defs`` with the daily freshness policy on raw assets, marts and the publish step."""
    # map_asset_specs is marked preview in dagster 1.13; it is the documented way to apply a policy to
    # many assets (apply_freshness_policy's docstring), so its warning is silenced here, once.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return defs.map_asset_specs(func=_with_policy)
