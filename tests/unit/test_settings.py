"""The extension's own settings: the user's JupyterLab settings as the server reads them, and the
operator's ``c.LivyCapacity.*`` names, which users write in their config files."""

from jupyterlab_livy_capacity.settings import LivyCapacity, cluster_urls_of, read_lab_settings


def test_lab_settings_give_each_endpoints_details_and_the_starvation_share(tmp_path):
    path = tmp_path / "plugin.jupyterlab-settings"
    path.write_text('// JupyterLab writes JSON5\n{"starvationShare": 0.5, "endpoints": {"http://livy:8998/": '
                    '{"clusterKind": "custom", "custom": {"executors": 4}}, "bad": 3}}')
    settings = read_lab_settings(path)
    assert settings.endpoints == {"http://livy:8998": {"clusterKind": "custom", "custom": {"executors": 4}}}
    assert settings.starvation_share == 0.5
    path.write_text('{"starvationShare": 7}')
    assert read_lab_settings(path).starvation_share == 0.8  # out of the schema's range: the default
    assert read_lab_settings(tmp_path / "missing").endpoints == {}


def test_cluster_urls_of_keeps_only_fetchable_http_urls():
    urls = cluster_urls_of({"sparkMasterUrl": "http://user:pw@master:8080/", "yarnResourceManagerUrl": "ftp://rm"})
    assert (urls.spark_master, urls.yarn) == ("http://master:8080", "")
    assert cluster_urls_of({"yarnResourceManagerUrl": "http://rm:99999"}).yarn == ""


def test_the_operators_config_names_stay_as_users_write_them():
    assert LivyCapacity.__name__ == "LivyCapacity"  # c.LivyCapacity.* in jupyter_server_config
    assert set(LivyCapacity.class_own_traits(config=True)) == {
        "connect_timeout", "request_timeout", "snapshot_ttl", "max_per_host", "kernel_timeout", "cluster_urls",
        "trusted_hosts", "glue_discovery", "glue_ttl", "aws_region", "history_minutes"}
