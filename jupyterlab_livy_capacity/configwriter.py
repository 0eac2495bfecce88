"""Writing ``session_configs.conf.spark.dynamicAllocation.maxExecutors`` into the SparkMagic config.

Safe by construction: the caller states the content hash it previewed, so a file changed
underneath is refused; the new file is written to a temporary file in the same folder and
renamed over the old one (atomic); a backup of the old bytes is kept beside it; every other key,
the key order and the indentation are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import MAX_EXECUTORS

BACKUP_SUFFIX = ".livy-capacity.bak"


class ConfigWriteError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class MaxExecutorsChange:
    path: Path
    sha256: str
    before: str | None  # the current value in session_configs.conf, None when unset
    after: str
    text: str  # the new file content

    def preview(self) -> dict[str, Any]:
        return {"path": str(self.path), "sha256": self.sha256, "key": f"session_configs.conf.{MAX_EXECUTORS}",
                "before": self.before, "after": self.after, "backup": str(backup_path(self.path))}


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def _indent(text: str) -> int | str | None:
    match = re.search(r"\n([ \t]+)\S", text)
    if not match:
        return None
    whitespace = match.group(1)
    return whitespace if "\t" in whitespace else len(whitespace)


def plan_max_executors(path: Path, value: int) -> MaxExecutorsChange:
    """What writing ``value`` would change; raises ConfigWriteError when the file cannot take it."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigWriteError(400, f"maxExecutors must be an integer of at least 1, not {value!r}.")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigWriteError(409, f"Cannot read {path}: {error.strerror or error}.") from None
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise ConfigWriteError(409, f"{path} is not valid JSON (line {error.lineno}, column {error.colno}); "
                                    "fix it before applying a cap.") from None
    if not isinstance(data, dict):
        raise ConfigWriteError(409, f"{path} must hold a JSON object.")
    session_configs = data.setdefault("session_configs", {})
    if not isinstance(session_configs, dict):
        raise ConfigWriteError(409, f"`session_configs` in {path} is not a JSON object; fix it by hand.")
    conf = session_configs.setdefault("conf", {})
    if not isinstance(conf, dict):
        raise ConfigWriteError(409, f"`session_configs.conf` in {path} is not a JSON object; fix it by hand.")
    before = conf.get(MAX_EXECUTORS)
    # Spark conf values are strings, as in AWS's guidance ("spark.dynamicAllocation.maxExecutors": "5").
    conf[MAX_EXECUTORS] = str(value)
    new_text = json.dumps(data, indent=_indent(text), ensure_ascii=False)
    if text.endswith("\n") or not text:
        new_text += "\n"
    return MaxExecutorsChange(path, hashlib.sha256(raw).hexdigest(), None if before is None else str(before),
                              str(value), new_text)


def apply_max_executors(path: Path, value: int, expected_sha256: str) -> MaxExecutorsChange:
    change = plan_max_executors(path, value)
    if change.sha256 != expected_sha256:
        raise ConfigWriteError(409, f"{path} changed since the preview; review the change again before applying.")
    folder = path.parent
    if not os.access(folder, os.W_OK) or not os.access(path, os.W_OK):
        raise ConfigWriteError(403, f"Cannot write {path}: the file or its folder is read-only for this user.")
    try:
        backup_path(path).write_bytes(path.read_bytes())
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(change.text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, path.stat().st_mode & 0o777)
            # Last check right before the rename narrows the window for a concurrent editor.
            if hashlib.sha256(path.read_bytes()).hexdigest() != expected_sha256:
                raise ConfigWriteError(409, f"{path} changed while applying; nothing was written.")
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError as error:
        raise ConfigWriteError(403, f"Cannot write {path}: {error.strerror or error}.") from None
    return change
