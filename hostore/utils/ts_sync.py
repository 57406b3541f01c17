"""holcstore 0.5/0.6 import path of the sync server and client (see :mod:`hostore.sync`)."""

from ..sync import PullResult, TimeseriesChunkStoreSyncClient, TimeseriesChunkStoreSyncViewSet

__all__ = ["PullResult", "TimeseriesChunkStoreSyncClient", "TimeseriesChunkStoreSyncViewSet"]
