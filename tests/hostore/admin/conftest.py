"""Fixtures of the admin tests: users, and the URLs of the registered test stores."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User


@pytest.fixture
def admin_client(client, db):
    user = User.objects.create_superuser("boss", "boss@example.org", "secret-pw")
    client.force_login(user)
    return client


@pytest.fixture
def viewer(db):
    """A staff user who may only view HourlyStore."""
    user = User.objects.create_user("viewer", "v@example.org", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_hourlystore"))
    return user


def url(model_name: str, suffix: str = "") -> str:
    return f"/admin/testapp/{model_name}/{suffix}"
