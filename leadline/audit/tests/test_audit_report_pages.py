"""Issue #15 item 13: the audit reports read times in the site's zone with their offset (page and CSV);
the index's guidance names a real address; break-glass lets the administrator find the participant by
name (name, date of birth, number), the search itself audited, and only for site administrators."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core.testing import verified_client
from leadline.sites.models import Site

pytestmark = pytest.mark.django_db

# 17:52 UTC on 7 December is 12:52 in Rochester (EST, five hours behind UTC).
MOMENT = datetime(2026, 12, 7, 17, 52, 30, tzinfo=UTC)


@pytest.fixture
def event_at_moment(world) -> AuditEvent:
    with time_machine.travel(MOMENT, tick=False):
        return audit_record(
            actor=world["case_manager"], action=AuditEvent.Action.VIEW, subject_type="participant",
            subject_id=world.mine.pk, participant_id=world.mine.pk,
        )  # fmt: skip


@pytest.mark.parametrize("persona", ["program_manager", "site_admin"])
def test_the_report_shows_times_in_the_sites_zone_with_the_offset(world, event_at_moment, persona):
    assert Site.objects.get().time_zone == "America/New_York"
    page = verified_client(world[persona]).get(f"/audit/participants/{world.mine.pk}/").content.decode()
    assert "Time (UTC)" not in page
    assert "2026-12-07 12:52 \u221205:00" in page  # what a person reads
    assert 'datetime="2026-12-07T12:52:30-05:00"' in page  # what a machine reads


def test_summer_times_carry_their_own_offset(world):
    with time_machine.travel(datetime(2026, 7, 1, 16, 0, tzinfo=UTC), tick=False):
        audit_record(actor=world["case_manager"], action="view", subject_type="participant",
                     subject_id=world.mine.pk, participant_id=world.mine.pk)  # fmt: skip
    page = verified_client(world["program_manager"]).get(f"/audit/participants/{world.mine.pk}/")
    assert "2026-07-01 12:00 \u221204:00" in page.content.decode()


def test_the_csv_gives_iso_8601_times_with_the_offset(world, event_at_moment):
    response = verified_client(world["program_manager"]).get(
        f"/audit/participants/{world.mine.pk}/?format=csv"
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert all(datetime.fromisoformat(r["occurred_at"]).utcoffset() is not None for r in rows)
    assert "2026-12-07T12:52:30-05:00" in [r["occurred_at"] for r in rows]
    assert datetime.fromisoformat("2026-12-07T12:52:30-05:00") == MOMENT


def test_the_law_enforcement_csv_reads_the_same_times(world):
    with time_machine.travel(MOMENT, tick=False):
        verified_client(world["officer"]).get(f"/participants/{world.mine.pk}/")  # refused: on the report
    response = verified_client(world["program_manager"]).get(
        "/audit/law-enforcement/?start=2026-12-07&end=2026-12-07&format=csv"
    )
    times = [r["occurred_at"] for r in csv.DictReader(io.StringIO(response.content.decode()))]
    assert all(t.endswith("-05:00") for t in times)
    assert "2026-12-07T12:52:30-05:00" in times  # the officer's refused attempt, at 12:52 in Rochester


def test_the_index_names_a_real_address_and_finds_a_participants_trail_by_number(world):
    client = verified_client(world["program_manager"])
    page = client.get("/audit/").content.decode()
    assert "/audit/participants//" not in page and "/audit/users//" not in page
    assert "<number>" not in page
    found = client.get("/audit/", {"participant": world.mine.pk})
    assert found.status_code == 302 and found["Location"] == f"/audit/participants/{world.mine.pk}/"
    found = client.get("/audit/", {"user": world["officer"].pk})
    assert found.status_code == 302 and found["Location"] == f"/audit/users/{world['officer'].pk}/"
    assert client.get("/audit/", {"page": "2"}).status_code == 200  # other parameters are not a search
    bad = client.get("/audit/", {"participant": "abc"})
    assert bad.status_code == 400 and "participant" in bad.context["find_form"].errors


def test_the_administrator_finds_the_participant_by_name_and_the_search_is_audited(world):
    admin = world["site_admin"]
    client = verified_client(admin)
    p = world.mine
    page = client.get("/audit/break-glass/", {"q": p.family_name})
    assert page.status_code == 200
    html = page.content.decode()
    assert p.family_name in html and f"#{p.pk}" in html
    assert p.date_of_birth is None or p.date_of_birth.isoformat() in html
    assert f"?participant={p.pk}" in html  # choosing fills the form
    searched = AuditEvent.objects.filter(actor_id=admin.pk, action="search")
    assert set(searched.values_list("participant_id", flat=True)) >= {p.pk}
    assert all(p.family_name not in (e.reason + str(e.changes) + e.path) for e in searched)
    # Nothing outside the participant's identity card: no whereabouts, no notes.
    assert p.last_known_whereabouts not in html
    chosen = client.get("/audit/break-glass/", {"participant": p.pk})
    assert chosen.context["form"]["participant_id"].value() == p.pk


def test_a_search_with_no_match_is_audited_too_and_a_short_one_asks_for_more(world):
    admin = world["site_admin"]
    client = verified_client(admin)
    before = AuditEvent.objects.filter(actor_id=admin.pk, action="search").count()
    assert "No participant matches" in client.get("/audit/break-glass/", {"q": "Zzyzx"}).content.decode()
    assert AuditEvent.objects.filter(actor_id=admin.pk, action="search").count() == before + 1
    short = client.get("/audit/break-glass/", {"q": "a"})
    assert short.status_code == 400 and "q" in short.context["search_form"].errors


@pytest.mark.parametrize("persona", ["program_manager", "case_manager", "officer", "evaluator"])
def test_only_a_site_administrator_may_search_for_break_glass(world, persona):
    response = verified_client(world[persona]).get("/audit/break-glass/", {"q": world.mine.family_name})
    assert response.status_code == 403
    assert "data-candidate" not in response.content.decode()
    assert not AuditEvent.objects.filter(actor_id=world[persona].pk, action="search").exists()
