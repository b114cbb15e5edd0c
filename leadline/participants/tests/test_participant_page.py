"""The participant page a case manager can live in (issue #17, item 4; decision 0039): the header and its next
step, the sections each reader may see, one timeline that shows nobody what they may not read, forms that
come back to their section (saved or with their errors at the fields), and the outreach attempt that defaults
to "not reached" and moves the whereabouts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory

from leadline.accounts.decorators import AuthedRequest
from leadline.audit.models import AuditEvent
from leadline.cases.models import CaseNote, Contact, MonthlyStatus, PlanGoal, PlanItem
from leadline.cases.timeline import contacts as contact_source
from leadline.cases.timeline import notes as note_source
from leadline.consents.models import Consent
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, verified_client
from leadline.participants.models import Participant, StatusChange
from leadline.participants.policy import ParticipantAccess, participant_access
from leadline.participants.selectors import ParticipantView
from leadline.participants.timeline import timeline_page
from leadline.referrals.models import Referral

pytestmark = pytest.mark.django_db


def _section(html: str, key: str) -> str:
    """The HTML of one section of the page (between its opening tag and the next section's)."""
    start = html.index(f'<section id="{key}"')
    end = html.find("<section id=", start + 10)
    return html[start : end if end != -1 else len(html)]


def _header(html: str) -> str:
    """Everything of the page before the section menu: the header."""
    return html[html.index("data-participant-page") : html.index('<section id="overview"')]


def _request(user) -> AuthedRequest:
    request = cast(AuthedRequest, RequestFactory().get("/"))
    request.user = user
    return request


def _local(dt: datetime) -> str:
    """A time as the form's datetime-local input carries it, in the demo site's zone."""
    return dt.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")


def _contact(p: Participant, by, *, days_ago: float, place: str = "", summary: str = "", reached=True):
    at = clock.now() - timedelta(days=days_ago)
    return Contact.objects.create(
        participant=p, kind="in_person", reached=reached, occurred_at=at, place=place, summary=summary,
        logged_by=by, created_at=at, idempotency_key=f"k{Contact.objects.count()}",
    )  # fmt: skip


# ── The header and its next step ─────────────────────────────────────────────────────────────────────────


def test_the_header_says_who_status_caseload_the_legal_clock_and_the_next_step(world):
    html = verified_client(world["case_manager"]).get(f"/participants/{world.mine.pk}/").content.decode()
    header = _header(html)
    assert world.mine.display_name in header
    assert world.mine.get_status_display() in header
    assert world["case_manager"].get_full_name() in header
    assert "data-header-clock" in header and 'data-clock="' in header  # the matter's countdown
    assert "data-next-step=" in header
    # The header comes before the section menu and the sections.
    assert html.index("data-next-step=") < html.index("data-section-menu") < html.index('id="overview"')


def test_the_outreach_worker_reads_the_clock_but_the_other_case_manager_does_not(world):
    omar = verified_client(world["outreach_worker"]).get(f"/participants/{world.mine.pk}/").content.decode()
    assert "data-header-clock" in _header(omar)  # legal_clock.view at all: find them before it runs out
    casey = world.casey
    html = verified_client(casey).get(f"/participants/{world.mine.pk}/").content.decode()
    assert "data-header-clock" not in html  # her scope is her caseload: not even that the clock runs


def _step(client, p: Participant) -> tuple[str, str]:
    html = client.get(f"/participants/{p.pk}/").content.decode()
    m = re.search(r'data-next-step="([a-z_]+)">.*?<a href="([^"]*)" data-next-step-link', html, re.S)
    return (m.group(1), m.group(2)) if m else ("", "")


def test_the_next_step_is_the_first_that_applies_to_the_record(small_world):
    carmen = small_world["case_manager"]
    client = verified_client(carmen)
    p = ParticipantFactory.create(case_manager=carmen, status=Participant.Status.REFERRED)
    assert _step(client, p) == ("intake", f"/participants/{p.pk}/intake/")
    # Outreach staff cannot do an intake: their next step for a referred person is to look for them.
    assert _step(verified_client(small_world["outreach_worker"]), p)[0] == "outreach"

    Participant.objects.filter(pk=p.pk).update(status=Participant.Status.ACTIVE)
    assert _step(client, p) == ("outreach", "#outreach-form")  # never reached
    Participant.objects.filter(pk=p.pk).update(last_reached_at=clock.now() - timedelta(days=15))
    assert _step(client, p) == ("outreach", "#outreach-form")  # not in the last 14 days
    Participant.objects.filter(pk=p.pk).update(last_reached_at=clock.now() - timedelta(days=2))

    last_month = (clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    kind, url = _step(client, p)
    assert kind == "monthly" and url == f"?month={last_month:%Y-%m}#monthly-form"
    MonthlyStatus.objects.create(
        participant=p, month=last_month, housing="unknown", employed="unknown", income_or_benefits="unknown",
        recorded_by=carmen, recorded_at=clock.now(),
    )  # fmt: skip

    assert _step(client, p) == ("contact", "#contact-form")  # nothing due
    goal = PlanGoal.objects.create(
        participant=p, domain="housing", text="A room", created_by=carmen, created_at=clock.now(),
        idempotency_key="g",
    )  # fmt: skip
    PlanItem.objects.create(
        goal=goal, action="Call the landlord", owner="together", due_on=clock.today() + timedelta(days=1),
        created_by=carmen, created_at=clock.now(), idempotency_key="i",
    )  # fmt: skip
    kind, url = _step(client, p)
    assert (kind, url) == ("plan_step", f"/participants/{p.pk}/plan/")
    html = client.get(f"/participants/{p.pk}/").content.decode()
    assert "Call the landlord" not in _header(html)  # the step's words stay on the plan (domain content)
    PlanItem.objects.update(done_at=clock.now())

    Consent.objects.create(
        participant=p, kind="officer_feedback", recipient="The referring officer", information="engaged",
        purpose="feedback", wording_version="1", method="verbal", given_at=clock.now(), recorded_by=carmen,
        expires_on=clock.today() + timedelta(days=10),
    )  # fmt: skip
    assert _step(client, p) == ("consent", "#consents")

    Participant.objects.filter(pk=p.pk).update(status=Participant.Status.EXITED)
    assert _step(client, p) == ("", "")  # nobody is chased after leaving LEAD


def test_the_month_the_next_step_names_is_the_one_the_form_opens_on(small_world):
    carmen = small_world["case_manager"]
    p = ParticipantFactory.create(case_manager=carmen, last_reached_at=clock.now())
    last_month = (clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    html = verified_client(carmen).get(f"/participants/{p.pk}/?month={last_month:%Y-%m}").content.decode()
    assert f'value="{last_month:%Y-%m}"' in _section(html, "plan")
    assert re.search(r'<details class="form-toggle" id="monthly-form" open>', html)


# ── Sections: only what the reader may see ────────────────────────────────────────────────────────────────

ALL = ["overview", "timeline", "contacts", "notes", "plan", "consents", "legal"]


def _sections(html: str) -> list[str]:
    return re.findall(r'<section id="([a-z]+)" class="tab-panel"', html)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("case_manager", ALL),
        ("program_manager", ALL),
        ("outreach_worker", ["overview", "timeline", "contacts", "legal"]),  # no notes, plan or consents
    ],
)
def test_each_reader_gets_the_sections_they_may_see(world, persona, expected):
    html = verified_client(world[persona]).get(f"/participants/{world.mine.pk}/").content.decode()
    assert _sections(html) == expected
    menu = re.findall(r'data-tab-link="([a-z]+)"', html)
    assert menu == expected


def test_another_case_managers_participant_is_a_card_with_no_sections(world):
    html = verified_client(world.casey).get(f"/participants/{world.mine.pk}/").content.decode()
    assert _sections(html) == ["overview"] and "data-section-menu" not in html
    assert "Near the Public Market" not in html  # whereabouts: Carmen's caseload only


@pytest.mark.parametrize("persona", ["officer", "police_liaison", "prosecutor", "defender", "provider_staff"])
def test_the_page_and_its_timeline_stay_closed_to_roles_outside_case_management(world, persona):
    client = verified_client(world[persona])
    assert client.get(f"/participants/{world.mine.pk}/").status_code == 404
    assert client.get(f"/participants/{world.mine.pk}/timeline/").status_code == 404


# ── The timeline ──────────────────────────────────────────────────────────────────────────────────────────


def test_the_timeline_has_everything_that_happened_newest_first(world):
    carmen = world["case_manager"]
    Referral.objects.filter(pk=world.eligible.pk).update(participant=world.mine)  # as its hand-off does
    _contact(world.mine, carmen, days_ago=1, place="Shelter on Andrews St", summary="Talked about housing")
    client = verified_client(carmen)
    html = client.get(f"/participants/{world.mine.pk}/").content.decode()
    # The section reads it when first shown (htmx), or by its link without JavaScript.
    assert f'hx-get="/participants/{world.mine.pk}/timeline/"' in _section(html, "timeline")
    assert 'href="?timeline=1#timeline"' in _section(html, "timeline")
    timeline = client.get(f"/participants/{world.mine.pk}/timeline/").content.decode()
    inline = _section(client.get(f"/participants/{world.mine.pk}/?timeline=1").content.decode(), "timeline")
    assert re.findall(r'data-entry="([^"]+)"', inline) == re.findall(r'data-entry="([^"]+)"', timeline)
    kinds = set(re.findall(r'data-kind="([a-z_]+)"', timeline))
    # contacts, consents given, the legal matter, the LEAD referral behind it, the service referral
    assert {"contact", "consent", "legal", "referral", "service_referral"} <= kinds
    times = re.findall(r'<time datetime="([^"]+)"', timeline)
    assert times == sorted(times, reverse=True)
    assert "Shelter on Andrews St" in timeline and "Talked about housing" in timeline


def test_the_timeline_never_shows_a_contacts_place_or_note_to_a_reader_who_may_not_read_them(world):
    carmen = world["case_manager"]
    _contact(world.mine, carmen, days_ago=1, place="Behind the laundromat", summary="Relapsed last week")
    CaseNote.objects.create(
        participant=world.mine, author=carmen, body="Started methadone at the clinic",
        sensitivity="substance_use", created_at=clock.now(), idempotency_key="n1",
    )  # fmt: skip
    client = verified_client(world["outreach_worker"])
    omar = client.get(f"/participants/{world.mine.pk}/?timeline=1").content.decode()
    timeline = _section(omar, "timeline")
    assert "data-timeline" in timeline
    fragment = client.get(f"/participants/{world.mine.pk}/timeline/").content.decode()
    assert "Behind the laundromat" in fragment and "Relapsed last week" not in fragment
    assert "Behind the laundromat" in timeline  # outreach may read where contacts happened
    assert "Relapsed last week" not in omar and "methadone" not in omar  # never case content
    assert 'data-kind="note"' not in timeline and 'data-kind="consent"' not in timeline

    # A reader who may see contacts but not where they happened nor what was said (the sources decide from
    # the access object, not from the template): none of it reaches the entries.
    rf = _request(carmen)
    narrow = ParticipantView(world.mine, ParticipantAccess({"contact.view", "case_notes.view"}))
    entries = contact_source(rf, narrow, None, 10)
    assert entries and all(name != "contact-place" for e in entries for name, _t in e.details)
    no_notes = ParticipantView(world.mine, ParticipantAccess({"contact.view"}))
    assert all(not e.details for e in contact_source(rf, no_notes, None, 10))
    # Notes: only the sensitivities the reader may read (health and Part 2 need their own capability).
    general_only = ParticipantView(world.mine, ParticipantAccess({"case_notes.view"}))
    assert note_source(rf, general_only, None, 10) == []
    part2 = ParticipantView(world.mine, ParticipantAccess({"case_notes.view", "substance_use.view"}))
    assert [e.attrs["sensitivity"] for e in note_source(rf, part2, None, 10)] == ["substance_use"]


def test_pages_of_the_timeline_show_every_entry_once_even_when_entries_share_an_instant(small_world):
    carmen = small_world["case_manager"]
    p = ParticipantFactory.create(case_manager=carmen)
    same = clock.now() - timedelta(days=3)
    for i in range(23):
        _contact(p, carmen, days_ago=i * 0.7)
    for _i in range(4):  # four contacts at one instant, and a status change at the same instant
        Contact.objects.create(
            participant=p, kind="phone", reached=False, occurred_at=same, logged_by=carmen, created_at=same,
            idempotency_key=f"same{_i}",
        )  # fmt: skip
    for i in range(9):
        StatusChange.objects.create(
            participant=p, from_status="active", to_status="inactive", note=f"n{i}", changed_by=carmen,
            changed_at=same if i == 0 else clock.now() - timedelta(days=i * 2.3),
        )  # fmt: skip
    rf = _request(carmen)
    view = ParticipantView(p, participant_access(carmen, p))
    seen: list[str] = []
    before = None
    for _page in range(40):
        page = timeline_page(rf, view, before=before, limit=5)
        seen += [e.key for e in page.entries]
        assert [e.at for e in page.entries] == sorted((e.at for e in page.entries), reverse=True)
        if page.next_before is None:
            break
        before = page.next_before
    expected = {f"contact:{c}" for c in Contact.objects.filter(participant=p).values_list("pk", flat=True)}
    expected |= {
        f"status:{s}" for s in StatusChange.objects.filter(participant=p).values_list("pk", flat=True)
    }
    assert len(seen) == len(set(seen)) == len(expected) and set(seen) == expected


def test_the_older_button_brings_the_next_page_and_is_audited(small_world):
    carmen = small_world["case_manager"]
    p = ParticipantFactory.create(case_manager=carmen)
    for i in range(30):
        _contact(p, carmen, days_ago=i)
    client = verified_client(carmen)
    html = client.get(f"/participants/{p.pk}/timeline/").content.decode()
    assert html.count('data-kind="contact"') == 25
    m = re.search(r'hx-get="(/participants/\d+/timeline/\?before=[^"]+)"', html)
    assert m
    more = client.get(m.group(1).replace("&amp;", "&")).content.decode()
    assert more.count('data-kind="contact"') == 5 and 'hx-swap-oob="true"' in more
    assert "data-timeline-older" not in more  # the last page
    assert AuditEvent.objects.filter(participant_id=p.pk, reason="timeline", action="view").exists()


# ── Forms in place ───────────────────────────────────────────────────────────────────────────────────────


def test_a_save_comes_back_to_its_section_with_its_message_there(world):
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/participants/{world.mine.pk}/notes/",
        {"body": "Met at the drop-in", "sensitivity": "general", "idempotency_key": "page-note"},
    )
    assert response.status_code == 302 and response["Location"] == f"/participants/{world.mine.pk}/#notes"
    html = client.get(response["Location"]).content.decode()
    assert "Note saved." in _section(html, "notes")
    assert "Note saved." not in _header(html)  # not at the top, where the reader is not looking
    response = client.post(
        f"/participants/{world.mine.pk}/whereabouts/",
        {"whereabouts": "The library steps", "version": Participant.objects.get(pk=world.mine.pk).version},
    )
    assert response["Location"].endswith("#overview")


