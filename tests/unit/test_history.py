"""The executor history: executor-hours from known samples, deduplication, and its memory bounds."""

import tracemalloc
from datetime import datetime, timezone

import pytest

from jupyterlab_livy_capacity.history import MEMORY_BUDGET, OTHER_KEY, History

T0 = 1_800_000_000.0  # epoch seconds; samples are placed relative to it


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(T0 + seconds, tz=timezone.utc).isoformat()


def row(key, executors, memory=None, *, notebook=None, owner=None, name=None, state="busy", waiting=None,
        started="s0"):
    kind, number = key.rsplit("-", 1)
    usage = {"source": "yarn", "executors": executors, "cores": executors, "memoryMiB": memory, "error": None}
    if waiting is not None:
        usage["waitingExecutors"] = waiting
    return {"key": key, "type": kind, "id": int(number), "name": name, "owner": owner, "proxyUser": None,
            "state": state, "startedAt": started, "usage": usage,
            "notebook": {"path": notebook, "name": notebook, "kernelId": "k"} if notebook else None}


def snapshot(seconds, *rows, error=None):
    return {"fetchedAt": iso(seconds), "error": error, "sessions": list(rows)}


def feed(history, samples, endpoint="http://livy:8998", cluster=10):
    for seconds, rows in samples:
        assert history.record(endpoint, snapshot(seconds, *rows), cluster)
    return history


def totals(report):
    return {t["key"]: (t["executorHours"], t["gibHours"]) for t in report["totals"]}


def test_executor_and_gib_hours_integrate_a_step_function():
    history = feed(History(), [
        (0, [row("session-0", 2, 2048, notebook="etl.ipynb")]),
        (60, [row("session-0", 4, 4096, notebook="etl.ipynb")]),
        (120, [row("session-0", 0, 0, notebook="etl.ipynb"), row("batch-1", 3, 3072, owner="bob")]),
    ])
    report = history.report("http://livy:8998", now=T0 + 180)
    # etl: 2 executors for 60 s + 4 for 60 s = 360 executor-seconds = 0.1 h; 2 GiB·60 s + 4 GiB·60 s = 0.1 GiB-h
    # bob: 3 executors and 3 GiB for the last 60 s (until now)
    assert totals(report) == {"notebook:etl.ipynb": (0.1, 0.1), "owner:bob": (0.05, 0.05)}
    assert [t["key"] for t in report["totals"]] == ["notebook:etl.ipynb", "owner:bob"]  # most first
    assert report["holders"]["session-0"]["executors"] == [2, 4, 0]
    assert report["holders"]["batch-1"]["executors"] == [0, 0, 3]
    assert report["samples"]["clusterExecutors"] == [10, 10, 10]
    assert report["samples"]["seconds"] == [60, 60, 60]
    assert report["holders"]["batch-1"]["label"] == "batch 1 (bob)"
    assert report["holders"]["session-0"]["executorHours"] == 0.1


def test_a_sample_holds_no_longer_than_the_gap_limit():
    history = feed(History(max_gap=120), [(0, [row("session-0", 2)]), (600, [row("session-0", 2)])])
    report = history.report("http://livy:8998", now=T0 + 630)
    # 120 s after the first sample (not 600: nobody looked in between), then 30 s until now
    assert totals(report)["holder:session-0"][0] == pytest.approx(2 * 150 / 3600, abs=1e-4)
    # executors of unknown memory add no GiB-hours and say so
    assert report["totals"][0]["memoryUnknown"] is True


def test_only_the_window_counts_and_older_samples_leave():
    history = History(window_minutes=10, max_gap=120)
    feed(history, [(0, [row("session-0", 6)]), (300, [row("session-0", 1)]), (900, [row("session-1", 1)])])
    report = history.report("http://livy:8998", now=T0 + 960)
    # window [360, 960]: session-0 held 1 executor from 300 to 420 (gap), 60 s of it in the window
    assert totals(report)["holder:session-0"][0] == pytest.approx(60 / 3600, abs=1e-4)
    assert report["samples"]["at"] == [iso(300), iso(900)]
    assert report["window"] == {"from": iso(360), "to": iso(960), "minutes": 10}
    # the sample at 0 ended (0 + gap) before the window started at 300 when the last one came
    assert [s.at - T0 for s in history._endpoints["http://livy:8998"].samples] == [300, 900]


