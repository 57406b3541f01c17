"""holcstore 0.5/0.6's ``hostore.utils.range.range``: thin re-export of :mod:`hostore.tools`."""

from hostore.tools.ranges import Range

__all__ = ["Range"]
