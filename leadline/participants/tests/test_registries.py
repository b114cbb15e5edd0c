"""The registries through which apps above participants reach its pages and facts (issue #16)."""

from __future__ import annotations

from types import SimpleNamespace

from leadline.cases import outreach
from leadline.participants import pages, referrers


def test_every_app_that_shows_on_the_participant_page_registers_its_part():
    assert {"cases", "consents", "legal", "messaging"} <= set(pages._parts)


def test_legal_orders_and_marks_the_outreach_list():
    assert "legal" in outreach._parts


def test_without_referrals_registered_nobody_is_anyones_referrer(monkeypatch):
    monkeypatch.setattr(referrers, "_lookup", [])
    assert (
        referrers.referred_by(SimpleNamespace(), [1, 2]) == set()
    )  # the officer-feedback consent opens nothing
