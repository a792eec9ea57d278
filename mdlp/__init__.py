"""mdlp: discretized mechanism design.

``mdlp.solve(mdlp.load_config("configs/myerson_uniform.yaml"))`` returns a
:class:`mdlp.run.Result` with ``objective``, ``theory``, ``gap``, ``certificate`` and the
``mechanism`` as a pandas DataFrame.
"""

from mdlp.config import ConfigError, load_config
from mdlp.run import Result, solve

__version__ = "0.1.0"
__all__ = ["ConfigError", "Result", "load_config", "solve", "__version__"]
