"""Which notebook of this Jupyter server holds which Livy session.

Chosen way (reference sparkmagic-livy-glue.md §2.8 A): ask each kernel silently. An execute
request with empty code, ``silent=True`` and ``store_history=False`` carries a ``user_expressions``
entry that reads SparkMagic's in-kernel session table (the wrapper kernels' ``KernelMagics`` and
``%spark``'s ``RemoteSparkMagics``, both SparkMagic magics classes holding a ``spark_controller``).
It is exact, survives ``%%configure -f`` and browser reloads,
and needs nothing on the cluster. Guards: a busy kernel answers only after its cell, so each
question has a short timeout and the last answer is kept; a kernel without SparkMagic answers an
empty list; a SparkMagic whose internals changed answers an error, which is reported, not raised.
"""

from __future__ import annotations

import asyncio
import ast
import inspect
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from .urls import normalize_url

SPARKMAGIC_KERNELS = {"pysparkkernel", "sparkkernel", "sparkrkernel"}
# Evaluated in the kernel's user namespace; returns JSON [[endpoint url, livy id], ...]. Magics are
# picked by module, not by class name: ipykernel has a `KernelMagics` class of its own.
SESSIONS_EXPRESSION = (
    "__import__('json').dumps([[s.endpoint.url, s.id] "
    "for m in get_ipython().magics_manager.registry.values() if type(m).__module__.startswith('sparkmagic.') "
    "for s in m.spark_controller.session_manager.sessions.values() "
    "if isinstance(s.id, int) and s.id >= 0])"
)


def parse_reply(content: dict[str, Any]) -> list[tuple[str, int]]:
    """The (endpoint url, livy id) pairs from an execute_reply; raises ValueError when unusable."""
    result = (content.get("user_expressions") or {}).get("livy")
    if not isinstance(result, dict):
        raise ValueError("no user_expressions in the reply")
    if result.get("status") != "ok":
        raise ValueError(f"{result.get('ename', 'error')}: {result.get('evalue', '')}")
    text = ast.literal_eval(result["data"]["text/plain"])  # the repr of the JSON string
    return [(normalize_url(url), int(sid)) for url, sid in json.loads(text)]


@dataclass
class _Answer:
    pairs: list[tuple[str, int]]
    at: float


def own_client(kernel_manager) -> Any:
    """A client of the kernel with a ZMQ identity of its own. Clients made by ``km.client()`` share
    the manager's session id as their shell identity, and the kernel's ROUTER sends each reply to
    the socket that connected last with it: a question asked that way can take another client's
    reply (a notebook's cell would wait for it for ever)."""
    session = kernel_manager.session.clone()
    session.session = str(uuid.uuid4())
    return kernel_manager.client(session=session)


class KernelOwnership:
    """Callable: (endpoint url, livy id) -> notebook {path, kernelId, name} for this server's kernels."""

    def __init__(self, kernel_manager, session_manager, kernel_spec_manager, timeout: float = 3.0,
                 ttl: float = 10.0, log: logging.Logger | None = None):
        self.kernel_manager = kernel_manager
        self.session_manager = session_manager
        self.kernel_spec_manager = kernel_spec_manager
        self.timeout = timeout
        self.ttl = ttl
        self.log = log or logging.getLogger(__name__)
        self._answers: dict[str, _Answer] = {}
        self._languages: dict[str, str | None] = {}
        self.problems: dict[str, str] = {}  # kernel id -> why it could not be asked

    async def __call__(self) -> dict[tuple[str, int], dict[str, str]]:
        sessions = await self.session_manager.list_sessions()
        candidates = [s for s in sessions if isinstance(s.get("kernel"), dict) and self._may_use_sparkmagic(s)]
        live_ids = {s["kernel"]["id"] for s in candidates}
        self._answers = {k: v for k, v in self._answers.items() if k in live_ids}
        answers = await asyncio.gather(*(self._answer(s["kernel"]) for s in candidates))
        owners: dict[tuple[str, int], dict[str, str]] = {}
        for session, pairs in zip(candidates, answers):
            for pair in pairs:
                owners[pair] = {"path": session.get("path", ""), "name": session.get("name", ""),
                                "kernelId": session["kernel"]["id"]}
        return owners

    def _may_use_sparkmagic(self, session: dict[str, Any]) -> bool:
        name = session["kernel"].get("name", "")
        if name in SPARKMAGIC_KERNELS:
            return True
        if name not in self._languages:
            try:
                self._languages[name] = self.kernel_spec_manager.get_kernel_spec(name).language
            except Exception:  # a removed kernelspec: nothing to ask
                self._languages[name] = None
        return (self._languages[name] or "").lower() == "python"  # IPython kernels may use %spark

    async def _answer(self, kernel: dict[str, Any]) -> list[tuple[str, int]]:
        kernel_id = kernel["id"]
        cached = self._answers.get(kernel_id)
        fresh = cached is not None and time.monotonic() - cached.at < self.ttl
        busy = kernel.get("execution_state") not in ("idle", None)
        if cached is not None and (fresh or busy):
            return cached.pairs  # a busy kernel would answer only after its running cell
        try:
            pairs = await asyncio.wait_for(self._ask(kernel_id), self.timeout)
        except Exception as error:  # timeout, dead kernel, changed SparkMagic: keep the last answer
            self.problems[kernel_id] = f"{type(error).__name__}: {error}"
            self.log.debug("livy-capacity: kernel %s not asked: %s", kernel_id, error)
            return cached.pairs if cached else []
        self.problems.pop(kernel_id, None)
        self._answers[kernel_id] = _Answer(pairs, time.monotonic())
        return pairs

    async def _ask(self, kernel_id: str) -> list[tuple[str, int]]:
        client = own_client(self.kernel_manager.get_kernel(kernel_id))
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        try:
            msg_id = client.execute("", silent=True, store_history=False,
                                    user_expressions={"livy": SESSIONS_EXPRESSION}, allow_stdin=False)
            while True:
                reply = client.get_shell_msg(timeout=self.timeout)
                reply = await reply if inspect.isawaitable(reply) else reply
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    return parse_reply(reply["content"])
        finally:
            client.stop_channels()
