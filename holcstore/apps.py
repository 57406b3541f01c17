"""Django picks the single AppConfig found here: the real one, named ``hostore``."""

from hostore.apps import HostoreConfig

__all__ = ["HostoreConfig"]
