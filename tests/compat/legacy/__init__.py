"""A Django project for a published holcstore release (0.6.7), run in that release's venv.

Never imported by our tests' process except :mod:`.series`: ``driver.py`` is run by the
legacy venv's interpreter, with this folder as its first import path.
"""
