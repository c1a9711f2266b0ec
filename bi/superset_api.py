"""A small client for Apache Superset's REST API (``/api/v1``): log in, then read and write its objects.

It talks HTTP only, so it runs in the project's venv while Superset runs from its own (Superset 6.1
needs SQLAlchemy 1.4, Dagster 2.1: docs/bi.md)."""

from __future__ import annotations

import re
from typing import Any

import requests

_RISON_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SupersetError(RuntimeError):
    """Superset answered a request with an error status."""


def rison(value: Any) -> str:
    """Encode ``value`` as Rison, the notation of Superset's ``?q=`` list queries (filters, columns)."""
    if isinstance(value, bool):
        return "!t" if value else "!f"
    if value is None:
        return "!n"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, dict):
        items = (f"{k if _RISON_ID.match(k) else rison(k)}:{rison(v)}" for k, v in value.items())
        return "(" + ",".join(items) + ")"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(rison(v) for v in value) + ")"
    raise TypeError(f"cannot encode {type(value).__name__} as rison")


class SupersetClient:
    """An authenticated session on one Superset server (database login, JWT bearer plus CSRF token, so it
    works with Superset's CSRF protection on)."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        token = self.post(
            "/api/v1/security/login",
            {"username": username, "password": password, "provider": "db", "refresh": True},
        )["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        # The CSRF token is bound to the session cookie this GET sets; Superset also checks the Referer.
        csrf = self.get("/api/v1/security/csrf_token/")["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.base_url})

    def _call(self, method: str, path: str, payload: dict | None = None, params: dict | None = None) -> dict:
        response = self.session.request(method, self.base_url + path, json=payload, params=params, timeout=self.timeout)
        if response.status_code >= 400:
            raise SupersetError(f"{method} {path}: HTTP {response.status_code}: {response.text[:2000]}")
        return response.json()

    def get(self, path: str, params: dict | None = None) -> dict:
        return self._call("GET", path, params=params)

    def post(self, path: str, payload: dict) -> dict:
        return self._call("POST", path, payload)

    def put(self, path: str, payload: dict) -> dict:
        return self._call("PUT", path, payload)

    def find_id(self, resource: str, filters: list[tuple[str, str, Any]]) -> int | None:
        """The id of the one ``resource`` (``database``, ``dataset``, ``chart``…) that matches every
        ``(column, operator, value)`` filter (operators as in Superset's list API: ``eq``, ``rel_o_m``…),
        or None. Raises when several match: provisioning must not guess which one it owns."""
        query = {"filters": [{"col": c, "opr": o, "value": v} for c, o, v in filters], "columns": ["id"]}
        ids = [row["id"] for row in self.get(f"/api/v1/{resource}/", params={"q": rison(query)})["result"]]
        if len(ids) > 1:
            raise SupersetError(f"{len(ids)} {resource} objects match {filters}: expected at most one")
        return ids[0] if ids else None
