"""Real notebooks for the integration tests: a Jupyter session (notebook path + kernel) opened
through the server's REST API, and cells run in its kernel the way JupyterLab runs them."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from jupyterlab_livy_capacity.kernels import own_client


@dataclass
class Notebook:
    path: str
    kernel_id: str
    client: Any
    outputs: list[str] = field(default_factory=list)

    async def run(self, code: str, timeout: float = 300) -> str:
        """Runs one cell; returns everything it printed or displayed (text), errors included."""
        texts: list[str] = []

        def collect(message: dict[str, Any]) -> None:
            content = message["content"]
            kind = message["header"]["msg_type"]
            if kind == "stream":
                texts.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                texts.append(str(content["data"].get("text/plain", "")))
            elif kind == "error":
                texts.append(f"{content['ename']}: {content['evalue']}")

        await self.client.execute_interactive(code, output_hook=collect, timeout=timeout)
        text = "".join(texts)
        self.outputs.append(text)
        return text

    def start(self, code: str) -> asyncio.Task:
        """Runs a cell without waiting for it (a long job that holds executors)."""
        return asyncio.ensure_future(self.run(code))


async def open_notebook(jp_fetch, server_app, path: str, kernel_name: str) -> Notebook:
    body = json.dumps({"path": path, "name": path, "type": "notebook", "kernel": {"name": kernel_name}})
    kernel_id = json.loads((await jp_fetch("api", "sessions", method="POST", body=body)).body)["kernel"]["id"]
    client = own_client(server_app.kernel_manager.get_kernel(kernel_id))  # as a browser tab: its own identity
    client.start_channels()
    await client.wait_for_ready(timeout=120)
    return Notebook(path, kernel_id, client)
