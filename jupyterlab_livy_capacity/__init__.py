"""jupyterlab-livy-capacity: who holds the executors of the Livy endpoints in your SparkMagic config."""

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-livy-capacity"}]


def _jupyter_server_extension_points():
    from .handlers import LivyCapacityApp

    return [{"module": "jupyterlab_livy_capacity", "app": LivyCapacityApp}]
