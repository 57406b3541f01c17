"""The series change list: one line per series, filtered, searched and paginated in the
database; only the page's lines are described (their series decoded).

Query parameters: a key field's name filters on its exact value (``?meter=A1``), ``q``
searches (every word must match one of the source's search fields: text fields contain it,
other fields equal it), ``p`` is the page (from 1). Anything else is a :class:`ParamError`.
No exact count of the series by default (``show_series_count``): over a large chunk store
counting the groups costs more than the page itself; a next page is known by reading one
line more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import QueryDict

from .params import ParamError, clean_value, parse_int
from .sources import Source

_TEXT = (models.CharField, models.TextField)
MAX_PAGE = 10_000_000


@dataclass
class SeriesPage:
    """What the change list template shows."""

    lines: list[dict[str, Any]]
    page: int
    per_page: int
    has_next: bool
    count: int | None
    filters: dict[str, str]
    search: str
    exact: dict[str, Any] | None  # the filter when it is exact key values only

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.lines) - 1


def _filter_field(source: Source, name: str) -> models.Field:
    return source.model._meta.get_field(name)


def filtered(source: Source, params: QueryDict) -> tuple[Any, dict[str, str], str, dict | None]:
    """The source's lines filtered by ``params`` (key values, ``q``): ``(queryset, the
    filters as given, the search, the exact filter or None)``."""
    lines = source.lines()
    given, exact = {}, {}
    for name in source.filter_names:
        raw = params.get(name)
        if raw is None or raw == "":
            continue
        exact[name] = clean_value(_filter_field(source, name), raw, name)
        given[name] = raw
    if exact:
        lines = lines.filter(**exact)
    search = (params.get("q") or "").strip()
    for term in search.split():
        match = models.Q()
        for name in source.search_names():
            f = _filter_field(source, name)
            if isinstance(f, _TEXT):
                match |= models.Q(**{f"{name}__icontains": term})
                continue
            try:
                match |= models.Q(**{name: clean_value(f, term, "q")})
            except ParamError:
                continue  # not a value of this field: it cannot match
        lines = lines.filter(match) if match else lines.none()
    return lines, given, search, (None if search else exact)


def check_params(source: Source, params: QueryDict, allowed: tuple[str, ...]) -> None:
    """Refuse parameters the page does not know (``_``-prefixed ones are the admin's)."""
    known = {*source.filter_names, *allowed}
    unknown = sorted(k for k in params if k not in known and not k.startswith("_"))
    if unknown:
        raise ParamError(
            f"unknown parameter(s) {unknown}; this list takes {sorted(source.filter_names)}, "
            "q (search) and p (page)"
        )


def series_page(source: Source, params: QueryDict, per_page: int, count: bool) -> SeriesPage:
    """The page of lines asked by ``params``, described."""
    check_params(source, params, ("q", "p"))
    lines, given, search, exact = filtered(source, params)
    page = parse_int(params.get("p"), "p", 1, 1, MAX_PAGE)
    offset = (page - 1) * per_page
    rows = list(lines[offset : offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    source.describe(rows)
    for row in rows:
        key = source.key_of(row)
        row["key"] = key
        row["key_text"] = source.key_text(key)
        row["cells"] = [row[name] for name in source.display_names()]
        row["extra"] = [row.get(name) for name, _ in source.columns]
    return SeriesPage(
        lines=rows,
        page=page,
        per_page=per_page,
        has_next=has_next,
        count=lines.count() if count else None,
        filters=given,
        search=search,
        exact=exact,
    )
