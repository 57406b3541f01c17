"""The public abstract models of holcstore."""

from .chunk_store import ChunkQuerySet, TimeseriesChunkStore
from .sync_state import ChangeClock, SyncCursor

__all__ = ["ChangeClock", "ChunkQuerySet", "SyncCursor", "TimeseriesChunkStore"]
