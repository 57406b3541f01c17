"""``ModelAdmin`` classes of the three stores: a change list of series, a chart page, a JSON
window endpoint and streamed downloads, all under the model's admin URL.

- ``<changelist>/``: :mod:`.changelist` (one line per series).
- ``<changelist>/series/?s=[...]&s=[...]`` (or ``?meter=A1&version=0`` for one series): the
  chart, several series overlaid (uPlot, shipped in ``hostore/static/hostore/vendor/``).
- ``<changelist>/series/data/?s=...&start=...&end=...&points=...``: the points of a window,
  exact up to ``points`` instants, else a min/max envelope (:mod:`.chart_data`).
- ``<changelist>/series/download/zip/`` and ``.../parquet/``: the series selected (``s``) or,
  with ``all=1``, every series of the list's filter (:mod:`.exports`).

Every view needs the admin's login and the model's view permission; a bad parameter is a
400 with its message, and nothing here writes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from ..exceptions import InvalidAttrsError
from . import chart_data, exports
from .changelist import check_params, filtered, series_page
from .params import (
    MAX_CHART_SERIES,
    MAX_POINTS,
    MIN_POINTS,
    ParamError,
    clean_value,
    parse_int,
    parse_keys,
    parse_window,
)
from .sources import Source, source_for

_FORMATS = {"zip": exports.zip_response, "parquet": exports.parquet_response}


def _answers_400(json_errors: bool = False) -> Callable:
    """A view whose bad parameters answer 400 with the message (JSON for the endpoint)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(self, request, *args, **kwargs)
            except (ParamError, InvalidAttrsError, ValidationError) as exc:
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                if json_errors:
                    return JsonResponse({"error": message}, status=400)
                return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

        return wrapped

    return decorate


if TYPE_CHECKING:  # mixed into a ModelAdmin, whose attributes and methods it uses
    _AdminBase = admin.ModelAdmin
else:
    _AdminBase = object


