"""The Django project of the sync benchmark's processes (server and client), and its app.

One package is both: settings (:mod:`.settings`), URLs (:mod:`.urls`) and the stores
(:mod:`.models`), with the app label ``bench_sync``. The database comes from the
environment, as for the rest of the benchmark (:mod:`bench.settings`).
"""
