"""A Django project whose tables are written by holcstore 0.5/0.6 and by ours, in turn.

Run by each side's interpreter (``driver.py``, with this folder as its first import path):
the published releases in their own venvs, ours in the test's. Our tests' process imports
only :mod:`.specs` and :mod:`.expected` (numpy and pandas, no Django).
"""
