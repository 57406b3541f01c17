"""holcstore: dense regular time series stored as compressed chunks in your Django database.

Models live in :mod:`hostore.models` (import them once Django is set up)::

    from hostore.models import TimeseriesChunkStore
"""

__version__ = "0.7.0.dev0"