class SeriesAdminMixin(_AdminBase):
    """The series pages of a store's ``ModelAdmin`` (mix it before ``admin.ModelAdmin``)."""

    series_per_page: int = 100
    chart_max_points: int = 2000
    show_series_count: bool = False
    series_list_template = "hostore/admin/series_list.html"
    series_chart_template = "hostore/admin/series_chart.html"

    @functools.cached_property
    def series_source(self) -> Source:
        """How this admin reads its store (:mod:`.sources`)."""
        return source_for(self.model)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # series are written through the store's API, not a form

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        own = [
            path("series/", wrap(self.series_chart_view), name=f"{name}_series"),
            path("series/data/", wrap(self.series_data_view), name=f"{name}_series_data"),
            path(
                "series/download/<str:fmt>/",
                wrap(self.series_download_view),
                name=f"{name}_series_download",
            ),
        ]
        return own + super().get_urls()

    def _check_view(self, request: HttpRequest) -> None:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied

    def _url(self, suffix: str, **kwargs: Any) -> str:
        return reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{suffix}",
            kwargs=kwargs or None,
        )

    # ----------------------------------------------------------------- the list
    @_answers_400()
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """One line per series instead of Django's line per row."""
        self._check_view(request)
        source = self.series_source
        page = series_page(source, request.GET, self.series_per_page, self.show_series_count)
        query: dict[str, Any] = {**page.filters, **({"q": page.search} if page.search else {})}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{self.opts.verbose_name} series",
            "source": source,
            "page": page,
            "headers": [*source.display_names(), *(title for _, title in source.columns)],
            "filter_fields": [(n, page.filters.get(n, "")) for n in source.filter_names],
            "query": urlencode(query),
            "prev_query": urlencode({**query, "p": page.page - 1}) if page.page > 1 else None,
            "next_query": urlencode({**query, "p": page.page + 1}) if page.has_next else None,
            "chart_url": self._url("series"),
            "zip_url": self._url("series_download", fmt="zip"),
            "parquet_url": self._url("series_download", fmt="parquet"),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.series_list_template, context)

    # ----------------------------------------------------------------- the chart
    def _chart_keys(self, request: HttpRequest) -> list[tuple]:
        source = self.series_source
        texts = request.GET.getlist("s")
        if texts:
            return parse_keys(self.model, source.key_names, texts, MAX_CHART_SERIES)
        fields = [self.model._meta.get_field(n) for n in source.key_names]
        missing = [f.name for f in fields if f.attname not in request.GET]
        if missing or not fields:
            raise ParamError(
                f"name the series with s=[...] (JSON list of {list(source.key_names)}) or with "
                f"each key field as a parameter; missing {missing}"
            )
        return [tuple(clean_value(f, request.GET[f.attname], f.attname) for f in fields)]

    @_answers_400()
    def series_chart_view(self, request: HttpRequest) -> HttpResponse:
        """The chart of one or several series; the page fetches its points."""
        self._check_view(request)
        source = self.series_source
        keys = self._chart_keys(request)
        series = [{"key": source.key_text(k), "label": source.label(k)} for k in keys]
        config = {
            "dataUrl": self._url("series_data"),
            "series": series,
            "resolution": source.resolution,
            "tz": source.tz,
            "maxPoints": self.chart_max_points,
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": ", ".join(s["label"] for s in series),
            "config": config,
            "series": series,
            "changelist_url": reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"
            ),
        }
        return TemplateResponse(request, self.series_chart_template, context)

    @_answers_400(json_errors=True)
    def series_data_view(self, request: HttpRequest) -> JsonResponse:
        """The points of ``[start, end]`` of the series ``s`` (JSON)."""
        self._check_view(request)
        source = self.series_source
        allowed = {"s", "start", "end", "points"}
        unknown = sorted(k for k in request.GET if k not in allowed)
        if unknown:
            raise ParamError(f"unknown parameter(s) {unknown}; takes s, start, end and points")
        texts = request.GET.getlist("s")
        if not texts:
            raise ParamError("name at least one series: s=[...] (JSON list of its key values)")
        keys = parse_keys(self.model, source.key_names, texts, MAX_CHART_SERIES)
        start, end = parse_window(request.GET.get("start"), request.GET.get("end"))
        limit = parse_int(
            request.GET.get("points"), "points", self.chart_max_points, MIN_POINTS, MAX_POINTS
        )
        found = [source.read(key, start, end) for key in keys]
        payload = chart_data.points(found, limit)
        payload.update(
            {
                "series": [
                    {"key": source.key_text(k), "label": source.label(k), "stored": s is not None}
                    for k, s in zip(keys, found, strict=True)
                ],
                "start": None if start is None else start.isoformat(),
                "end": None if end is None else end.isoformat(),
                "resolution": source.resolution,
            }
        )
        return JsonResponse(payload)

    # ----------------------------------------------------------------- downloads
    @_answers_400()
    def series_download_view(self, request: HttpRequest, fmt: str) -> HttpResponseBase:
        """The selected series (``s``, posted) or all those of the list's filter
        (``all=1``; the filter in the query string) as a zip of CSV or one Parquet file."""
        self._check_view(request)
        if fmt not in _FORMATS:
            raise ParamError(f"unknown format {fmt!r}: zip or parquet")
        source = self.series_source
        data = request.POST if request.method == "POST" else request.GET
        texts = data.getlist("s")
        if data.get("all") == "1":
            check_params(source, request.GET, ("q", "p", "s", "all", "csrfmiddlewaretoken"))
            lines, _, _, exact = filtered(source, request.GET)
            items = source.iter_matching(lines, exact)
        elif texts:
            keys = parse_keys(self.model, source.key_names, texts, None)
            items = source.iter_series(keys)
        else:
            raise ParamError("select at least one series (s=[...]) or all=1")
        return _FORMATS[fmt](self.model, source.export_names(), items)


class TimeseriesChunkStoreAdmin(SeriesAdminMixin, admin.ModelAdmin):
    """Admin of a ``TimeseriesChunkStore``: its series (not its chunk rows), charts and
    downloads. ``admin.site.register(MyStore, TimeseriesChunkStoreAdmin)``."""


class StoreAdmin(SeriesAdminMixin, admin.ModelAdmin):
    """Admin of a ``Store``: a line per ``(client_id, prm)`` with its versions count."""

    show_series_count = True


class TimeseriesStoreAdmin(SeriesAdminMixin, admin.ModelAdmin):
    """Admin of a ``TimeseriesStore``: a line per row (series)."""

    show_series_count = True
