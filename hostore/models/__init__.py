"""The public abstract models of holcstore."""

from .chunk_store import ChunkQuerySet, TimeseriesChunkStore
from .dataframe_store import DataFrameStore
from .store import Store, StoreQuerySet
from .sync_state import ChangeClock, SyncCursor
from .timeseries_store import TimeseriesStore

__all__ = [
    "ChangeClock",
    "ChunkQuerySet",
    "DataFrameStore",
    "Store",
    "StoreQuerySet",
    "SyncCursor",
    "TimeseriesChunkStore",
    "TimeseriesStore",
]
