"""mdlp: discretized mechanism design.

``mdlp.solve(mdlp.load_config("configs/myerson_uniform.yaml"))`` returns a
:class:`mdlp.run.Result` with ``objective``, ``theory``, ``gap``, ``certificate`` and the
``mechanism`` as a pandas DataFrame.

The names below are imported on first use (module ``__getattr__``), so ``import mdlp``
and the ``mdlp`` command start without loading numpy, pandas or the solvers.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"
__all__ = ["ConfigError", "Result", "load_config", "solve", "__version__"]

_LAZY = {
    "ConfigError": "mdlp.config",
    "load_config": "mdlp.config",
    "Result": "mdlp.run",
    "solve": "mdlp.run",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mdlp' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
