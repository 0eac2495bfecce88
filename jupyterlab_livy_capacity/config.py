"""Reading the SparkMagic config the way SparkMagic finds it, as plain JSON.

SparkMagic's own ``conf`` module creates an empty config file on import, so it is never imported
here. Everything in this module is pure except :func:`read_config` and :class:`ConfigWatcher`.
Secrets stay on :class:`Endpoint` (server side) and are dropped or redacted by ``to_json``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

REDACTED = "<redacted>"
# A conf key naming one of these holds a secret (e.g. spark.hadoop.fs.s3a.secret.key).
SECRET_KEY = re.compile(r"password|secret|token|key|credential", re.IGNORECASE)
BUILTIN_AUTH = ("None", "Basic_Access", "Kerberos")
# kernel_<name>_credentials blocks SparkMagic reads, in its order.
CREDENTIAL_KERNELS = ("python", "python3", "scala", "r")
SESSION_FIELDS = ("driverMemory", "executorMemory", "executorCores", "numExecutors")
DYNAMIC_ALLOCATION_PREFIX = "spark.dynamicAllocation."
MAX_EXECUTORS = "spark.dynamicAllocation.maxExecutors"


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """``$SPARKMAGIC_CONF_DIR`` (default ``~/.sparkmagic``) / ``$SPARKMAGIC_CONF_FILE`` (default ``config.json``)."""
    conf_dir = environ.get("SPARKMAGIC_CONF_DIR") or "~/.sparkmagic"
    conf_file = environ.get("SPARKMAGIC_CONF_FILE") or "config.json"
    return Path(os.path.expanduser(os.path.join(conf_dir, conf_file)))


@dataclass
class Problem:
    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class Endpoint:
    """One Livy URL of the config, with the kernels that use it. Holds secrets: serve only ``to_json()``."""

    id: str
    url: str | None
    kernels: list[str] = field(default_factory=list)
    auth: str = "None"
    username: str | None = None
    password: str | None = None
    custom_headers: dict[str, str] = field(default_factory=dict)
    verify_ssl: bool = True
    session_properties: dict[str, Any] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        conf = self.session_properties.get("conf")
        conf = conf if isinstance(conf, dict) else {}
        return {
            "id": self.id,
            "url": self.url,
            "kernels": sorted(self.kernels),
            "auth": self.auth,
            "username": self.username,
            "hasPassword": bool(self.password),
            "customHeaderNames": sorted(self.custom_headers),
            "verifySsl": self.verify_ssl,
            "sessionSettings": {
                **{name: redact(self.session_properties.get(name)) for name in SESSION_FIELDS},
                "dynamicAllocation": {
                    k: redact(v) for k, v in conf.items() if k.startswith(DYNAMIC_ALLOCATION_PREFIX)
                },
                "maxExecutorsUnset": MAX_EXECUTORS not in conf,
                "properties": redact(self.session_properties),
            },
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }


@dataclass
class SparkMagicConfig:
    path: Path
    status: str  # ok | missing | empty | invalid_json | unreadable | not_object
    message: str | None = None
    line: int | None = None
    column: int | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def endpoint(self, url: str) -> Endpoint | None:
        url = normalize_url(url)
        return next((e for e in self.endpoints if e.url == url and not e.errors), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "config": {
                "path": str(self.path),
                "status": self.status,
                "message": self.message,
                "line": self.line,
                "column": self.column,
                "problems": [p.to_json() for p in self.problems],
            },
            "endpoints": [e.to_json() for e in self.endpoints],
        }


def redact(value: Any) -> Any:
    """A copy of ``value`` with every dict value under a secret-looking key replaced."""
    if isinstance(value, dict):
        return {k: REDACTED if SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def normalize_url(url: str) -> str:
    return url.strip().rstrip("/")


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """SparkMagic's ``_recursive_merge``: nested dicts merge, ``override`` wins on conflicts."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _session_properties(data: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    parts = []
    for key in ("session_configs_defaults", "session_configs"):
        value = data.get(key, {})
        if not isinstance(value, dict):
            problems.append(Problem(key, f"`{key}` must be a JSON object; it is ignored until fixed."))
            value = {}
        parts.append(value)
    return deep_merge(parts[0], parts[1])