def test_snapshots_count_once_and_failed_refreshes_not_at_all():
    history = History(min_interval=5)
    first = snapshot(0, row("session-0", 2))
    assert history.record("u", first, 4)
    assert not history.record("u", first, 4)  # another tab served the same snapshot
    assert not history.record("u", snapshot(3, row("session-0", 2)), 4)  # closer than min_interval
    assert not history.record("u", snapshot(10, error={"kind": "timeout"}), 4)  # stale sessions re-served
    assert not history.record("u", {**snapshot(10, row("session-0", 0)), "partial": True}, 4)  # usage to follow
    assert history.record("u", snapshot(10, row("session-0", 2)), 4)
    assert history.report("u", now=T0 + 10)["samples"]["seconds"] == [10, 0]  # the latest one is shown too


def test_samples_and_endpoints_are_bounded():
    history = History(window_minutes=1, min_interval=5, max_gap=10, max_endpoints=2)
    for i in range(100):
        history.record("a", snapshot(i * 5, row("session-0", 1)))
    kept = history._endpoints["a"].samples
    assert len(kept) <= history._endpoints["a"].max_samples == 15
    assert kept[0].at >= T0 + 99 * 5 - 60 - 10
    history.record("b", snapshot(0))
    history.record("c", snapshot(0))
    assert list(history._endpoints) == ["b", "c"]
    assert history.report("a", now=T0)["samples"]["at"] == []  # forgotten, not an error


def test_holders_beyond_the_limit_are_summed_into_other():
    history = feed(History(max_holders=2), [
        (0, [row("session-0", 1, 1024), row("session-1", 2, 1024), row("batch-2", 3, 1024), row("batch-3", 4, None)]),
    ])
    report = history.report("http://livy:8998", now=T0 + 36)
    assert {key: h["executors"] for key, h in report["holders"].items()} == {
        "session-0": [1], "session-1": [2], OTHER_KEY: [7]}
    assert report["holders"][OTHER_KEY]["label"] == "Other sessions"
    assert totals(report)[f"holder:{OTHER_KEY}"] == (0.07, 0.0)  # memory unknown for one of them: not added


def test_holders_leave_with_their_last_sample_and_reused_ids_get_a_new_key():
    history = History(window_minutes=1, max_gap=10)
    feed(history, [(0, [row("session-0", 2, notebook="a.ipynb", started="t0")]),
                   (30, [row("session-0", 3, notebook="b.ipynb", started="t30")])])  # Livy restarted
    report = history.report("http://livy:8998", now=T0 + 40)
    assert report["holders"]["session-0"]["notebook"] == "a.ipynb"
    assert report["holders"]["session-0.2"]["notebook"] == "b.ipynb"
    feed(history, [(100, [])])
    assert history._endpoints["http://livy:8998"].holders == {}


def test_a_notebook_is_one_group_over_its_kernel_restarts_and_waiting_is_reported():
    history = feed(History(), [
        (0, [row("session-0", 2, 1024, notebook="nb.ipynb"), row("session-1", 0, 0, state="starting")]),
        (60, [row("session-2", 1, 512, notebook="nb.ipynb", waiting=3)]),
    ])
    report = history.report("http://livy:8998", now=T0 + 120)
    group = next(t for t in report["totals"] if t["key"] == "notebook:nb.ipynb")
    assert group["holders"] == ["session-0", "session-2"] and group["executorHours"] == pytest.approx(0.05)
    assert report["holders"]["session-1"]["starting"] == [0]  # sample indices
    assert report["holders"]["session-2"]["waiting"] == [0, 3]


def test_memory_of_500_holders_over_the_default_window_stays_in_budget():
    history = History()  # 60 minutes, one sample per 5 s at most
    rows = [row(f"session-{i}", i % 7, (i % 7) * 2048, notebook=f"nb-{i}.ipynb", waiting=i % 3)
            for i in range(500)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(60 * 60 // 5 + 20):  # past the window, so pruning runs too
            history.record("http://livy:8998", snapshot(n * 5, *rows), 9)
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    print(f"history of 500 holders, 60 min at 5 s: {used / 2**20:.1f} MiB")
    assert used < MEMORY_BUDGET
