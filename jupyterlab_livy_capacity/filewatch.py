"""A file re-read whenever it changes, so edits apply without a restart."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class FileWatcher(Generic[T]):
    """Re-reads a file whenever it changes (by stat), so no restart is needed."""

    def __init__(self, path_fn: Callable[[], Path], read: Callable[[Path], T]):
        self._path_fn = path_fn
        self._read = read
        self._key: tuple | None = None
        self._value: T | None = None

    def current(self) -> T:
        path = self._path_fn()
        try:
            st = path.stat()
            key = (str(path), st.st_mtime_ns, st.st_size, st.st_ino, os.access(path, os.R_OK))
        except OSError:
            key = (str(path), None)
        if key != self._key or self._value is None:
            self._value = self._read(path)
            self._key = key
        return self._value
