"""Asking real kernels which Livy sessions they hold (the notebook mapping's channel).

Real SparkMagic kernels answer through user_expressions without running a cell. Before any cell
ran, no kernel holds a session, so the answer is empty; what this proves is that the expression
reads SparkMagic 0.23's internals without error (a changed SparkMagic would show up in `problems`)
and that IPython kernels without SparkMagic answer too. Kernels holding sessions:
test_notebook_sessions.py.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration


async def open_notebook(jp_fetch, path: str, kernel_name: str) -> str:
    body = json.dumps({"path": path, "name": path, "type": "notebook", "kernel": {"name": kernel_name}})
    return json.loads((await jp_fetch("api", "sessions", method="POST", body=body)).body)["kernel"]["id"]


async def test_real_kernels_answer_without_errors(jp_fetch, jp_serverapp, sparkmagic_env, sparkmagic_kernelspecs):
    kernels = {kernel: await open_notebook(jp_fetch, f"{kernel}.ipynb", kernel)
               for kernel in ("pysparkkernel", "sparkkernel", "python3")}
    owners = jp_serverapp.web_app.settings["livy_capacity_collector"].owners
    for kernel_id in kernels.values():
        await jp_serverapp.kernel_manager.get_kernel(kernel_id).client().wait_for_ready(timeout=60)
    assert await owners() == {}
    assert owners.problems == {}, owners.problems  # ipykernel has a KernelMagics class too: not confused
    # Every kernel was really asked, and the answers are cached for the next refresh.
    assert set(owners._answers) == set(kernels.values())
    # The sessions route uses the same lookup: no notebook holds a Livy session.
    snap = json.loads((await jp_fetch("livy-capacity", "sessions", params={"endpoint": sparkmagic_env.livy_url})).body)
    assert snap["error"] is None and all(row["notebook"] is None for row in snap["sessions"])
