"""What each holder of an endpoint held over the last ``window`` minutes, from the shared sessions
snapshots the server takes anyway (no upstream calls here), and the executor-hours and GiB-hours
that adds up to. Pure: no I/O, no clock unless the caller gives none.

Memory is bounded by construction, per endpoint:
- one sample per snapshot (deduplicated by its ``fetchedAt``, so many tabs add nothing), at most
  one per ``min_interval`` seconds and only as many as the window (plus the gap limit) holds;
- a sample is one flat ``array('i')`` of ``STRIDE`` int32 per holder, not a dict per holder;
- at most ``max_holders`` holders are tracked; rows of further holders are summed into one
  ``other`` holder; holders leave with their last sample;
- at most ``max_endpoints`` endpoints, the least recently recorded one dropped first.
With 500 holders at a 5 s interval over 60 minutes this is about 9 MB (tests/unit/test_history.py
measures it with tracemalloc against ``MEMORY_BUDGET``).

Executor-hours integrate a step function: each sample's figures hold until the next sample, but
never longer than ``max_gap`` seconds (when nobody polled, nothing is known, so nothing is counted).
"""

from __future__ import annotations

import math
from array import array
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

from .fairshare import WAITING_STATES

# One holder's row in a sample: its holder index, then these figures; UNKNOWN where not known.
FIELDS = ("executors", "cores", "memoryMiB", "waitingExecutors", "state")
STRIDE = 1 + len(FIELDS)
HOLDER, EXECUTORS, CORES, MEMORY, WAITING, STATE = range(STRIDE)
UNKNOWN = -1
INT32_MAX = 2**31 - 1
MAX_STATES = 64  # distinct state strings remembered per endpoint; Livy has about a dozen
OTHER_KEY = "other"
MEMORY_BUDGET = 20 * 1024 * 1024  # bytes, for 500 holders over the default window at 5 s


class Sample(NamedTuple):
    at: float  # epoch seconds of the snapshot's fetchedAt
    cluster_executors: int  # UNKNOWN when neither the user's settings nor the cluster say
    rows: array  # STRIDE int32 per holder


@dataclass
class Holder:
    index: int
    key: str  # the row key ("session-3"), suffixed ".2", ".3"... while an older holder of that key is kept
    row_key: str
    started_at: str | None  # tells a new session from an old one when Livy reuses the id
    type: str
    label: str
    name: str | None
    notebook: str | None
    owner: str | None
    last_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "type": self.type, "name": self.name, "notebook": self.notebook,
                "owner": self.owner}


