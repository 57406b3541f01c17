"""Files in and out of the stores: the logic behind the ``hostore_import``,
``hostore_export``, ``hostore_stats`` and ``hostore_verify`` commands.

- :mod:`.reading`: stream a CSV or Parquet file in batches that know their line numbers;
- :mod:`.parsing`: cells to checked timestamps and numbers (vectorised), errors per line;
- :mod:`.importing`: long and wide files into a store, in one transaction;
- :mod:`.writing`: series to long or wide CSV/Parquet files;
- :mod:`.stores`: what each store kind offers the commands, through its public API;
- :mod:`.health`: statistics and integrity checks of stored blobs.
"""
