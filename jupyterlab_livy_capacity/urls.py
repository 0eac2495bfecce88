"""URL helpers every module shares: userinfo stripped for showing and ids, normalized endpoint
URLs, and the host of a URL as the trust checks compare it (loopback names folded into one). Pure."""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urlsplit

_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/?#@]*@", re.IGNORECASE)


def without_userinfo(url: str) -> str:
    """``url`` without ``user:password@``: safe to show, log and use as an id."""
    return _USERINFO.sub(r"\1", url)


# Every row's Spark UI and log URL asks about the same few hosts.
@functools.lru_cache(maxsize=256)
def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_url(url: str) -> str:
    return without_userinfo(url.strip()).rstrip("/")


# What host_of says of every loopback name and address: one machine, one host to trust.
LOOPBACK = "loopback"


def host_of(url: str) -> str | None:
    """The lower-case host of an http(s) URL, or None when it is not one."""
    # Parsed once per origin, not once per URL: a cold refresh meets 1000 URLs on a few hosts. The
    # origin is cut where urlsplit ends the netloc; tabs and newlines (which urlsplit deletes) and
    # other unprintables take the long way.
    if url.isprintable():
        netloc_start = url.find("://")
        if netloc_start >= 0:
            netloc_end = _NETLOC_END.search(url, netloc_start + 3)
            if netloc_end is not None:
                url = url[:netloc_end.start()]
    return _host_of_origin(url)


_NETLOC_END = re.compile(r"[/?#]")


@functools.lru_cache(maxsize=4 * 1024)
def _host_of_origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when the port is no port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    # One machine, many names: YARN writes "localhost" into the URLs of a Livy reached at 127.0.0.1.
    return LOOPBACK if is_loopback(host) else host
