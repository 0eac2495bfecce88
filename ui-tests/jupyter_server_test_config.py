"""JupyterLab server for the Galata UI tests (never use this configuration in production)."""

import os
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
# A fresh settings folder per run: the tests set endpoint details through the settings registry.
c.LabApp.user_settings_dir = mkdtemp(prefix="livy-capacity-ui-settings-")  # noqa: F821
c.LivyCapacity.request_timeout = float(os.environ.get("LIVY_CAPACITY_UI_TIMEOUT", "3"))  # noqa: F821
# The live story of a UI test lasts a few minutes: a 5-minute history window shows it across the
# chart rather than as a sliver at the end of an hour (the product's default is 60).
c.LivyCapacity.history_minutes = float(os.environ.get("LIVY_CAPACITY_UI_HISTORY_MINUTES", "5"))  # noqa: F821
