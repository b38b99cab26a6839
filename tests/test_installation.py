"""The package under test is the one CI installed from the wheel, with its data files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import m365exit
from m365exit.resources import rules_dir, templates_dir


def test_data_folders_are_found() -> None:
    assert (rules_dir() / "replacements.yaml").is_file()
    assert (rules_dir() / "prices" / "list-prices.yaml").is_file()
    assert (templates_dir() / "report.html.j2").is_file()
    assert (templates_dir() / "locale" / "fr.po").is_file()


@pytest.mark.skipif(not os.environ.get("M365EXIT_EXPECT_INSTALLED"), reason="only when CI installed the wheel")
def test_imported_package_is_the_installed_wheel() -> None:
    location = Path(m365exit.__file__).resolve()
    assert "site-packages" in location.parts, f"tests imported the checkout at {location}, not the wheel"
    assert rules_dir().is_relative_to(location.parent / "_data")
    assert templates_dir().is_relative_to(location.parent / "_data")
