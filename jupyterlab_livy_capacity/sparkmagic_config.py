"""Reading the SparkMagic config the way SparkMagic finds it, as plain JSON.

SparkMagic's own ``conf`` module creates an empty config file on import, so it is never imported
here. Everything in this module is pure except :func:`read_config` and :class:`ConfigWatcher`.
Secrets stay on :class:`Endpoint` (server side) and are dropped or redacted by ``to_json``: by key
name and by value (URL userinfo, ``password=``-style options, the argument after a secret-named
flag, well-known token shapes). When in doubt a value is redacted, its key kept.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import unquote, urlsplit

from .filewatch import FileWatcher
from .urls import normalize_url, without_userinfo

REDACTED = "<redacted>"
# A key or flag naming one of these holds a secret (spark.hadoop.fs.s3a.secret.key,
# spark.executorEnv.DB_PASSWD, --db-password). "pass" must end a word: "passthrough" is no secret.
_SECRET_NAME = r"(?:pass(?:wd|word|wort|phrase)?(?![a-z])|pwd|secret|token|credential|key|authorization|cookie|signature|private)"
SECRET_KEY = re.compile(_SECRET_NAME, re.IGNORECASE)
# An argument such as --db-password or -Dpassword whose next argument is the secret.
SECRET_FLAG = re.compile(rf"^--?[\w.-]*{_SECRET_NAME}[\w.-]*$", re.IGNORECASE)
# A string value that carries a secret somewhere inside.
SECRET_IN_TEXT = re.compile(
    r"[a-z][a-z0-9+.-]*://[^/?#\s@]*@"  # URL userinfo: postgres://user:pw@host, jdbc:mysql://u:p@h
    rf"|{_SECRET_NAME}[\w.-]*\s*[=:]\s*\S"  # -Djavax.net.ssl.keyStorePassword=..., token: ...
    rf"|(?:^|\s)--?[\w.-]*{_SECRET_NAME}[\w.-]*\s+\S"  # "--db-password hunter2" in one string
    r"|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|\beyJ[\w-]{8,}\.[\w-]{8,}"  # AWS key id, PEM, JWT
    r"|\b(?:bearer|basic)\s+[\w.~+/=-]{8,}",  # Authorization header values
    re.IGNORECASE,
)
# An HTTP header name (RFC 9110 token) and the characters a header value must not hold.
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
HEADER_VALUE_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Deeper session settings are refused: SparkMagic sends them to Livy, and nothing real nests this deep.
MAX_DEPTH = 32
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
                **{name: redact(self.session_properties.get(name), name) for name in SESSION_FIELDS},
                "dynamicAllocation": {
                    k: redact(v, k) for k, v in conf.items() if k.startswith(DYNAMIC_ALLOCATION_PREFIX)
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


def redact(value: Any, key: Any = None) -> Any:
    """A copy of ``value`` (found under ``key``) fit to serve: a secret-looking key or value becomes
    ``REDACTED``, and so does the list item after a secret-named flag such as ``--db-password``."""
    if key is not None and SECRET_KEY.search(str(key)):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        redacted, after_flag = [], False
        for item in value:
            redacted.append(REDACTED if after_flag else redact(item))
            after_flag = isinstance(item, str) and bool(SECRET_FLAG.match(item))
        return redacted
    if isinstance(value, str) and SECRET_IN_TEXT.search(value):
        return REDACTED
    return value



def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """SparkMagic's ``_recursive_merge``: nested dicts merge, ``override`` wins on conflicts."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def finite(value: Any, path: str = "", problems: list[Problem] | None = None, depth: int = 0) -> Any:
    """A copy of a parsed JSON value that strict JSON can carry: NaN and ±Infinity (Python's
    ``json`` reads them, and ``1e999`` as Infinity) become None, and so does anything nested deeper
    than ``MAX_DEPTH``. Each replacement is recorded in ``problems``, named by its ``path``."""
    if depth > MAX_DEPTH:
        if problems is not None:
            problems.append(Problem(path, f"`{path}` is nested more than {MAX_DEPTH} levels deep; "
                                          "SparkMagic settings never need that. Flatten it."))
        return None
    if isinstance(value, float) and not math.isfinite(value):
        if problems is not None:
            problems.append(Problem(path, f"`{path}` is {value}, which is not a number JSON or Livy accepts; "
                                          "use a finite number or a string such as \"4g\"."))
        return None
    if isinstance(value, dict):
        return {k: finite(v, f"{path}.{k}" if path else str(k), problems, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v, f"{path}[{i}]", problems, depth + 1) for i, v in enumerate(value)]
    return value


def _session_properties(data: dict[str, Any], problems: list[Problem], endpoint_errors: list[Problem]) -> dict[str, Any]:
    """The merged session body SparkMagic sends. Values JSON cannot carry are errors of every endpoint."""
    parts = []
    for key in ("session_configs_defaults", "session_configs"):
        value = data.get(key, {})
        if not isinstance(value, dict):
            problems.append(Problem(key, f"`{key}` must be a JSON object; it is ignored until fixed."))
            value = {}
        parts.append(finite(value, key, endpoint_errors))
    return deep_merge(parts[0], parts[1])


