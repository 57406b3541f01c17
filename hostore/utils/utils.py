"""holcstore 0.5/0.6's ``hostore.utils.utils``: thin re-exports of :mod:`hostore.tools`."""

from hostore.tools.iterables import chunks
from hostore.tools.timeseries import slice_with_delay

__all__ = ["chunks", "slice_with_delay"]
