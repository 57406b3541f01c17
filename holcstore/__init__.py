"""Alias so that ``INSTALLED_APPS = ["holcstore"]`` (the 0.5 spelling) installs ``hostore``."""