def _credentials_endpoint(
    block_key: str, block: Any, known_auth: set[str], verify_ssl: bool, headers: dict[str, str]
) -> Endpoint:
    kernel = block_key[len("kernel_") : -len("_credentials")]
    if not isinstance(block, dict):
        return Endpoint(
            id=block_key,
            url=None,
            kernels=[kernel],
            errors=[Problem(block_key, f"`{block_key}` must be a JSON object with a `url`; found {type(block).__name__}.")],
        )
    endpoint = Endpoint(id=block_key, url=None, kernels=[kernel], verify_ssl=verify_ssl, custom_headers=headers)
    url = block.get("url")
    if not isinstance(url, str) or not url.strip():
        endpoint.errors.append(
            Problem(f"{block_key}.url", f"`{block_key}.url` must be a string such as \"http://localhost:8998\".")
        )
    else:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            endpoint.errors.append(
                Problem(f"{block_key}.url", f"`{block_key}.url` is {url!r}: use an http:// or https:// URL with a host.")
            )
        else:
            endpoint.url = normalize_url(url)
            endpoint.id = endpoint.url

    username = block.get("username") or None
    password = block.get("password") or None
    encoded = block.get("base64_password")
    if encoded:
        try:
            password = base64.b64decode(str(encoded), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            # Never echo the value: it is a secret even when malformed.
            endpoint.errors.append(
                Problem(
                    f"{block_key}.base64_password",
                    f"`{block_key}.base64_password` is not valid base64; SparkMagic refuses it too. "
                    "Encode the password with `base64` or use `password`.",
                )
            )
    endpoint.username = str(username) if username is not None else None
    endpoint.password = password

    auth = block.get("auth")
    if auth is None:
        auth = "Basic_Access" if (username or password) else "None"
    if not isinstance(auth, str) or auth not in known_auth:
        endpoint.errors.append(
            Problem(
                f"{block_key}.auth",
                f"`{block_key}.auth` is {auth!r}; use one of {', '.join(sorted(known_auth))} "
                "(custom names must be listed in `authenticators`).",
            )
        )
        auth = str(auth)
    endpoint.auth = auth
    return endpoint


def _merge_by_url(endpoints: list[Endpoint]) -> list[Endpoint]:
    merged: dict[str, Endpoint] = {}
    result: list[Endpoint] = []
    for endpoint in endpoints:
        first = merged.get(endpoint.url) if endpoint.url and not endpoint.errors else None
        if first is None:
            if endpoint.url and not endpoint.errors:
                merged[endpoint.url] = endpoint
            result.append(endpoint)
            continue
        first.kernels.extend(endpoint.kernels)
        if (first.auth, first.username, first.password) != (endpoint.auth, endpoint.username, endpoint.password):
            first.warnings.append(
                Problem(
                    f"kernel_{endpoint.kernels[0]}_credentials",
                    f"Kernels {', '.join(first.kernels)} share {first.url} with different credentials or auth; "
                    f"the panel uses those of kernel_{first.kernels[0]}_credentials.",
                )
            )
    return result


def parse_config(text: str, path: Path) -> SparkMagicConfig:
    """The endpoints of a SparkMagic config file's text. Pure: never raises on bad input."""
    if not text.strip():
        return SparkMagicConfig(
            path,
            "empty",
            f"{path} is empty. SparkMagic then uses http://localhost:8998 for every kernel; "
            "add kernel_python_credentials with your Livy URL.",
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return SparkMagicConfig(
            path,
            "invalid_json",
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}. "
            "Fix the file; the panel re-reads it on save.",
            line=error.lineno,
            column=error.colno,
        )
    if not isinstance(data, dict):
        return SparkMagicConfig(path, "not_object", f"{path} must hold a JSON object, not {type(data).__name__}.")

    config = SparkMagicConfig(path, "ok")
    authenticators = data.get("authenticators")
    known_auth = set(BUILTIN_AUTH) | (set(authenticators) if isinstance(authenticators, dict) else set())
    headers = data.get("custom_headers") or {}
    if not isinstance(headers, dict):
        config.problems.append(Problem("custom_headers", "`custom_headers` must be a JSON object of header names to values."))
        headers = {}
    verify_ssl = not bool(data.get("ignore_ssl_errors", False))
    properties = _session_properties(data, config.problems)

    found = []
    for kernel in CREDENTIAL_KERNELS:
        key = f"kernel_{kernel}_credentials"
        if key in data:
            endpoint = _credentials_endpoint(key, data[key], known_auth, verify_ssl, dict(headers))
            endpoint.session_properties = properties
            found.append(endpoint)
    if not found:
        config.problems.append(
            Problem(
                "kernel_python_credentials",
                f"{path} sets no kernel_*_credentials, so SparkMagic uses http://localhost:8998. "
                "Add kernel_python_credentials with your Livy URL.",
            )
        )
    config.endpoints = _merge_by_url(found)
    return config


def read_config(path: Path) -> SparkMagicConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SparkMagicConfig(
            path,
            "missing",
            f"No SparkMagic config at {path}. Create it (see SparkMagic's example_config.json) "
            "or point SPARKMAGIC_CONF_DIR / SPARKMAGIC_CONF_FILE at yours, then refresh.",
        )
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return SparkMagicConfig(
            path,
            "unreadable",
            f"Cannot read {path}: {reason}. Make it readable by the user running Jupyter.",
        )
    return parse_config(text, path)


class ConfigWatcher:
    """Re-reads the config whenever the file changes (by stat), so no restart is needed."""

    def __init__(self, path_fn=config_path):
        self._path_fn = path_fn
        self._key: tuple | None = None
        self._config: SparkMagicConfig | None = None

    def current(self) -> SparkMagicConfig:
        path = self._path_fn()
        try:
            st = path.stat()
            key = (str(path), st.st_mtime_ns, st.st_size, st.st_ino, os.access(path, os.R_OK))
        except OSError:
            key = (str(path), None)
        if key != self._key or self._config is None:
            self._config = read_config(path)
            self._key = key
        return self._config
