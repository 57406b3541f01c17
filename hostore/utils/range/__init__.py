"""holcstore 0.5/0.6's ``hostore.utils.range`` package (the class lived in its ``range``
module); ``Range`` is also importable from here. Thin re-export of :mod:`hostore.tools`."""

from hostore.tools.ranges import Range

__all__ = ["Range"]
