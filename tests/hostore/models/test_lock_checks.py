"""System checks hostore.W001/W002: SQLite options that defeat writers' queueing."""

from hostore.checks import check_sqlite_locking, sqlite_locking_warnings


def _databases(**options):
    return {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x", "OPTIONS": options}}


def test_sqlite_options_that_defeat_queueing_are_reported():
    assert [w.id for w in sqlite_locking_warnings(_databases(timeout=0))] == ["hostore.W001"]
    exclusive = _databases(transaction_mode="EXCLUSIVE")
    assert [w.id for w in sqlite_locking_warnings(exclusive)] == ["hostore.W002"]
    assert sqlite_locking_warnings(_databases(timeout=3, transaction_mode="IMMEDIATE")) == []
    assert sqlite_locking_warnings({"default": {"ENGINE": "django.db.backends.postgresql"}}) == []


def test_the_test_settings_raise_no_warning():
    assert check_sqlite_locking() == []
