"""personageo: persona-geometry experiments on language models, from training to a verified write-up.

The core (``schema``, ``stats``, ``analysis``, ``verify``, ``report``, ``lint``) imports without
torch; the GPU stages (``train``, ``extract``) import torch lazily inside their functions.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("personageo")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
