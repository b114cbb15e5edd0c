"""Issue #15 item 13: the audit reports read times in the site's zone with their offset (page and CSV);
the index's guidance names a real address; break-glass lets the administrator find the participant by
name (name, date of birth, number), the search itself audited, and only for site administrators."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.demo.testing import verified_client
from leadline.oversight.views import CSV_COLUMNS
from leadline.participants.models import Participant
from leadline.sites.models import Site

WHEN = str(dict(CSV_COLUMNS)["occurred_at"])  # the header people read (decision 0040)

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
    assert all(datetime.fromisoformat(r[WHEN]).utcoffset() is not None for r in rows)
    assert "2026-12-07T12:52:30-05:00" in [r[WHEN] for r in rows]
    assert datetime.fromisoformat("2026-12-07T12:52:30-05:00") == MOMENT


def test_the_law_enforcement_csv_reads_the_same_times(world):
    with time_machine.travel(MOMENT, tick=False):
        verified_client(world["officer"]).get(f"/participants/{world.mine.pk}/")  # refused: on the report
    response = verified_client(world["program_manager"]).get(
        "/audit/law-enforcement/?start=2026-12-07&end=2026-12-07&format=csv"
    )
    times = [r[WHEN] for r in csv.DictReader(io.StringIO(response.content.decode()))]
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


REASON = "Subpoena 26-SP-0412 requires the record today"


def _search(client, **fields):
    data = {"action": "search", "search-reason": REASON, **{f"search-{k}": v for k, v in fields.items()}}
    return client.post("/audit/break-glass/", data)


def test_the_administrator_finds_the_participant_by_full_name_with_a_reason_and_the_search_is_audited(world):
    admin = world["site_admin"]
    client = verified_client(admin)
    p = world.mine
    page = _search(client, given_name=p.given_name, family_name=p.family_name)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]  # names and dates of birth are never kept by a cache
    html = page.content.decode()
    assert p.family_name in html and f"#{p.pk}" in html
    assert p.date_of_birth is None or p.date_of_birth.isoformat() in html
    # The search row carries the written reason; the words searched for are nowhere in the trail.
    row = AuditEvent.objects.get(actor_id=admin.pk, action="search", subject_type="break_glass_search")
    assert row.reason == REASON and row.changes == {"shown": 1}
    searched = AuditEvent.objects.filter(actor_id=admin.pk, action="search")
    assert set(searched.values_list("participant_id", flat=True)) >= {p.pk}
    for e in searched:
        assert p.family_name not in (e.reason + str(e.changes) + e.path)
        assert p.given_name not in (e.reason + str(e.changes) + e.path)
    # Nothing outside the participant's identity card: no whereabouts, no notes.
    assert p.last_known_whereabouts not in html
    # Choosing fills the access form with the participant and the same reason, and opens nothing yet.
    chosen = client.post(
        "/audit/break-glass/", {"action": "choose", "participant_id": p.pk, "reason": REASON}
    )
    assert chosen.status_code == 200 and "no-store" in chosen["Cache-Control"]
    assert chosen.context["form"]["participant_id"].value() == p.pk
    assert chosen.context["form"]["reason"].value() == REASON
    assert not AuditEvent.objects.filter(actor_id=admin.pk, action="break_glass").exists()


def test_a_family_name_of_three_letters_with_the_date_of_birth_also_finds(world):
    p = world.mine
    Participant.objects.filter(pk=p.pk).update(date_of_birth=date(1990, 5, 17))
    p.refresh_from_db()
    client = verified_client(world["site_admin"])
    page = _search(client, family_name=p.family_name, date_of_birth=p.date_of_birth.isoformat())
    assert page.status_code == 200 and f'data-candidate="{p.pk}"' in page.content.decode()
    other_day = p.date_of_birth.replace(year=p.date_of_birth.year - 1).isoformat()
    wrong = _search(client, family_name=p.family_name, date_of_birth=other_day)
    assert f'data-candidate="{p.pk}"' not in wrong.content.decode()


def test_a_search_with_no_match_is_audited_too_and_a_thin_one_is_refused(world):
    admin = world["site_admin"]
    client = verified_client(admin)
    searches = AuditEvent.objects.filter(actor_id=admin.pk, action="search")
    before = searches.count()
    assert "No participant matches" in _search(client, given_name="Zed", family_name="Zzyzx").content.decode()
    assert searches.count() == before + 1
    # A GET query searches nothing (it would sit in the browser's history and the proxy's log).
    got = client.get("/audit/break-glass/", {"q": world.mine.family_name})
    assert got.status_code == 200 and "data-candidate=" not in got.content.decode()
    # Too little to name one person, or no written reason: refused, naming the field, nothing recorded.
    thin = [
        ({"family_name": world.mine.family_name}, "given_name"),  # family name alone
        ({"given_name": "Jo", "family_name": "R"}, "family_name"),  # one letter
        ({"family_name": "Ri", "date_of_birth": "1990-05-17"}, "given_name"),  # two letters with a birthday
    ]
    for fields, field in thin:
        response = _search(client, **fields)
        assert response.status_code == 400 and field in response.context["search_form"].errors, fields
        assert "data-candidate=" not in response.content.decode()
    no_reason = client.post(
        "/audit/break-glass/",
        {"action": "search", "search-given_name": "Jo", "search-family_name": world.mine.family_name},
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.context["search_form"].errors
    assert searches.count() == before + 1


@pytest.mark.parametrize("persona", ["program_manager", "case_manager", "officer", "evaluator"])
def test_only_a_site_administrator_may_search_for_break_glass(world, persona):
    p = world.mine
    response = _search(verified_client(world[persona]), given_name=p.given_name, family_name=p.family_name)
    assert response.status_code == 403
    assert "data-candidate=" not in response.content.decode()
    assert not AuditEvent.objects.filter(actor_id=world[persona].pk, action="search").exists()
