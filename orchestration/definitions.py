"""The Dagster code location (workspace.yaml) built from the user's settings: flags do not exist here,
so environment variables, ./salesops.toml and the defaults apply (orchestration/settings.py)."""

from orchestration.code_location import build_definitions
from orchestration.settings import load_settings

defs = build_definitions(load_settings())
