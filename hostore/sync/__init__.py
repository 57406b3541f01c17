"""Replication of a TimeseriesChunkStore from a server deployment to client deployments.

Server: :class:`TimeseriesChunkStoreSyncViewSet` (DRF); client:
:class:`TimeseriesChunkStoreSyncClient`. The wire format is in :mod:`.protocol` and
``docs/sync.md``.
"""

from .client import PullResult, TimeseriesChunkStoreSyncClient
from .server import TimeseriesChunkStoreSyncViewSet

__all__ = ["PullResult", "TimeseriesChunkStoreSyncClient", "TimeseriesChunkStoreSyncViewSet"]