def test_an_error_comes_back_in_its_section_at_the_field_named_and_announced(world):
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/participants/{world.mine.pk}/contacts/",
        {
            "kind": "in_person",
            "reached": "yes",
            "occurred_at": "",
            "idempotency_key": "e1",
            "form": "contact",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-open-section="contacts"' in html and "data-error-pointer" in html
    contacts = _section(html, "contacts")
    form = contacts[contacts.index('id="contact-form"') : contacts.index('id="outreach-form"')]
    assert '<details class="form-toggle" id="contact-form" open>' in contacts
    assert 'role="alert"' in form  # the summary, announced
    field = re.search(r'<input[^>]*id="contact_occurred_at"[^>]*>', form)
    assert field and 'aria-invalid="true"' in field.group(0) and "required" in field.group(0)
    assert 'aria-describedby="contact_occurred_at_error"' in field.group(0)
    assert 'id="contact_occurred_at_error"' in form
    assert 'class="req" aria-hidden="true">*</span>' in form  # required fields marked


def test_an_outreach_attempts_error_stays_in_the_outreach_form(world):
    client = verified_client(world["outreach_worker"])
    response = client.post(
        f"/participants/{world.mine.pk}/contacts/",
        {"kind": "outreach", "occurred_at": "2026-01-01T10:00", "idempotency_key": "e2", "form": "outreach"},
    )
    assert response.status_code == 400
    contacts = _section(response.content.decode(), "contacts")
    outreach = contacts[contacts.index('id="outreach-form"') :]
    assert 'id="outreach_reached"' in outreach and 'aria-describedby="outreach_reached_error"' in outreach
    assert 'href="#outreach_reached"' in outreach  # the summary's link reaches the radio group


# ── The outreach attempt ─────────────────────────────────────────────────────────────────────────────────


def test_the_outreach_attempt_defaults_to_not_reached_and_where_they_looked(world):
    html = verified_client(world["outreach_worker"]).get(f"/participants/{world.mine.pk}/").content.decode()
    outreach = _section(html, "contacts")
    outreach = outreach[outreach.index('id="outreach-form"') :]
    assert re.search(r'<input[^>]*name="reached"[^>]*value="no"[^>]*checked', outreach)
    assert re.search(r'<input[^>]*name="kind"[^>]*value="outreach"[^>]*checked', outreach)
    assert "Where you looked" in outreach
    assert re.search(r'<input[^>]*name="update_whereabouts"[^>]*checked', outreach)


def test_where_they_looked_becomes_the_whereabouts_unless_something_newer_is_known(world):
    client = verified_client(world["outreach_worker"])
    p = world.mine
    when = clock.now() - timedelta(hours=1)
    local = _local(when)
    data = {"kind": "outreach", "reached": "no", "occurred_at": local, "place": "Under the Court St bridge",
            "update_whereabouts": "on", "idempotency_key": "o1", "form": "outreach"}  # fmt: skip
    response = client.post(f"/participants/{p.pk}/contacts/", data)
    assert response.status_code == 302 and response["Location"].endswith("#contacts")
    p.refresh_from_db()
    assert p.last_known_whereabouts == "Under the Court St bridge"
    assert AuditEvent.objects.filter(
        participant_id=p.pk, subject_type="participant", action="update", reason="contact"
    ).exists()
    # An attempt logged late, from before what is known now, does not move the whereabouts back.
    older = _local(when - timedelta(hours=5))
    client.post(
        f"/participants/{p.pk}/contacts/",
        data | {"occurred_at": older, "place": "The old squat", "idempotency_key": "o2"},
    )
    p.refresh_from_db()
    assert p.last_known_whereabouts == "Under the Court St bridge"
    assert Contact.objects.filter(participant=p, place="The old squat").exists()  # the attempt is kept


def test_a_contact_moves_the_whereabouts_only_when_asked(world):
    client = verified_client(world["case_manager"])
    local = _local(clock.now() - timedelta(minutes=5))
    client.post(
        f"/participants/{world.mine.pk}/contacts/",
        {"kind": "phone", "reached": "yes", "occurred_at": local, "place": "Her sister's flat",
         "idempotency_key": "c1", "form": "contact"},
    )  # fmt: skip
    world.mine.refresh_from_db()
    assert world.mine.last_known_whereabouts == "Near the Public Market"  # the contact form leaves it
