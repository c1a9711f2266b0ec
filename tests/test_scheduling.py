"""tests/scheduling.py: the order in which groups of tests reach the two xdist workers, and when."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from scheduling import (
    UNKNOWN_SECONDS,
    collected_nodeid,
    named_group,
    one_ahead_scheduling,
    order_by_cost,
    save_durations,
)
from xdist.scheduler import LoadGroupScheduling


class FakeWorker:
    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.shutting_down = False
        self.sent: list[int] = []

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent.extend(indexes)

    def shutdown(self) -> None:
        self.shutting_down = True


class FakeConfig:
    option = SimpleNamespace(loadscopereorder=False)

    def getvalue(self, name: str) -> object:
        return {"tx": ["2*popen"], "dist": "loadgroup"}[name]


# Two pipeline runs sharing one build (group "big"), three readers of another build ("mid"), a lone test.
COLLECTION = ["t.py::a1@big", "t.py::a2@big", "t.py::b1@mid", "t.py::b2@mid", "t.py::b3@mid", "t.py::c1"]


def _started(scheduler) -> tuple[FakeWorker, FakeWorker]:
    first, second = FakeWorker("gw0"), FakeWorker("gw1")
    for worker in (first, second):
        scheduler.add_node(worker)
    for worker in (first, second):
        scheduler.add_node_collection(worker, COLLECTION)
    scheduler.schedule()
    return first, second


def test_xdist_alone_commits_a_second_group_to_a_worker_with_two_tests_to_run():
    first, second = _started(LoadGroupScheduling(FakeConfig()))
    assert first.sent == [0, 1, 5]  # the lone test waits behind both pipeline runs
    assert second.sent == [2, 3, 4]


def test_a_worker_gets_its_next_group_only_at_its_last_test():
    scheduler = one_ahead_scheduling(FakeConfig(), None, durations={}, clock=lambda: 0.0)
    first, second = _started(scheduler)
    assert first.sent == [0, 1] and second.sent == [2, 3, 4]
    scheduler.mark_test_complete(second, 2)
    scheduler.mark_test_complete(second, 3)  # one test left: the worker needs its next one to run it
    assert second.sent == [2, 3, 4, 5] and first.sent == [0, 1]
    scheduler.mark_test_complete(first, 0)  # nothing left to give: the worker is told to finish
    assert first.shutting_down and first.sent == [0, 1]


def _first_worker_down_to_its_last_test_at_10_s():
    """Recorded: the two pipeline runs 10 s and 60 s, the readers 30 + 1 + 1 s, the lone test 20 s."""
    now = [0.0]
    durations = {"t.py::a1": 10, "t.py::a2": 60, "t.py::b1": 30, "t.py::b2": 1, "t.py::b3": 1, "t.py::c1": 20}
    scheduler = one_ahead_scheduling(FakeConfig(), None, durations=durations, clock=lambda: now[0])
    first, second = _started(scheduler)
    now[0] = 10.0
    scheduler.mark_test_complete(first, 0)
    return scheduler, first, second, now


def test_a_worker_finishes_when_the_other_clears_the_queue_before_its_last_test_ends():
    """At 10 s the first worker is down to its 60 s test; the second has 22 s left and the queue holds 20 s: giving
    the lone test to the first would end the run at 90 s instead of 70."""
    scheduler, first, second, now = _first_worker_down_to_its_last_test_at_10_s()
    assert first.shutting_down and first.sent == [0, 1]
    now[0] = 30.0
    scheduler.mark_test_complete(second, 2)
    now[0] = 31.0
    scheduler.mark_test_complete(second, 3)
    assert second.sent == [2, 3, 4, 5] and not second.shutting_down


def test_a_worker_that_joins_after_a_crash_takes_the_queue_when_the_other_is_finishing():
    """The first worker is told to finish at 10 s (as above); the second crashes at 15 s in its first test.
    Its group goes back to the queue; the worker xdist starts in its place takes all of it."""
    scheduler, first, second, now = _first_worker_down_to_its_last_test_at_10_s()
    assert first.shutting_down
    now[0] = 15.0
    assert scheduler.remove_node(second) == "t.py::b1@mid"
    third = FakeWorker("gw2")
    scheduler.add_node(third)
    scheduler.add_node_collection(third, COLLECTION)
    scheduler.schedule()
    assert third.sent == [5, 2, 3, 4] and not third.shutting_down and not scheduler.workqueue
    for index in (5, 2, 3, 4):
        scheduler.mark_test_complete(third, index)
    scheduler.mark_test_complete(first, 1)
    assert scheduler.tests_finished


def test_groups_are_ordered_by_recorded_seconds_and_keep_their_inner_order():
    items = [SimpleNamespace(nodeid=nodeid) for nodeid in ["m::r1", "m::r2", "m::r3", "m::p1", "m::p2", "m::new"]]
    unit = {"m::r1": "readers", "m::r2": "readers", "m::r3": "readers", "m::p1": "runs", "m::p2": "runs"}
    durations = {"m::r1": 30.0, "m::r2": 0.1, "m::r3": 0.1, "m::p1": 45.0, "m::p2": 60.0}
    cost = order_by_cost(items, lambda item: unit.get(item.nodeid, item.nodeid), durations)
    assert [item.nodeid for item in items] == ["m::p1", "m::p2", "m::r1", "m::r2", "m::r3", "m::new"]
    assert cost == pytest.approx({"readers": 30.2, "runs": 105.0, "m::new": UNKNOWN_SECONDS})


def test_recording_keeps_the_tests_a_run_left_out(tmp_path):
    path = tmp_path / "durations.json"
    save_durations({"t.py::a": 1.234, "t.py::e2e": 40.0}, path)
    save_durations({"t.py::a": 2.0}, path)  # a run without the e2e tests
    assert json.loads(path.read_text()) == {"t.py::a": 2.0, "t.py::e2e": 40.0}


def test_recorded_under_the_collected_node_id_without_the_xdist_group():
    """Collection (where the costs are read) sees a test before xdist appends its group to the id."""
    assert collected_nodeid("t.py::a@demo_db") == "t.py::a"
    assert collected_nodeid("t.py::a[x@y]") == "t.py::a[x@y]"
    assert collected_nodeid("t.py::a[x@y]@m::g") == "t.py::a[x@y]"


def _marked(*marks: pytest.MarkDecorator) -> SimpleNamespace:
    return SimpleNamespace(iter_markers=lambda name: [m.mark for m in marks if m.mark.name == name])


def test_a_group_a_test_names_itself_is_read_as_xdist_reads_it():
    assert named_group(_marked(pytest.mark.xdist_group("usd"), pytest.mark.slow)) == "usd"
    assert named_group(_marked(pytest.mark.xdist_group(name="spark"))) == "spark"
    assert named_group(_marked(pytest.mark.xdist_group("b"), pytest.mark.xdist_group("a"))) == "a_b"
    assert named_group(_marked(pytest.mark.slow)) is None