def _figure(value: Any) -> int:
    """An int32 figure, or UNKNOWN for anything else (None, bools, negatives, floats)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return min(value, INT32_MAX)
    return UNKNOWN


def _epoch(iso: Any) -> float | None:
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()


def holder_label(row: dict[str, Any]) -> str:
    """The notebook's path, else the session's name (or "batch 3") with its owner."""
    notebook = row.get("notebook") or {}
    if notebook.get("path"):
        return str(notebook["path"])
    name = row.get("name") or f"{row.get('type', 'session')} {row.get('id')}"
    owner = row.get("owner") or row.get("proxyUser")
    return f"{name} ({owner})" if owner else str(name)


def waits_to_start(row: dict[str, Any]) -> bool:
    usage = row.get("usage") or {}
    return bool(usage.get("waitingToStart")) or row.get("state") in WAITING_STATES


class EndpointHistory:
    def __init__(self, window: float, min_interval: float, max_gap: float, max_holders: int):
        self.window, self.min_interval, self.max_gap, self.max_holders = window, min_interval, max_gap, max_holders
        # Samples whose hold can reach into the window: window + gap, one per min_interval.
        self.max_samples = math.ceil((window + max_gap) / min_interval) + 1
        self.samples: deque[Sample] = deque(maxlen=self.max_samples)
        self.holders: dict[int, Holder] = {}
        self._current: dict[str, Holder] = {}  # row key -> its latest holder
        self._keys: set[str] = set()
        self._next_index = 0
        self._states: list[str] = []
        self._last_fetched_at: str | None = None

    def record(self, snapshot: dict[str, Any], cluster_executors: int | None) -> bool:
        """Adds the snapshot as a sample; False when it adds nothing (seen, failed or too soon)."""
        fetched_at = snapshot.get("fetchedAt")
        at = _epoch(fetched_at)
        if at is None or fetched_at == self._last_fetched_at or snapshot.get("error") is not None:
            return False  # a failed refresh re-serves old sessions: that is no observation
        if snapshot.get("partial"):
            return False  # usage and notebooks not known yet: the complete snapshot follows
        if self.samples and at - self.samples[-1].at < self.min_interval:
            return False
        self._last_fetched_at = fetched_at
        sums: dict[int, list[int]] = {}
        for row in snapshot.get("sessions") or []:
            holder = self._holder(row, at)
            usage = row.get("usage") or {}
            figures = [_figure(usage.get("executors")), _figure(usage.get("cores")),
                       _figure(usage.get("memoryMiB")), _figure(usage.get("waitingExecutors")),
                       self._state(row.get("state"))]
            if holder.index in sums:  # several rows folded into "other": add their figures up
                total = sums[holder.index]
                for i in range(len(FIELDS) - 1):
                    total[i] = UNKNOWN if UNKNOWN in (total[i], figures[i]) else min(total[i] + figures[i], INT32_MAX)
            else:
                sums[holder.index] = figures
        rows = array("i")
        for index, figures in sums.items():
            rows.append(index)
            rows.extend(figures)
        self.samples.append(Sample(at, _figure(cluster_executors), rows))
        self._prune(at)
        return True

    def _holder(self, row: dict[str, Any], at: float) -> Holder:
        row_key, started_at = str(row.get("key")), row.get("startedAt")
        holder = self._current.get(row_key)
        if holder is None or holder.started_at != started_at:
            if len(self.holders) >= self.max_holders:
                holder = self._other()
            else:
                key, n = row_key, 1
                while key in self._keys:  # Livy reused the id (a restart) while the old one is kept
                    n += 1
                    key = f"{row_key}.{n}"
                holder = self._add(key, row_key, started_at, row)
                self._current[row_key] = holder
        else:
            # The kernel that owns a session may be learnt after the session first shows: relabel.
            holder.label, holder.notebook = holder_label(row), (row.get("notebook") or {}).get("path")
        holder.last_at = at
        return holder

    def _other(self) -> Holder:
        other = next((h for h in self.holders.values() if h.key == OTHER_KEY), None)
        if other is None:
            other = self._add(OTHER_KEY, OTHER_KEY, None, {"type": "other"}, label="Other sessions")
        return other

    def _add(self, key: str, row_key: str, started_at: str | None, row: dict[str, Any],
             label: str | None = None) -> Holder:
        holder = Holder(self._next_index, key, row_key, started_at, str(row.get("type")),
                        label or holder_label(row), row.get("name"), (row.get("notebook") or {}).get("path"),
                        row.get("owner") or row.get("proxyUser"))
        self._next_index += 1
        self.holders[holder.index] = holder
        self._keys.add(key)
        return holder

    def _state(self, state: Any) -> int:
        if not isinstance(state, str):
            return UNKNOWN
        if state not in self._states:
            if len(self._states) >= MAX_STATES:
                return UNKNOWN
            self._states.append(state)
        return self._states.index(state)

    def _prune(self, now: float) -> None:
        """Drops samples whose hold ends before the window, and holders no kept sample mentions."""
        start = now - self.window
        while len(self.samples) > 1 and self.samples[1].at <= start:
            self.samples.popleft()  # samples[1] starts in or before the window: samples[0] is not needed
        if self.samples and self.samples[0].at + self.max_gap <= start:
            self.samples.popleft()
        oldest = self.samples[0].at if self.samples else now
        for holder in [h for h in self.holders.values() if h.last_at < oldest]:
            del self.holders[holder.index]
            self._keys.discard(holder.key)
            if self._current.get(holder.row_key) is holder:
                del self._current[holder.row_key]

    def _holds(self, now: float) -> list[tuple[Sample, float]]:
        """Each sample with the seconds it counts for in the window ending at ``now``."""
        start = now - self.window
        samples = list(self.samples)
        result = []
        for sample, following in zip(samples, samples[1:] + [None]):
            end = min(following.at if following else now, sample.at + self.max_gap, now)
            seconds = end - max(sample.at, start)
            if seconds > 0 or sample.at >= start:  # the latest sample is shown before it has held long
                result.append((sample, max(seconds, 0.0)))
        return result

    def report(self, now: float) -> dict[str, Any]:
        """Columnar: one list per figure, aligned with ``samples.at`` (dense per holder, 0 where it
        held nothing, so 500 holders over the window stay near 2 MB of JSON)."""
        holds = self._holds(now)
        waiting_states = {i for i, state in enumerate(self._states) if state in WAITING_STATES}
        series: dict[int, dict[str, Any]] = {}
        for n, (sample, seconds) in enumerate(holds):
            hours = seconds / 3600
            rows = sample.rows
            # Column slices of the flat array are made in C: far faster than indexing row by row.
            for index, executors, memory, waiting, state in zip(
                    rows[HOLDER::STRIDE], rows[EXECUTORS::STRIDE], rows[MEMORY::STRIDE], rows[WAITING::STRIDE],
                    rows[STATE::STRIDE]):
                line = series.get(index)
                if line is None:
                    line = series[index] = {"executors": [0] * len(holds), "waiting": [0] * len(holds),
                                            "starting": [], "executorHours": 0.0, "gibHours": 0.0,
                                            "memoryUnknown": False}
                if executors > 0:
                    line["executors"][n] = executors
                    line["executorHours"] += executors * hours
                    if memory == UNKNOWN:
                        line["memoryUnknown"] = True
                if memory > 0:
                    line["gibHours"] += memory / 1024 * hours
                if waiting > 0:
                    line["waiting"][n] = waiting
                if state in waiting_states:
                    line["starting"].append(n)
        holders_json = {}
        groups: dict[str, dict[str, Any]] = {}
        for index, line in series.items():
            holder = self.holders[index]
            group_key, label = group_of(holder)
            group = groups.setdefault(group_key, {"key": group_key, "label": label, "notebook": holder.notebook,
                                                  "owner": holder.owner, "holders": [], "executorHours": 0.0,
                                                  "gibHours": 0.0, "memoryUnknown": False})
            group["holders"].append(holder.key)
            group["executorHours"] += line["executorHours"]
            group["gibHours"] += line["gibHours"]
            group["memoryUnknown"] = group["memoryUnknown"] or line["memoryUnknown"]
            holders_json[holder.key] = {**holder.to_json(), **line, "executorHours": round(line["executorHours"], 4),
                                        "gibHours": round(line["gibHours"], 4)}
        totals = sorted(groups.values(), key=lambda g: (-g["executorHours"], g["label"]))
        for group in totals:
            group["executorHours"], group["gibHours"] = round(group["executorHours"], 4), round(group["gibHours"], 4)
        return {"window": {"from": _iso(now - self.window), "to": _iso(now), "minutes": self.window / 60},
                "maxGapSeconds": self.max_gap, "minIntervalSeconds": self.min_interval,
                "samples": {"at": [_iso(sample.at) for sample, _ in holds],
                            "seconds": [round(seconds, 3) for _, seconds in holds],
                            "clusterExecutors": [None if sample.cluster_executors == UNKNOWN else
                                                 sample.cluster_executors for sample, _ in holds]},
                "holders": holders_json, "totals": totals}


def group_of(holder: Holder) -> tuple[str, str]:
    """What executor-hours are summed by: the notebook (over its kernel restarts), else the owner,
    else the holder itself. Returns (group key, label)."""
    if holder.notebook:
        return f"notebook:{holder.notebook}", holder.notebook
    if holder.owner:
        return f"owner:{holder.owner}", holder.owner
    return f"holder:{holder.key}", holder.label


class History:
    """The histories of every endpoint, fed from ``SessionsHandler.get`` and read by the history route."""

    def __init__(self, window_minutes: float = 60.0, min_interval: float = 5.0, max_gap: float = 120.0,
                 max_holders: int = 1000, max_endpoints: int = 32):
        if window_minutes <= 0 or min_interval <= 0 or max_gap < 0:
            raise ValueError("window_minutes and min_interval must be positive, max_gap not negative")
        self.window = window_minutes * 60
        self.min_interval, self.max_gap = min_interval, max_gap
        self.max_holders, self.max_endpoints = max_holders, max_endpoints
        self._endpoints: OrderedDict[str, EndpointHistory] = OrderedDict()

    def record(self, endpoint_url: str, snapshot: dict[str, Any], cluster_executors: int | None = None) -> bool:
        history = self._endpoints.get(endpoint_url)
        if history is None:
            history = self._endpoints[endpoint_url] = EndpointHistory(
                self.window, self.min_interval, self.max_gap, self.max_holders)
            while len(self._endpoints) > self.max_endpoints:
                self._endpoints.popitem(last=False)
        self._endpoints.move_to_end(endpoint_url)
        return history.record(snapshot, cluster_executors)

    def report(self, endpoint_url: str, now: float | None = None) -> dict[str, Any]:
        now = datetime.now(timezone.utc).timestamp() if now is None else now
        history = self._endpoints.get(endpoint_url) or EndpointHistory(
            self.window, self.min_interval, self.max_gap, self.max_holders)
        return {"endpoint": endpoint_url, **history.report(now)}
