"""How the suite's tests are shared out between the two pytest-xdist workers (tests/conftest.py wires it in).

Tests that read the same built warehouse form one group, sent whole to one worker (``--dist loadgroup``).
A group costs what its builds cost, not what its test count says: in the marked tests' run, the Spark
build is one test and ~370 s, the demo pipeline's two end-to-end tests ~170 s (the demo pipeline, then two
reruns of it), each partial-landing group five to eight tests and ~40 s. xdist hands groups out in the
order it is given (``--no-loadscope-reorder``), so the groups are ordered by their cost in
``tests/durations.json``: the seconds each test took (setup, call and teardown) in a recorded run, longest
first. A test missing from the file counts ``UNKNOWN_SECONDS``.
Stale figures only change the order, never what runs; ``pytest --record-durations`` (with the marked tests'
``-m`` for theirs) rewrites the file, keeping the entries of tests that run did not include.

xdist also gives a worker its next group as soon as the current one is down to two tests to run, and it
cannot be taken back: a worker whose last two tests are pipeline runs of a minute each would hold the next
group for two minutes while the other worker idles. ``OneAheadScheduling`` gives the next group only when
one test is left (a worker never runs a test before knowing the next one, so it cannot wait longer), and
not at all when, by the recorded seconds, the other worker will have run everything still queued before
this one's last test ends: the worker is then told to finish.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DURATIONS_FILE = Path(__file__).parent / "durations.json"
UNKNOWN_SECONDS = 1.0


def load_durations(path: Path = DURATIONS_FILE) -> dict[str, float]:
    """Recorded seconds by test node id; empty when there is no file yet."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def collected_nodeid(reported: str) -> str:
    """A test's node id as collected: xdist reports a grouped test as ``<node id>@<group>`` (the same
    test for the parser of ``loadgroup``: an ``@`` after the last ``]``)."""
    at = reported.rfind("@")
    return reported[:at] if at > reported.rfind("]") else reported


def named_group(item: Any) -> str | None:
    """The group a test names itself with ``pytest.mark.xdist_group``, as xdist reads the mark (its first
    argument or ``name``), or None. Several marks are one group named by their names joined, as xdist does."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) or None


def save_durations(recorded: dict[str, float], path: Path = DURATIONS_FILE) -> None:
    """Write this run's seconds over the file's, keeping the tests this run did not include."""
    seconds: dict[str, float] = {}
    for reported, s in recorded.items():
        nodeid = collected_nodeid(reported)
        seconds[nodeid] = seconds.get(nodeid, 0.0) + s
    merged = {**load_durations(path), **{nodeid: round(s, 2) for nodeid, s in seconds.items()}}
    path.write_text(json.dumps(dict(sorted(merged.items())), indent=0) + "\n", encoding="utf-8")


def order_by_cost(items: list[Any], unit_of: Callable[[Any], str], durations: dict[str, float]) -> dict[str, float]:
    """Sort ``items`` in place so that the costliest unit of work (a group, or a test on its own) comes
    first; the tests of one unit keep their order (module fixtures are set up once per run of a module's
    tests). Returns the cost of every unit."""
    cost: dict[str, float] = {}
    for item in items:
        unit = unit_of(item)
        cost[unit] = cost.get(unit, 0.0) + durations.get(collected_nodeid(item.nodeid), UNKNOWN_SECONDS)
    items.sort(key=lambda item: (-cost[unit_of(item)], unit_of(item)))
    return cost


def one_ahead_scheduling(
    config: Any,
    log: Any,
    durations: dict[str, float] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """xdist's group scheduling, except that a worker gets its next group only when its current work is
    down to its last test (xdist 3.8's threshold is two), and is told to finish instead when another
    worker is expected to clear the whole queue before this one's last test ends (recorded seconds)."""
    from xdist.scheduler import LoadGroupScheduling

    seconds = load_durations() if durations is None else durations

    def cost(nodeid: str) -> float:
        return seconds.get(collected_nodeid(nodeid), UNKNOWN_SECONDS)

    class OneAheadScheduling(LoadGroupScheduling):
        # _reschedule and _assign_work_unit are xdist's own steps for "maybe give this worker more" and
        # "give it the next group"; the pinned version's (constraints.txt) _reschedule is called after
        # every finished test, for every worker after a crash and when a worker joins, and gives one
        # group at <= 2 pending tests.
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.busy_since: dict[Any, float] = {}  # when each worker started the test it runs now

        def _assign_work_unit(self, node: Any) -> None:
            self.busy_since.setdefault(node, clock())
            super()._assign_work_unit(node)

        def mark_test_complete(self, node: Any, item_index: int | str, duration: float = 0) -> None:
            self.busy_since[node] = clock()
            super().mark_test_complete(node, item_index, duration)

        def seconds_left(self, node: Any) -> float:
            pending = [n for unit in self.assigned_work[node].values() for n, done in unit.items() if not done]
            running = max(cost(pending[0]) - (clock() - self.busy_since[node]), 0.0) if pending else 0.0
            return running + sum(cost(n) for n in pending[1:])

        def others_clear_the_queue_first(self, node: Any) -> bool:
            # Only workers with a next test in hand are running; a worker at one test left is served at once.
            others = [
                self.seconds_left(n)
                for n in self.nodes
                if n is not node and not n.shutting_down and self._pending_of(self.assigned_work[n]) > 1
            ]
            queued = sum(cost(n) for unit in self.workqueue.values() for n, done in unit.items() if not done)
            return bool(others) and min(others) + queued <= self.seconds_left(node)

        def _reschedule(self, node: Any) -> None:
            if node.shutting_down:
                return
            # A worker with one test left waits for its next one: it gets groups until it has two tests to
            # run, or is told to finish (nothing left, or the other worker clears the queue sooner).
            while self.workqueue and self._pending_of(self.assigned_work[node]) <= 1:
                if self.others_clear_the_queue_first(node):
                    break
                self._assign_work_unit(node)
            if self._pending_of(self.assigned_work[node]) <= 1:
                node.shutdown()

    return OneAheadScheduling(config, log)
