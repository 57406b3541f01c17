"""The import paths of holcstore 0.5/0.6's helpers re-export ``hostore.tools``' objects."""

from __future__ import annotations

import importlib

import pytest

import hostore.tools as tools

# module -> {old name: name in hostore.tools}; the names 0.6.7's modules defined
LEGACY = {
    "hostore.utils.timeseries": {
        "check_ts_completeness": "check_ts_completeness",
        "equalp": "equalp",
        "find_constant_sequences": "find_constant_sequences",
        "split_ts": "split_ts",
        "slice_ts": "slice_ts",
        "ts_combine_first": "ts_combine_first",
        "ts_normalize": "ts_normalize",
        "upsample_using_reference_serie": "upsample_using_reference_serie",
        "pd_freq_fix": "pd_freq_fix",
        "pd_min_freq": "pd_min_freq",
        "_localise_date": "localise_date",
        "_localise_date_interval": "localise_date_interval",
        "_localise_datetime": "localise_datetime",
        "_localised_now": "localised_now",
        "_tz_convert_datetime": "tz_convert_datetime",
        "TZ_PARIS": "TZ_PARIS",
    },
    "hostore.utils.utils": {"chunks": "chunks", "slice_with_delay": "slice_with_delay"},
    "hostore.utils.range.range": {"Range": "Range"},
    "hostore.utils.range": {"Range": "Range"},
}


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [(m, old, new) for m, names in LEGACY.items() for old, new in names.items()],
)
def test_old_name_is_the_new_object(module, old, new):
    assert getattr(importlib.import_module(module), old) is getattr(tools, new)


def test_star_imports_give_the_old_names():
    namespace: dict = {}
    exec("from hostore.utils.timeseries import *", namespace)
    assert set(LEGACY["hostore.utils.timeseries"]) <= set(namespace)


def test_range_module_is_reachable_as_an_attribute_of_the_package():
    import hostore.utils.range

    assert hostore.utils.range.range.Range is tools.Range
