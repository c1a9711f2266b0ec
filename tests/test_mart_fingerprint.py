"""The demo's marts and core tables, row for row, as recorded in tests/fixtures/demo_mart_fingerprint.json.

A refactor must leave every published number as it was. The fixture was recorded from the pipeline before
a change; when a change *means* to alter a mart, re-record it with
``python tests/mart_fingerprint.py --record`` on the suite's demo landing and say why in the commit.
mart_dq_results is left out: it is the log of this run's checks, not a business number.
"""

from __future__ import annotations

import json

from mart_fingerprint import FINGERPRINT_FILE, FINGERPRINT_SCHEMAS, warehouse_fingerprint


def test_every_mart_is_identical_to_the_recorded_fingerprint(demo_pipeline):
    expected = json.loads(FINGERPRINT_FILE.read_text())
    actual = warehouse_fingerprint(demo_pipeline.warehouse, FINGERPRINT_SCHEMAS)
    assert sorted(actual) == sorted(expected), "tables added or removed"
    changed = {t: (expected[t], actual[t]) for t in expected if actual[t] != expected[t]}
    assert not changed, f"{len(changed)} table(s) differ from the recorded fingerprint: {sorted(changed)}"
