"""What a release needs besides code: the license the metadata names, a changelog in the
Keep a Changelog form, one version everywhere, the type marker. The metadata is read as
installed (``importlib.metadata``), as an index would show it."""

from __future__ import annotations

import re
from importlib.metadata import metadata
from pathlib import Path

import hostore

ROOT = Path(__file__).resolve().parent.parent
META = metadata("holcstore")
TYPES = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_the_license_file_is_the_one_the_metadata_names():
    assert "BSD-3-Clause" in (META.get("License-Expression"), META.get("License"))
    assert "License :: OSI Approved :: BSD License" in META.get_all("Classifier")
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License\n")
    assert "Neither the name of the copyright holder" in text  # the third clause


def test_the_changelog_follows_keep_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert releases[0] == "Unreleased" and "0.6.7" in releases
    unreleased = text.split("\n## [", 2)[1]
    sections = re.findall(r"^### (.+)$", unreleased, re.M)
    assert sections[:2] == ["Added", "Changed"] and set(sections) <= TYPES
    assert "Migrating from 0.5.x / 0.6.x" in unreleased
    assert 'STORE_CODEC = "lz4"' in unreleased  # what a mixed 0.5/0.6 fleet must do


def test_one_version_and_complete_metadata():
    assert META["Version"] == hostore.__version__
    assert (ROOT / "hostore" / "py.typed").exists()
    assert "Typing :: Typed" in META.get_all("Classifier")
    urls = {entry.split(",")[0] for entry in META.get_all("Project-URL")}
    assert urls >= {"Homepage", "Documentation", "Changelog"}
    assert META["Keywords"] and META["Description-Content-Type"] == "text/markdown"
