"""The extension's own settings, read on the server: the operator's ``c.LivyCapacity.*``
(:class:`LivyCapacity`, in jupyter_server_config) and the user's JupyterLab settings
(``schema/plugin.json``, :func:`read_lab_settings`).

The cluster URLs the server may fetch (Spark master, YARN ResourceManager) come from these, never
from a request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import json5
from jupyter_core.paths import jupyter_config_dir
from traitlets import Dict, Enum, Float, Int, List, Unicode
from traitlets.config import Configurable

from .urls import normalize_url

# The extension's settings file in JupyterLab's user settings directory (schema/plugin.json).
LAB_SETTINGS_FILE = Path("jupyterlab-livy-capacity") / "plugin.jupyterlab-settings"
# Per endpoint in the settings: the cluster web UIs the server may read for live figures.
CLUSTER_URL_FIELDS = ("sparkMasterUrl", "yarnResourceManagerUrl")


def lab_settings_path(settings_dir: str | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """The extension's user settings file, in ``settings_dir`` (JupyterLab's ``user_settings_dir``
    when the lab app runs) or where JupyterLab looks by default (``$JUPYTERLAB_SETTINGS_DIR``)."""
    settings_dir = settings_dir or environ.get("JUPYTERLAB_SETTINGS_DIR") or os.path.join(
        jupyter_config_dir(), "lab", "user-settings")
    return Path(settings_dir) / LAB_SETTINGS_FILE


@dataclass
class ClusterUrls:
    """The cluster web UIs of one Livy endpoint that the server may read, from trusted configuration."""

    spark_master: str = ""
    yarn: str = ""


def cluster_url(value: Any) -> str:
    """A Spark master / YARN RM web URL fit to fetch, or "" (unset or unusable)."""
    if not isinstance(value, str):
        return ""
    url = normalize_url(value)
    parts = urlsplit(url)
    try:
        parts.port
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.hostname else ""


DEFAULT_STARVATION_SHARE = 0.8  # schema/plugin.json's default


@dataclass
class LabSettings:
    """The extension's JupyterLab settings that decide on the server: each Livy endpoint's details
    (by normalized URL) and the starvation share."""

    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    starvation_share: float = DEFAULT_STARVATION_SHARE


def read_lab_settings(path: Path) -> LabSettings:
    """The settings file (JSON5, as JupyterLab writes it). A missing or unreadable file, or a value
    out of the schema's range, means the defaults: the panel still works."""
    try:
        data = json5.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return LabSettings()
    if not isinstance(data, dict):
        return LabSettings()
    endpoints = data.get("endpoints") if isinstance(data.get("endpoints"), dict) else {}
    share = data.get("starvationShare")
    valid_share = isinstance(share, (int, float)) and not isinstance(share, bool) and 0.05 <= share <= 1
    return LabSettings(
        {normalize_url(str(url)): details for url, details in endpoints.items() if isinstance(details, dict)},
        float(share) if valid_share else DEFAULT_STARVATION_SHARE)


def cluster_urls_of(details: Mapping[str, Any]) -> ClusterUrls:
    """The usable cluster URLs of one endpoint's details."""
    return ClusterUrls(*(cluster_url(details.get(name)) for name in CLUSTER_URL_FIELDS))


# c.LivyCapacity.glue_discovery: when Glue is asked (see discovery.EndpointDiscovery).
GLUE_MODES = ("auto", "on", "off")


class LivyCapacity(Configurable):
    """Server-side settings (``c.LivyCapacity.*`` in jupyter_server_config)."""

    connect_timeout = Float(3.0, help="Seconds to wait for a TCP connection to Livy/Spark/YARN.").tag(config=True)
    request_timeout = Float(8.0, help="Seconds to wait for a whole Livy/Spark/YARN response.").tag(config=True)
    snapshot_ttl = Float(
        5.0, help="Seconds a sessions snapshot is shared between browser tabs before it is refreshed."
    ).tag(config=True)
    max_per_host = Int(
        32, min=1, help="Upstream requests on the wire to one origin at once (Livy, the RM and its proxy); more "
        "wait their turn without their timeout running.").tag(config=True)
    kernel_timeout = Float(3.0, help="Seconds to wait for a kernel to say which Livy session it holds.").tag(config=True)
    cluster_urls = Dict(
        help="Per Livy endpoint URL, the cluster web UIs the server may read for live figures, e.g. "
        '{"http://livy:8998": {"sparkMasterUrl": "http://master:8080", "yarnResourceManagerUrl": '
        '"http://rm:8088"}}. They win over the same fields in the user\'s JupyterLab settings.',
    ).tag(config=True)
    trusted_hosts = List(
        Unicode(),
        help="Hosts besides the Livy host and the cluster URLs' hosts whose URLs the server may read when "
        "Livy or the Spark master reports them (Spark UIs on YARN node managers, standalone workers).",
    ).tag(config=True)
    glue_discovery = Enum(
        GLUE_MODES, "auto",
        help="Find the Glue dev endpoint behind each Livy URL with boto3's default credentials (needs the [aws] "
        "extra): auto asks AWS when the Livy host is not this machine or a dev endpoint name is set; on "
        "always; off never.",
    ).tag(config=True)
    glue_ttl = Float(600.0, help="Seconds a Glue dev endpoint answer is reused (AWS calls per hour = 3600 / this).").tag(
        config=True)
    aws_region = Unicode("", help="AWS region for Glue discovery; default: boto3's region chain.").tag(config=True)
    history_minutes = Float(
        60.0, min=1.0, max=24 * 60.0,
        help="Minutes of executor history kept per endpoint (GET /livy-capacity/history), in memory.",
    ).tag(config=True)
