"""Writing ``session_configs.conf.spark.dynamicAllocation.maxExecutors`` into the SparkMagic config.

Nothing is lost, by construction:

- the file's text is edited, not re-serialised: only the value of that key is replaced (or the
  key, with ``conf`` / ``session_configs`` as needed, inserted after the last member of its object,
  with the separator its siblings use), so every other byte stays (CRLF, ``1.50``, key order,
  duplicate keys elsewhere); the result is parsed again and must differ from the original in that
  one value only, otherwise nothing is written;
- files it cannot read exactly are refused: invalid UTF-8, duplicate keys on the path it edits;
- the caller states the content hash it previewed, so a file changed underneath is refused;
- a symlinked config is updated where it really lives (the link stays a link);
- before each write the old bytes go to a new numbered backup beside the real file, created
  exclusively (an existing file or symlink of that name is never followed or overwritten) with
  the config's own permissions;
- the new text is written to a temporary file in the same folder and renamed over the old one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .sparkmagic_config import MAX_EXECUTORS

BACKUP_SUFFIX = ".livy-capacity-backup-"
MAX_BACKUPS = 1000
# No cluster a notebook user shares runs more executors; larger values are typos.
MAX_CAP = 10000
PATH = ("session_configs", "conf", MAX_EXECUTORS)
JSON_WHITESPACE = " \t\r\n"


class ConfigWriteError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class MaxExecutorsChange:
    path: Path  # the config as named (SPARKMAGIC_CONF_DIR/...)
    real_path: Path  # the file written: the symlink's target, or the config itself
    sha256: str
    before: str | None  # the current value in session_configs.conf, None when unset
    after: str
    text: str  # the new file content

    def preview(self) -> dict[str, Any]:
        return {"path": str(self.path), "sha256": self.sha256, "key": f"session_configs.conf.{MAX_EXECUTORS}",
                "before": self.before, "after": self.after, "backup": str(next_backup_path(self.real_path))}


def backup_path(path: Path, number: int) -> Path:
    return path.with_name(f"{path.name}{BACKUP_SUFFIX}{number}")


def next_backup_path(path: Path) -> Path:
    """The first numbered backup name not taken by anything (a file, a directory, a symlink)."""
    for number in range(1, MAX_BACKUPS + 1):
        candidate = backup_path(path, number)
        if not os.path.lexists(candidate):
            return candidate
    raise ConfigWriteError(409, f"{path} has {MAX_BACKUPS} backups beside it; remove old "
                                f"{path.name}{BACKUP_SUFFIX}* files before applying another cap.")


@dataclass
class _Member:
    key: str
    leading: str  # the whitespace between the "{" or "," before it and its key
    value_start: int
    value_end: int


class _Object:
    """The members of one JSON object in a text, with their positions."""

    def __init__(self, text: str, start: int):
        assert text[start] == "{"
        self.start = start
        self.members: list[_Member] = []
        decoder = json.JSONDecoder()
        position = _skip_whitespace(text, start + 1)
        if text[position] == "}":
            self.end = position + 1
            return
        leading = text[start + 1 : position]
        while True:
            key, after_key = json.decoder.scanstring(text, position + 1)
            value_start = _skip_whitespace(text, _skip_whitespace(text, after_key) + 1)  # past the colon
            _, value_end = decoder.raw_decode(text, value_start)
            self.members.append(_Member(key, leading, value_start, value_end))
            position = _skip_whitespace(text, value_end)
            if text[position] == "}":
                self.end = position + 1
                return
            key_start = _skip_whitespace(text, position + 1)  # past the comma
            leading, position = text[position + 1 : key_start], key_start

    def member(self, key: str, where: str) -> _Member | None:
        found = [m for m in self.members if m.key == key]
        if len(found) > 1:
            raise ConfigWriteError(422, f"`{where}{key}` appears {len(found)} times in the file; keep one "
                                        "(SparkMagic uses the last) before applying a cap.")
        return found[0] if found else None

    def insert(self, text: str, key: str, value: Any) -> str:
        """``text`` with ``"key": value`` added as the last member, separated like its siblings."""
        new_member = f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
        if not self.members:
            return text[: self.start + 1] + new_member + text[self.end - 1 :]
        last = self.members[-1]
        separator = last.leading or " "  # e.g. "\r\n    " in an indented file
        return text[: last.value_end] + "," + separator + new_member + text[last.value_end :]


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in JSON_WHITESPACE:
        position += 1
    return position


def _edit(text: str, value: str) -> tuple[str, str | None]:
    """(the new text, the value before). Raises ConfigWriteError when the path is not all objects."""
    root_start = _skip_whitespace(text, 0)
    if not text[root_start:].strip():
        return json.dumps({PATH[0]: {PATH[1]: {PATH[2]: value}}}, indent=4) + "\n", None
    container = _Object(text, root_start)
    where = ""
    for depth, key in enumerate(PATH):
        member = container.member(key, where)
        if member is None:
            rest: Any = value
            for inner in reversed(PATH[depth + 1 :]):
                rest = {inner: rest}
            return container.insert(text, key, rest), None
        if depth == len(PATH) - 1:
            before = json.loads(text[member.value_start : member.value_end])
            replacement = json.dumps(value)
            return text[: member.value_start] + replacement + text[member.value_end :], before
        where += f"{key}."
        if text[member.value_start] != "{":
            raise ConfigWriteError(409, f"`{where.rstrip('.')}` is not a JSON object; fix it by hand.")
        container = _Object(text, member.value_start)
    raise AssertionError("unreachable: PATH is not empty")


def _set_path(data: dict[str, Any], value: str) -> None:
    target = data
    for key in PATH[:-1]:
        target = target.setdefault(key, {})
    target[PATH[-1]] = value


def plan_max_executors(path: Path, value: int) -> MaxExecutorsChange:
    """What writing ``value`` would change; raises ConfigWriteError when the file cannot take it."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_CAP:
        raise ConfigWriteError(400, f"maxExecutors must be an integer from 1 to {MAX_CAP}, not {value!r}.")
    real_path = Path(os.path.realpath(path))
    try:
        raw = real_path.read_bytes()
    except OSError as error:
        raise ConfigWriteError(409, f"Cannot read {path}: {error.strerror or error}.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigWriteError(422, f"{path} is not valid UTF-8 (byte {error.start}); the panel will not "
                                    "rewrite it. Save it as UTF-8 or set the cap by hand.") from None
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise ConfigWriteError(409, f"{path} is not valid JSON (line {error.lineno}, column {error.colno}); "
                                    "fix it before applying a cap.") from None
    except (RecursionError, ValueError):
        raise ConfigWriteError(422, f"{path} cannot be read exactly (nested too deeply or a number too long); "
                                    "set the cap by hand.") from None
    if not isinstance(data, dict):
        raise ConfigWriteError(409, f"{path} must hold a JSON object.")
    # Spark conf values are strings, as in AWS's guidance ("spark.dynamicAllocation.maxExecutors": "5").
    new_text, before = _edit(text, str(value))
    _set_path(data, str(value))
    # json.dumps compares NaN (and every other value) by its text, where == would not.
    if json.dumps(json.loads(new_text)) != json.dumps(data):
        raise ConfigWriteError(422, f"{path} could not be edited without changing more than the cap; "
                                    "set it by hand.")
    return MaxExecutorsChange(path, real_path, hashlib.sha256(raw).hexdigest(),
                              None if before is None else str(before), str(value), new_text)


