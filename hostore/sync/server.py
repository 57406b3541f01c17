"""The sync server: a DRF ViewSet that serves a store's changes and chunks.

``TimeseriesChunkStoreSyncViewSet.as_factory(Model, **drf_attrs)`` builds the ViewSet of a
store (``drf_attrs`` are ViewSet attributes: permission, authentication, throttle classes...)
to register on a router. Under its prefix:

- ``GET updates/?since=<cursor or ISO time>&limit=<n>&<key>=<value>...``: a page of changes
  in change order, up to the horizon (see :mod:`hostore.models._changes`);
- ``POST pack/`` (and ``GET`` with a JSON body, as holcstore 0.6 clients send it): the blobs
  of the chunks named, as JSON with base64 blobs or, when the client accepts
  :data:`~hostore.sync.protocol.PACK_MEDIA_TYPE`, in the binary format.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.db import transaction
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string
from rest_framework import renderers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.metadata import SimpleMetadata
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from ..conf import hostore_settings
from ..exceptions import (
    CorruptChunkError,
    HostoreError,
    InvalidAttrsError,
    InvalidPayloadError,
    SyncConfigurationError,
)
from . import _requests, _schema, protocol

logger = logging.getLogger("hostore.sync")

_GZIP_MIN_BYTES = 1024


class PackRenderer(renderers.BaseRenderer):
    """The binary pack: the view hands it bytes already in the format."""

    media_type = protocol.PACK_MEDIA_TYPE
    format = "hspk"
    charset = None
    render_style = "binary"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        # errors (a 400, a 429...) reach a binary client as JSON it can still read
        if renderer_context is not None:  # (DRF always gives one)
            renderer_context["response"]["Content-Type"] = protocol.JSON_MEDIA_TYPE
        return renderers.JSONRenderer().render(data)


class SyncMetadata(SimpleMetadata):
    """``OPTIONS`` answers: the view's name, description and formats (no serializer form)."""

    def determine_actions(self, request: Any, view: Any) -> dict:
        return {}


class SyncContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that a client naming the binary pack gets it.

    Among media types of equal precedence DRF follows the order of the view's renderers, not
    the client's, and ignores ``q``: ``Accept: application/vnd.hostore.pack,
    application/json``, what our client sends (JSON for errors and for servers without the
    binary format), was answered in JSON with base64 blobs, a third larger and slower to
    build and to read. Clients that do not name it (holcstore 0.6: ``*/*``) still get JSON.
    """

    def select_renderer(
        self, request: Any, renderers: Any, format_suffix: str | None = None
    ) -> Any:
        override = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if not (format_suffix or override) and _names_pack(request.META.get("HTTP_ACCEPT", "")):
            for renderer in renderers:
                if renderer.media_type == protocol.PACK_MEDIA_TYPE:
                    return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)


def _names_pack(accept: str) -> bool:
    """Whether an ``Accept`` header lists the binary pack (with a quality above 0)."""
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() != protocol.PACK_MEDIA_TYPE:
            continue
        quality = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
        try:
            return float(quality) > 0
        except ValueError:
            return False
    return False


def _gzip(response: Any) -> None:
    """Compress an answer when it pays: JSON (base64 text shrinks by half and more), and
    binary packs of LZ4 blobs (a third smaller at gzip's fastest level, which still runs at
    30 MB/s: worth it on a WAN). Blobs of the denser codecs gain under 10% and go as they are.
    """
    if response.has_header("Content-Encoding") or len(response.content) < _GZIP_MIN_BYTES:
        return
    kind = response.get("Content-Type", "")
    if kind.startswith(protocol.JSON_MEDIA_TYPE):
        compressed = compress_string(response.content)
    elif kind.startswith(protocol.PACK_MEDIA_TYPE) and getattr(response, "compressible", False):
        compressed = gzip.compress(response.content, compresslevel=1, mtime=0)
    else:
        return
    if len(compressed) < len(response.content):
        response.content = compressed
        response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(compressed))


class TimeseriesChunkStoreSyncViewSet(viewsets.GenericViewSet):
    """Serve a :class:`~hostore.models.TimeseriesChunkStore` to sync clients.

    Build one with :meth:`as_factory`, or subclass it and set ``store_model`` (holcstore
    0.6's way). Settings: ``HOSTORE["SYNC_PAGE_SIZE"]``, ``["SYNC_MAX_PAGE_SIZE"]``,
    ``["SYNC_MAX_PACK_ITEMS"]``.
    """

    store_model: ClassVar[Any] = None
    pagination_class = None
    filter_backends = ()
    parser_classes = (JSONParser,)
    renderer_classes = (renderers.JSONRenderer, PackRenderer)
    content_negotiation_class = SyncContentNegotiation
    metadata_class = SyncMetadata

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("store_model") is not None:
            _bind(cls)

    @classmethod
    def as_factory(cls, model: Any, **drf_attrs: Any) -> type[TimeseriesChunkStoreSyncViewSet]:
        """A ViewSet class serving ``model``; ``drf_attrs`` become its class attributes."""
        return type(f"{model.__name__}SyncViewSet", (cls,), {"store_model": model, **drf_attrs})

    # Changes are listed outside any transaction the project wraps requests in: the page
    # must be read on a snapshot taken after the horizon (see docs/sync.md).
    @transaction.non_atomic_requests
    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", ""):
            patch_vary_headers(response, ("Accept-Encoding",))
            if hasattr(response, "add_post_render_callback"):
                response.add_post_render_callback(_gzip)
        return response

    @action(detail=False, methods=["get"], renderer_classes=[renderers.JSONRenderer])
    def updates(self, request: Any) -> Response:
        """A page of changed chunks after ``since``, in change order."""
        model = self.store_model
        query = _requests.parse_updates(model, request.query_params)
        try:
            items = model.list_changes(
                after=query.after,
                filters=query.filters,
                limit=query.limit + 1,
                changed_since=query.since,
                offset=query.offset,
            )
        except (InvalidAttrsError, InvalidPayloadError) as exc:
            raise ValidationError({"detail": str(exc)}) from None
        more = len(items) > query.limit
        items = items[: query.limit]
        if items:
            cursor = protocol.encode_cursor(items[-1]["position"], query.since)
        else:
            cursor = protocol.encode_cursor(query.after, query.since)
        logger.info(
            "sync updates of %s for %s: %d changes after %s (filters %s)",
            model._meta.label,
            getattr(request, "user", None),
            len(items),
            request.query_params.get("since"),
            query.filters,
        )
        return Response(
            {
                "results": [protocol.change_item(item, query.since) for item in items],
                "next": self._next_url(request, query, cursor) if more else None,
                "previous": None,
                "cursor": cursor,
                "limits": {
                    "page": hostore_settings.SYNC_MAX_PAGE_SIZE,
                    "pack": hostore_settings.SYNC_MAX_PACK_ITEMS,
                },
            }
        )

    @staticmethod
    def _next_url(request: Any, query: _requests.UpdatesQuery, cursor: str) -> str:
        params = request.GET.dict()  # the filters, as the client wrote them
        params.pop("offset", None)
        params.update(since=cursor, limit=query.limit)
        return request.build_absolute_uri(f"{request.path}?{urlencode(params)}")

    @action(detail=False, methods=["get", "post"])
    def pack(self, request: Any) -> Response:
        """The blobs and metadata of the chunks named in the body."""
        model = self.store_model
        wanted = _requests.parse_pack(model, request.data)
        try:
            items = model.export_chunks(wanted.spec)
        except (InvalidAttrsError, InvalidPayloadError) as exc:
            raise ValidationError({"detail": str(exc)}) from None
        except CorruptChunkError as exc:  # the server's own data is damaged: say where
            logger.error("sync pack of %s: %s", model._meta.label, exc)
            return Response({"detail": str(exc)}, status=500)
        logger.info(
            "sync pack of %s for %s: %d of %d chunks",
            model._meta.label,
            getattr(request, "user", None),
            len(items),
            len(wanted.spec),
        )
        try:
            if request.accepted_renderer.media_type == protocol.PACK_MEDIA_TYPE:
                response = Response(protocol.pack_binary(items, wanted.codecs))
                # read by the renderer (see protocol.compressible)
                response.compressible = protocol.compressible(items, wanted.codecs)  # type: ignore[attr-defined]
                return response
            return Response(protocol.pack_json(items, wanted.codecs))
        except HostoreError as exc:  # a stored blob that cannot be decoded for an old client
            raise ValidationError({"detail": f"cannot send the chunks: {exc}"}) from None


def _bind(cls: Any) -> None:
    """Check the store of a ViewSet class and give the class its queryset and schema."""
    from ..models import TimeseriesChunkStore

    model = cls.store_model
    if not (isinstance(model, type) and issubclass(model, TimeseriesChunkStore)):
        raise SyncConfigurationError(
            f"{cls.__name__}.store_model must be a concrete TimeseriesChunkStore, not {model!r}"
        )
    if model._meta.abstract:
        raise SyncConfigurationError(f"{model.__name__} is abstract: serve a concrete store")
    if model.ALLOW_CLIENT_SERVER_SYNC is False:
        raise SyncConfigurationError(
            f"{model.__name__} declares ALLOW_CLIENT_SERVER_SYNC = False: remove it (or set it "
            "to True) to serve the store to sync clients"
        )
    if "queryset" not in cls.__dict__:  # for model permissions (DjangoModelPermissions)
        cls.queryset = model._default_manager.all()
    _schema.describe(cls, model)
