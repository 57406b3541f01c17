"""The benchmark of holcstore: the chunk store against plain Django and the physical floor.

Run it with ``bench/run`` (or ``python -m bench --help``); see ``bench/README.md``.
"""
