"""Sharing a cluster fairly: the fair-share cap, starvation episodes and idle holders. Pure.

The arithmetic follows AWS's guidance for shared Glue dev endpoints: cap each session with
``spark.dynamicAllocation.maxExecutors`` and size the endpoint as users × (executors per user + 1).
The frontend mirrors the same formulas in ``src/fairshare.ts`` for its own displays.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

WAITING_STATES = {"not_started", "starting", "recovering"}


def fair_share_cap(max_executors: int, concurrent_sessions: int) -> int:
    """The cluster's max executors divided by the expected concurrent sessions, never below 1."""
    if max_executors < 0 or concurrent_sessions < 0:
        raise ValueError("max_executors and concurrent_sessions must not be negative")
    return max(1, max_executors // max(concurrent_sessions, 1))


@dataclass
class Episode:
    id: int
    holder: str
    started_at: str
    waiting: list[str] = field(default_factory=list)


class StarvationTracker:
    """Finds "one session holds ≥ share of the executors while another waits" and numbers episodes.

    An episode lasts while the same session is the holder; the situation ending (or another
    holder) ends it, so a notification is raised once per episode.
    """

    def __init__(self):
        self._open: dict[str, Episode] = {}
        self._ids = itertools.count(1)
        self.episodes_started = 0

    def observe(self, endpoint: str, sessions: list[dict[str, Any]], cluster_executors: int | None,
                share: float) -> dict[str, Any] | None:
        finding = find_starvation(sessions, cluster_executors, share)
        current = self._open.get(endpoint)
        if finding is None:
            self._open.pop(endpoint, None)
            return None
        holder, waiting = finding
        if current is None or current.holder != holder["key"]:
            current = Episode(next(self._ids), holder["key"], datetime.now(timezone.utc).isoformat())
            self._open[endpoint] = current
            self.episodes_started += 1
        current.waiting = [s["key"] for s in waiting]
        held = holder["usage"]["executors"]
        return {"episode": current.id, "since": current.started_at, "holder": holder["key"],
                "waiting": current.waiting, "held": held, "clusterExecutors": cluster_executors,
                "share": round(held / cluster_executors, 3)}


def _waits_by_cluster_word(session: dict[str, Any]) -> bool:
    """The cluster manager says so: YARN has executor requests of this application it cannot grant,
    or has not started its application master."""
    usage = session.get("usage") or {}
    return bool(usage.get("waitingToStart")) or (usage.get("waitingExecutors") or 0) > 0


def _waits(session: dict[str, Any]) -> bool:
    usage = session.get("usage") or {}
    return (_waits_by_cluster_word(session) or session.get("state") in WAITING_STATES
            # Without a cluster manager's word (standalone, Spark REST) none held is the best sign.
            or ("waitingExecutors" not in usage and usage.get("executors") == 0))


def find_starvation(sessions: list[dict[str, Any]], cluster_executors: int | None, share: float):
    """(holder, waiting sessions) or None. The holder holds the most executors; it starves the
    others when it holds at least ``share`` of the cluster's executors or, where the cluster manager
    says another session waits for executors, more than its fair share of them."""
    if not cluster_executors:
        return None
    known = [s for s in sessions if isinstance((s.get("usage") or {}).get("executors"), int)]
    if not known:
        return None
    holder = max(known, key=lambda s: s["usage"]["executors"])
    held = holder["usage"]["executors"]
    waiting = [s for s in sessions if s is not holder and _waits(s)]
    if not waiting:
        return None
    over_share = held / cluster_executors >= share
    over_fair_share = any(_waits_by_cluster_word(s) for s in waiting) and held > fair_share_cap(
        cluster_executors, len(sessions))
    return (holder, waiting) if over_share or over_fair_share else None
