"""Helpers for time series, ranges of time and dates, with the meaning holcstore 0.5/0.6's
``hostore.utils`` helpers had (those import paths re-export these), minus documented bugs.

- :mod:`.timeseries`: ``ts_combine_first``, ``split_ts``, ``slice_ts``, ``slice_with_delay``,
  ``ts_normalize``, ``find_constant_sequences``, ``equalp``;
- :mod:`.completeness`: ``check_ts_completeness`` (holes on a regular grid);
- :mod:`.upsample`: ``upsample_using_reference_serie``;
- :mod:`.freqs`: ``pd_freq_fix``, ``pd_min_freq``, ``modern_freq``, ``to_step``;
- :mod:`.dates`: ``localise_date``, ``localise_date_interval``, ``localise_datetime``,
  ``tz_convert_datetime``, ``localised_now`` (zoneinfo; 0.5/0.6's ``_localise_*``);
- :mod:`.ranges`: ``Range``, an inclusive interval;
- :mod:`.iterables`: ``chunks``.
"""

from .completeness import check_ts_completeness
from .dates import (
    TZ_PARIS,
    localise_date,
    localise_date_interval,
    localise_datetime,
    localised_now,
    tz_convert_datetime,
)
from .freqs import modern_freq, pd_freq_fix, pd_min_freq, to_step
from .iterables import chunks
from .ranges import Range
from .timeseries import (
    equalp,
    find_constant_sequences,
    slice_ts,
    slice_with_delay,
    split_ts,
    ts_combine_first,
    ts_normalize,
)
from .upsample import upsample_using_reference_serie

__all__ = [
    "TZ_PARIS",
    "Range",
    "check_ts_completeness",
    "chunks",
    "equalp",
    "find_constant_sequences",
    "localise_date",
    "localise_date_interval",
    "localise_datetime",
    "localised_now",
    "modern_freq",
    "pd_freq_fix",
    "pd_min_freq",
    "slice_ts",
    "slice_with_delay",
    "split_ts",
    "to_step",
    "ts_combine_first",
    "ts_normalize",
    "tz_convert_datetime",
    "upsample_using_reference_serie",
]
