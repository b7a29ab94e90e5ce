"""personageo: persona-geometry experiments on language models, from training to a verified write-up.

The core (``schema``, ``stats``, ``analysis``, ``verify``, ``report``, ``lint``) imports without
torch; the GPU stages (``train``, ``extract``) import torch lazily inside their functions.
"""

from personageo._version import __version__

__all__ = ["__version__"]
