"""Blob formats of the key:value stores (Arrow Feather and Parquet, through pyarrow)."""
