"""holcstore 0.5/0.6's ``hostore.utils.timeseries``: thin re-exports of :mod:`hostore.tools`."""

from hostore.tools.completeness import check_ts_completeness
from hostore.tools.dates import TZ_PARIS
from hostore.tools.dates import localise_date as _localise_date
from hostore.tools.dates import localise_date_interval as _localise_date_interval
from hostore.tools.dates import localise_datetime as _localise_datetime
from hostore.tools.dates import localised_now as _localised_now
from hostore.tools.dates import tz_convert_datetime as _tz_convert_datetime
from hostore.tools.freqs import pd_freq_fix, pd_min_freq
from hostore.tools.timeseries import (
    equalp,
    find_constant_sequences,
    slice_ts,
    split_ts,
    ts_combine_first,
    ts_normalize,
)
from hostore.tools.upsample import upsample_using_reference_serie

__all__ = [
    "TZ_PARIS",
    "_localise_date",
    "_localise_date_interval",
    "_localise_datetime",
    "_localised_now",
    "_tz_convert_datetime",
    "check_ts_completeness",
    "equalp",
    "find_constant_sequences",
    "pd_freq_fix",
    "pd_min_freq",
    "slice_ts",
    "split_ts",
    "ts_combine_first",
    "ts_normalize",
    "upsample_using_reference_serie",
]
