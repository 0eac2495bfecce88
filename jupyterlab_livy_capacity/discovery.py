"""What the platform can tell about an endpoint, so the panel is right with nothing typed in.

Per Livy endpoint, on a poll's request path and without waiting: the Glue dev endpoint behind it
(``glue.GlueDiscovery``, AWS calls cached for minutes) and the YARN ResourceManager that answers
for it (``rmdiscovery.RmDiscovery``). What the user set wins (``glue.effective_endpoint_details``).
Only trusted hosts are probed: the Livy host, hosts the operator trusts, and the YARN address AWS
itself reports for a Glue dev endpoint; never a host a browser names.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .glue import GlueDiscovery, effective_endpoint_details, livy_host
from .rmdiscovery import FROM_GLUE, Candidate, RmDiscovery
from .settings import ClusterUrls
from .urls import host_of, is_loopback


class EndpointDiscovery:
    def __init__(self, rm: RmDiscovery, glue: GlueDiscovery | None, glue_mode: str = "auto",
                 trusted_hosts: Iterable[str] = ()):
        self.rm = rm
        self.glue = glue
        self.glue_mode = glue_mode
        self.trusted_hosts = {h.lower() for h in trusted_hosts}
        self._spark_ui_urls: dict[str, list[str]] = {}  # Livy URL -> sparkUiUrls of its last snapshot

    def _asks_glue(self, livy_url: str, settings: Mapping[str, Any]) -> bool:
        """Glue is asked where it can know the endpoint: a name was given, or (auto) the Livy host is
        not this machine. The default credential chain would otherwise ask the instance metadata
        service of whatever machine runs Jupyter, on every laptop and CI box."""
        if self.glue is None or self.glue_mode == "off":
            return False
        return (self.glue_mode == "on" or bool(settings.get("glueDevEndpointName"))
                or not is_loopback(livy_host(livy_url)))

    def resolve(self, livy_url: str, settings: Mapping[str, Any], configured: ClusterUrls
                ) -> tuple[str, dict[str, Any]]:
        """(the ResourceManager URL to read, "" if none; the discovery document for the panel)."""
        glue = None
        if self._asks_glue(livy_url, settings):
            name, region = settings.get("glueDevEndpointName"), settings.get("awsRegion")
            glue = self.glue.lookup(livy_url, name if isinstance(name, str) and name else None,
                                    region if isinstance(region, str) and region else None)
        rm = None
        yarn_url = configured.yarn
        if not configured.yarn and not configured.spark_master:
            known = ([Candidate(glue["resourceManagerCandidate"], FROM_GLUE)]
                     if glue and glue.get("state") == "ok" and glue.get("resourceManagerCandidate") else [])
            rm = self.rm.lookup(livy_url, self._spark_ui_urls.get(livy_url, ()), known)
            yarn_url = rm["url"] if rm.get("state") == "found" else ""
        return yarn_url, {"glue": glue, "resourceManager": rm, **effective_endpoint_details(settings, glue, rm)}

    def observe(self, livy_url: str, snapshot: Mapping[str, Any], discovered_yarn_url: str) -> None:
        """Learns from a snapshot: the Spark UI URLs Livy reports on trusted hosts (where a YARN
        proxy names its ResourceManager), and that a discovered ResourceManager stopped answering."""
        trusted = {host_of(url) for url in (livy_url, *(f"http://{h}" for h in self.trusted_hosts))}
        self._spark_ui_urls[livy_url] = [
            url for url in (row.get("sparkUiUrl") for row in snapshot.get("sessions") or [])
            if isinstance(url, str) and host_of(url) in trusted][:10]
        cluster = snapshot.get("cluster") or {}
        if discovered_yarn_url and cluster.get("source") == "yarn" and cluster.get("error"):
            self.rm.forget(livy_url)
