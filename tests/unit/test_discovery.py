"""Which discovery runs for an endpoint, and what it may probe (the orchestration; Glue and the
ResourceManager search themselves are tested in test_glue.py and test_rmdiscovery.py)."""

import pytest

from jupyterlab_livy_capacity.settings import ClusterUrls
from jupyterlab_livy_capacity.discovery import EndpointDiscovery
from jupyterlab_livy_capacity.glue import GlueDiscovery
from jupyterlab_livy_capacity.rmdiscovery import FROM_GLUE


class RecordingGlue(GlueDiscovery):
    """Answers from a table instead of AWS, and records what it was asked."""

    def __init__(self, answer):
        super().__init__()
        self.answer, self.asked = answer, []

    def lookup(self, livy_url, endpoint_name=None, region=None):
        self.asked.append((livy_url, endpoint_name, region))
        return self.answer


class RecordingRm:
    def __init__(self, answer):
        self.answer, self.asked, self.forgotten = answer, [], []

    def lookup(self, livy_url, spark_ui_urls=(), known=()):
        self.asked.append((livy_url, list(spark_ui_urls), list(known)))
        return self.answer

    def forget(self, livy_url):
        self.forgotten.append(livy_url)


PENDING = {"source": "glue", "state": "pending"}
RM_FOUND = {"source": "rm-discovery", "state": "found", "url": "http://10.0.0.5:8088", "message": "found"}
GLUE_OK = {"source": "glue", "state": "ok", "resourceManagerCandidate": "http://yarn-dev.glue:8088",
           "details": {"clusterKind": "glue", "workerType": "G.1X", "numberOfWorkers": 10}, "summary": "Glue: G.1X × 10"}


@pytest.mark.parametrize("url, settings, mode, asked", [
    ("http://127.0.0.1:8998", {}, "auto", False),  # this machine: no instance-metadata calls on laptops/CI
    ("http://localhost:8998", {"glueDevEndpointName": "team"}, "auto", True),  # a tunnel, with a name
    ("http://10.0.0.5:8998", {}, "auto", True),
    ("http://10.0.0.5:8998", {}, "off", False),
    ("http://127.0.0.1:8998", {}, "on", True),
])
def test_glue_is_asked_only_where_it_can_know_the_endpoint(url, settings, mode, asked):
    glue = RecordingGlue(PENDING)
    EndpointDiscovery(RecordingRm(RM_FOUND), glue, mode).resolve(url, settings, ClusterUrls())
    assert bool(glue.asked) == asked


def test_the_users_urls_win_and_no_search_runs():
    rm = RecordingRm(RM_FOUND)
    yarn, document = EndpointDiscovery(rm, None).resolve(
        "http://10.0.0.5:8998", {"yarnResourceManagerUrl": "http://rm:8088"}, ClusterUrls(yarn="http://rm:8088"))
    assert yarn == "http://rm:8088" and rm.asked == [] and document["resourceManager"] is None
    assert document["sources"] == {"yarnResourceManagerUrl": "Settings Editor"}


def test_a_found_rm_is_read_and_glues_yarn_address_is_a_candidate():
    rm, glue = RecordingRm(RM_FOUND), RecordingGlue(GLUE_OK)
    yarn, document = EndpointDiscovery(rm, glue).resolve("http://10.0.0.5:8998", {}, ClusterUrls())
    assert yarn == "http://10.0.0.5:8088"
    assert [(c.url, c.reason) for c in rm.asked[0][2]] == [("http://yarn-dev.glue:8088", FROM_GLUE)]
    assert document["details"] == {**GLUE_OK["details"], "yarnResourceManagerUrl": "http://10.0.0.5:8088"}
    assert document["sources"]["capacity"] == "Glue: G.1X × 10"


def test_only_spark_ui_urls_on_trusted_hosts_become_candidates_and_a_dead_rm_is_forgotten():
    rm = RecordingRm({"source": "rm-discovery", "state": "pending"})
    discovery = EndpointDiscovery(rm, None, trusted_hosts=["nm-1.internal"])
    livy = "http://10.0.0.5:8998"
    snapshot = {"sessions": [{"sparkUiUrl": "http://10.0.0.5:20888/proxy/application_1_0001/"},
                             {"sparkUiUrl": "http://evil.example:8088/proxy/application_1_0002/"},
                             {"sparkUiUrl": "http://nm-1.internal:8042/proxy/application_1_0003/"}],
                "cluster": {"source": "yarn", "error": "unreachable"}}
    discovery.observe(livy, snapshot, "http://10.0.0.5:8088")
    discovery.resolve(livy, {}, ClusterUrls())
    assert rm.asked[0][1] == ["http://10.0.0.5:20888/proxy/application_1_0001/",
                              "http://nm-1.internal:8042/proxy/application_1_0003/"]
    assert rm.forgotten == [livy]
