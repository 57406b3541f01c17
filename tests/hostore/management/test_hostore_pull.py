"""``manage.py hostore_pull`` over real HTTP (a live server thread): summary, filters, token,
progress, and clear errors."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from hostore.management.commands.hostore_pull import Command
from tests.hostore.sync.test_pull import same_stores, serie
from tests.testapp.models import HourlyMirror, HourlyStore


def pull(*args, **env) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("hostore_pull", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def server(transactional_db, live_server):
    for version in range(3):
        HourlyStore.set_ts({"version": version, "kind": "k"}, serie(scale=version + 1.0))
    return live_server.url


def test_pulls_and_prints_a_one_line_summary(server):
    url = f"{server}/api/sync/hourly/"
    out, err = pull(url, "testapp.HourlyMirror")
    assert out.startswith(f"testapp.HourlyMirror <- {url}: 6 chunks fetched, 0 deletions")
    assert out.count("\n") == 1
    assert "6 chunks" in err  # the progress bar
    same_stores()
    HourlyStore.objects.filter(version=0).delete()
    out, _ = pull(url, "testapp.HourlyMirror", "--no-progress")
    assert ": 0 chunks fetched, 2 deletions" in out
    same_stores()


def test_filters_keep_to_the_matching_series(server):
    out, _ = pull(f"{server}/api/sync/hourly/", "testapp.HourlyMirror", "--filter", "version=2")
    assert ": 2 chunks fetched" in out
    assert set(HourlyMirror.objects.values_list("version", flat=True)) == {2}


def test_the_token_comes_from_the_environment(server, monkeypatch):
    url = f"{server}/api/sync/private/"
    with pytest.raises(CommandError, match="401"):
        pull(url, "testapp.HourlyMirror", "--no-progress")
    token = Token.objects.create(user=User.objects.create_user("cron")).key
    monkeypatch.setenv("SYNC_TOKEN", token)
    out, _ = pull(url, "testapp.HourlyMirror", "--no-progress", "--token-env", "SYNC_TOKEN")
    assert ": 6 chunks fetched" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("testapp.Nowhere",), "is not a TimeseriesChunkStore"),
        (("auth.User",), "is not a TimeseriesChunkStore"),
        (("testapp.HourlyMirror", "--filter", "version"), "key=value"),
        (("testapp.HourlyMirror", "--filter", "colour=red"), "business keys"),
    ],
)
def test_bad_arguments_are_clear_errors(server, args, message):
    with pytest.raises(CommandError, match=message):
        pull(f"{server}/api/sync/hourly/", *args, "--no-progress")
    assert not HourlyMirror.objects.exists()


def test_help_describes_the_command():
    parser = Command().create_parser("manage.py", "hostore_pull")
    text = parser.format_help()
    for option in ("--filter", "--token-env", "--batch", "--page-size", "--no-progress"):
        assert option in text
