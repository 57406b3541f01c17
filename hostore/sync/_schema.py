"""The OpenAPI description of a store's sync endpoints (drf-spectacular).

Parameters depend on the store (one query parameter per business key, typed like its
field), so each ViewSet class gets its own description when it is bound to a store.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from ..conf import hostore_settings
from . import protocol

_TYPES: dict[str, dict[str, Any]] = {
    "AutoField": {"type": "integer"},
    "BigAutoField": {"type": "integer"},
    "BigIntegerField": {"type": "integer", "format": "int64"},
    "IntegerField": {"type": "integer", "format": "int32"},
    "SmallIntegerField": {"type": "integer"},
    "PositiveIntegerField": {"type": "integer", "minimum": 0},
    "PositiveSmallIntegerField": {"type": "integer", "minimum": 0},
    "PositiveBigIntegerField": {"type": "integer", "minimum": 0},
    "BooleanField": {"type": "boolean"},
    "DateField": {"type": "string", "format": "date"},
    "DateTimeField": {"type": "string", "format": "date-time"},
    "UUIDField": {"type": "string", "format": "uuid"},
    "DecimalField": {"type": "string", "format": "decimal"},
    "FloatField": {"type": "number"},
}


def _key_schema(field) -> dict:
    schema: dict[str, Any] = dict(_TYPES.get(field.get_internal_type(), {"type": "string"}))
    if schema["type"] == "string" and getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def describe(cls, model) -> None:
    """Attach the OpenAPI description of ``model``'s endpoints to the ViewSet ``cls``."""
    name = model.__name__
    keys = model._hostore.keys
    key_params = [
        OpenApiParameter(
            key,
            _key_schema(model._meta.get_field(key)),
            OpenApiParameter.QUERY,
            description=f"exact value of the business key {key!r}",
        )
        for key in keys
    ]
    paging = [
        OpenApiParameter(
            "since",
            OpenApiTypes.STR,
            OpenApiParameter.QUERY,
            description="the cursor of a previous answer, or an ISO 8601 time "
            "(the cursor of holcstore 0.5/0.6 clients); omitted: from the first change",
        ),
        OpenApiParameter(
            "limit",
            OpenApiTypes.INT,
            OpenApiParameter.QUERY,
            description=f"changes per page (default {hostore_settings.SYNC_PAGE_SIZE}; capped "
            f"at {hostore_settings.SYNC_MAX_PAGE_SIZE})",
        ),
        OpenApiParameter(
            "offset",
            OpenApiTypes.INT,
            OpenApiParameter.QUERY,
            description="changes to skip (holcstore 0.6's paging; prefer the cursor)",
        ),
    ]
    attrs = inline_serializer(
        f"{name}Keys", {k: serializers.CharField(required=True) for k in keys}
    )
    change = inline_serializer(
        f"{name}Change",
        {
            "attrs": attrs,
            "chunk_index": serializers.IntegerField(),
            "dtype": serializers.CharField(),
            "start_ts": serializers.DateTimeField(),
            "updated_at": serializers.DateTimeField(),
            "is_deleted": serializers.BooleanField(),
            "cursor": serializers.CharField(help_text="resume after this change"),
        },
    )
    page = inline_serializer(
        f"{name}ChangePage",
        {
            "results": change.__class__(many=True),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "cursor": serializers.CharField(help_text="resume after the last change"),
            "limits": serializers.DictField(child=serializers.IntegerField()),
        },
    )
    wanted = inline_serializer(
        f"{name}PackRequest",
        {
            "chunks": inline_serializer(
                f"{name}ChunkName",
                {"attrs": attrs, "chunk_index": serializers.IntegerField()},
            ).__class__(many=True),
            "codecs": serializers.ListField(child=serializers.CharField(), required=False),
        },
    )
    pack_item = inline_serializer(
        f"{name}PackItem",
        {
            "attrs": serializers.DictField(),
            "blob": serializers.CharField(help_text="base64 of the blob"),
            "meta": serializers.DictField(),
        },
    )
    errors = {
        400: OpenApiResponse(description="invalid request: the answer names the problem"),
        401: OpenApiResponse(description="authentication required"),
        403: OpenApiResponse(description="permission denied"),
        429: OpenApiResponse(description="throttled: retry after Retry-After seconds"),
    }
    extend_schema_view(
        updates=extend_schema(
            summary=f"Changed chunks of {name}, in change order",
            parameters=[*paging, *key_params],
            responses={200: page, **errors},
        ),
        pack=[
            extend_schema(
                methods=["POST"],
                summary=f"Blobs of chunks of {name}",
                request=wanted,
                responses={
                    (200, protocol.JSON_MEDIA_TYPE): pack_item.__class__(many=True),
                    (200, protocol.PACK_MEDIA_TYPE): OpenApiTypes.BINARY,
                    **errors,
                },
            ),
            extend_schema(
                methods=["GET"],
                summary="pack/ as holcstore 0.6 clients call it (a JSON list in the body)",
                deprecated=True,
                responses={200: pack_item.__class__(many=True), **errors},
            ),
        ],
    )(cls)
