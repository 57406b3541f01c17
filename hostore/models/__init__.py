"""The public abstract models of holcstore."""

from .chunk_store import ChunkQuerySet, TimeseriesChunkStore

__all__ = ["ChunkQuerySet", "TimeseriesChunkStore"]
