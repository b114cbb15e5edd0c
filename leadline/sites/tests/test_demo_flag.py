"""The demo site is known by a flag, not by its name (issue #16): a real site that happens to be called like
the demo is not the demo, and no site file can make a site the demo."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from leadline.demo.seed import DEMO_SITE_FILE, DEMO_SITE_NAME, seed_demo
from leadline.evaluation.services import _is_demo_site
from leadline.sites.models import Site
from leadline.sites.services import site_export, site_import

pytestmark = pytest.mark.django_db


def test_a_real_site_named_like_the_demo_is_not_the_demo():
    site = site_import(actor=None, data=copy.deepcopy(DEMO_SITE_FILE))
    assert site.name == DEMO_SITE_NAME
    assert not site.is_demo and not _is_demo_site()


def test_the_seeded_demo_is_flagged_and_a_renamed_demo_stays_the_demo():
    seed_demo()
    site = Site.objects.get()
    assert site.is_demo and _is_demo_site()
    Site.objects.filter(pk=site.pk).update(name="Anywhere County (renamed)")
    assert _is_demo_site()


def test_a_site_file_cannot_carry_the_flag():
    seed_demo()
    exported = site_export(site=Site.objects.get())
    assert "is_demo" not in exported["site"]
    data: dict[str, Any] = copy.deepcopy(DEMO_SITE_FILE)
    data["site"]["is_demo"] = True
    Site.objects.update(is_demo=False)
    site = site_import(actor=None, data=data)  # the key is not a site field: read past, never applied
    site.refresh_from_db()
    assert not site.is_demo and not Site.objects.filter(is_demo=True).exists()