def _custom_headers(data: dict[str, Any], problems: list[Problem], endpoint_errors: list[Problem]) -> dict[str, str]:
    """The valid custom headers. A broken one is an error of every endpoint (SparkMagic sends it to
    all of them) that names the header and never shows its value."""
    headers = data.get("custom_headers") or {}
    if not isinstance(headers, dict):
        problems.append(Problem("custom_headers", "`custom_headers` must be a JSON object of header names to values."))
        return {}
    valid = {}
    for name, value in headers.items():
        field_name = f"custom_headers.{name}"
        if not HEADER_NAME.match(name):
            endpoint_errors.append(Problem("custom_headers", f"Custom header name {name!r} is not a valid HTTP "
                                                             "header name (letters, digits and -_.!#$%&'*+^`|~)."))
        elif not isinstance(value, str):
            endpoint_errors.append(Problem(field_name, f"The value of custom header `{name}` must be a string "
                                                       f"(in quotes), not a {type(value).__name__}."))
        elif HEADER_VALUE_FORBIDDEN.search(value):
            endpoint_errors.append(Problem(field_name, f"The value of custom header `{name}` contains a line break "
                                                       "or control character, which HTTP forbids; remove it."))
        else:
            valid[name] = value
    return valid


def _optional_text(block: dict[str, Any], key: str, block_key: str, errors: list[Problem]) -> str | None:
    """A credentials string such as ``password``; any other type is an error that never shows the value."""
    value = block.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors.append(Problem(f"{block_key}.{key}", f"`{block_key}.{key}` must be a string (in quotes), "
                                                    f"not a {type(value).__name__}."))
        return None
    return value


def _url_problem(block_key: str, url: str) -> str | None:
    """Why ``url`` cannot be a Livy URL, or None. Messages show the URL without userinfo."""
    shown = without_userinfo(url.strip())
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"`{block_key}.url` is {shown!r}: use an http:// or https:// URL with a host."
    try:
        parts.port
    except ValueError:
        return f"`{block_key}.url` is {shown!r}: its port must be a number from 1 to 65535."
    return None


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
    url_username = url_password = None
    if not isinstance(url, str) or not url.strip():
        endpoint.errors.append(
            Problem(f"{block_key}.url", f"`{block_key}.url` must be a string such as \"http://localhost:8998\".")
        )
    elif problem := _url_problem(block_key, url):
        endpoint.errors.append(Problem(f"{block_key}.url", problem))
    else:
        endpoint.url = normalize_url(url)
        endpoint.id = endpoint.url
        # http://user:pw@host: credentials like any others, never part of an id or a shown URL.
        parts = urlsplit(url.strip())
        url_username = unquote(parts.username) if parts.username else None
        url_password = unquote(parts.password) if parts.password else None

    username = _optional_text(block, "username", block_key, endpoint.errors) or url_username
    password = _optional_text(block, "password", block_key, endpoint.errors) or url_password
    encoded = _optional_text(block, "base64_password", block_key, endpoint.errors)
    if encoded:
        try:
            password = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            # Never echo the value: it is a secret even when malformed.
            endpoint.errors.append(
                Problem(
                    f"{block_key}.base64_password",
                    f"`{block_key}.base64_password` is not valid base64; SparkMagic refuses it too. "
                    "Encode the password with `base64` or use `password`.",
                )
            )
    endpoint.username = username
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
    except (RecursionError, ValueError) as error:  # nesting too deep for Python; an integer of 4300+ digits
        reason = "it is nested too deeply" if isinstance(error, RecursionError) else str(error)
        return SparkMagicConfig(path, "invalid_json", f"{path} cannot be read as JSON: {reason}. Fix the file.")
    if not isinstance(data, dict):
        return SparkMagicConfig(path, "not_object", f"{path} must hold a JSON object, not {type(data).__name__}.")

    config = SparkMagicConfig(path, "ok")
    authenticators = data.get("authenticators")
    known_auth = set(BUILTIN_AUTH) | (set(authenticators) if isinstance(authenticators, dict) else set())
    # Problems of the parts every endpoint shares (headers, session settings) are each endpoint's errors.
    shared_errors: list[Problem] = []
    headers = _custom_headers(data, config.problems, shared_errors)
    verify_ssl = not bool(data.get("ignore_ssl_errors", False))
    properties = _session_properties(data, config.problems, shared_errors)

    found = []
    for kernel in CREDENTIAL_KERNELS:
        key = f"kernel_{kernel}_credentials"
        if key in data:
            endpoint = _credentials_endpoint(key, data[key], known_auth, verify_ssl, dict(headers))
            endpoint.session_properties = properties
            endpoint.errors.extend(shared_errors)
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



class ConfigWatcher(FileWatcher[SparkMagicConfig]):
    def __init__(self, path_fn: Callable[[], Path] = config_path):
        super().__init__(path_fn, read_config)