def _write_backup(path: Path, content: bytes, mode: int) -> Path:
    """A new numbered backup: created exclusively, never through a symlink, with ``mode``."""
    for _ in range(MAX_BACKUPS):
        backup = next_backup_path(path)
        try:
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
        except FileExistsError:  # taken since next_backup_path looked: take the next one
            continue
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)  # the umask must not widen or narrow it
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        return backup
    raise ConfigWriteError(409, f"Cannot create a backup beside {path}.")


def apply_max_executors(path: Path, value: int, expected_sha256: str) -> MaxExecutorsChange:
    change = plan_max_executors(path, value)
    if change.sha256 != expected_sha256:
        raise ConfigWriteError(409, f"{path} changed since the preview; review the change again before applying.")
    real_path = change.real_path
    folder = real_path.parent
    if not os.access(folder, os.W_OK) or not os.access(real_path, os.W_OK):
        raise ConfigWriteError(403, f"Cannot write {path}: the file or its folder is read-only for this user.")
    try:
        original = real_path.read_bytes()
        mode = real_path.stat().st_mode & 0o7777
        fd, temporary = tempfile.mkstemp(prefix=f".{real_path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), mode)
                handle.write(change.text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            # Last check right before the rename narrows the window for a concurrent editor.
            if hashlib.sha256(original).hexdigest() != expected_sha256:
                raise ConfigWriteError(409, f"{path} changed while applying; nothing was written.")
            _write_backup(real_path, original, mode)
            os.replace(temporary, real_path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError as error:
        raise ConfigWriteError(403, f"Cannot write {path}: {error.strerror or error}.") from None
    return change
