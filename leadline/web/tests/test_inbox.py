"""The "needs you" inbox on the home page (issue #17, item 1): every registered kind of work has a test that
sees it leave when done; the page shows the inbox first and nothing of a participant to those who may not read
one; the menu's count and the live section are small, bounded fragments that do not keep an idle session
open."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadline.audit.models import AuditEvent
from leadline.cases.models import Contact
from leadline.core import clock
from leadline.core import inbox as core_inbox
from leadline.core.inbox import InboxItem, InboxSource, register_source
from leadline.demo.testing import ParticipantFactory, verified_client
from leadline.web.inbox import inbox_count, inbox_for

LEADLINE = Path(__file__).resolve().parents[2]


def test_every_inbox_kind_has_a_leaves_when_done_test():
    """Every kind any app registers (cases, consents, legal, and those of referrals, directory, messaging,
    workgroup...) has a test named ``test_inbox_leaves_when_done__<kind>`` somewhere under leadline/: the
    work appears in the right inbox, is done, and is gone."""
    kinds = {s.kind for s in core_inbox.sources()}
    mine = {"intake_due", "not_reached", "plan_step_due", "monthly_status_due", "consent_expiring",
            "accounting_due", "legal_deadline", "court_date", "legal_notice", "new_charge"}  # fmt: skip
    assert mine <= kinds
    tests = set()
    for path in LEADLINE.rglob("test*.py"):
        tests |= set(
            re.findall(r"def (test_inbox_leaves_when_done__\w+)\(", path.read_text(encoding="utf-8"))
        )
    missing = sorted(k for k in kinds if f"test_inbox_leaves_when_done__{k}" not in tests)
    assert not missing, f"kinds of inbox work without a test that sees them leave when done: {missing}"


@pytest.fixture
def extra_sources():
    """Register sources for one test and take them away after it."""
    saved = dict(core_inbox._sources)
    yield register_source
    core_inbox._sources.clear()
    core_inbox._sources.update(saved)


def _item(n: int, *, kind: str = "test_live", urgent: bool = False) -> InboxItem:
    return InboxItem(kind=kind, what=f"Thing {n}", who="", since=clock.now(), url="/", urgent=urgent,
                     work_key=f"thing:{n}")  # fmt: skip


def test_the_home_page_shows_the_inbox_first_then_the_caseload_and_no_grid_of_links(world):
    page = verified_client(world["case_manager"]).get("/").content.decode()
    assert page.index("data-inbox") < page.index('id="caseload-h"')
    assert f'data-work="participant_contact:{world.mine.pk}"' in page
    assert 'data-inbox-kind="not_reached"' in page and 'data-count="1"' in page
    assert "What you can do here" not in page and 'class="tiles"' not in page
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">', page)


def test_the_since_date_is_written_in_the_readers_language(world):
    client = verified_client(world["case_manager"])
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    page = client.get("/").content.decode()
    months = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    month = months.split()[clock.today().month - 1]
    assert f" de {month} de " in page  # "7 de diciembre de 2026"
    assert f'<time datetime="{clock.today():%Y-%m-%d}">' in page  # the machine value stays ISO


def test_nothing_needs_you_now_when_nothing_does(small_world):
    page = verified_client(small_world["case_manager"]).get("/").content.decode()
    assert "Nothing needs you now." in page and "data-work=" not in page


def test_urgent_sections_come_first_and_are_polled_every_five_seconds(small_world, extra_sources):
    extra_sources(InboxSource(kind="test_live", label="Live things", capability="caseload.view",
                              items=lambda user, limit: [_item(1, urgent=True)], count=lambda user: 1,
                              order=999, urgent=True))  # fmt: skip
    carmen = small_world["case_manager"]
    ParticipantFactory.create(case_manager=carmen, status="referred")
    page = verified_client(carmen).get("/").content.decode()
    assert page.index('data-inbox-kind="test_live"') < page.index('data-inbox-kind="intake_due"')
    assert 'hx-get="/inbox/urgent/" hx-trigger="every 5s' in page
    fragment = verified_client(carmen).get("/inbox/urgent/").content.decode()
    assert 'data-work="thing:1"' in fragment and "intake_due" not in fragment  # the live part alone
    # Nobody without a live kind of work polls for one.
    assert "/inbox/urgent/" not in verified_client(small_world["evaluator"]).get("/").content.decode()


def test_the_menu_count_is_the_sum_of_the_counts_and_builds_no_item(small_world, extra_sources):
    def refuse(user, limit):
        raise AssertionError("the count must not build the items")

    extra_sources(InboxSource(kind="test_many", label="Many", capability="caseload.view", items=refuse,
                              count=lambda user: 41))  # fmt: skip
    carmen = small_world["case_manager"]
    ParticipantFactory.create(case_manager=carmen, status="referred")
    assert inbox_count(carmen) == 42
    response = verified_client(carmen).get("/inbox/count/")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-inbox-count="42"' in body and "42 things need you" in body
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert "<html" not in body  # a fragment, not a page


def test_the_menu_polls_the_count_every_twenty_seconds_on_every_page(small_world):
    page = verified_client(small_world["officer"]).get("/notifications/").content.decode()
    assert 'hx-get="/inbox/count/"' in page and "every 20s" in page
    assert "leadline/inbox.js" in page


def test_a_long_section_shows_its_first_items_and_counts_the_rest(small_world, extra_sources):
    extra_sources(InboxSource(kind="test_long", label="Long", capability="caseload.view",
                              items=lambda user, limit: [_item(n, kind="test_long") for n in range(limit)],
                              count=lambda user: 57))  # fmt: skip
    inbox = inbox_for(small_world["case_manager"], limit=20)
    (section,) = [s for s in inbox.sections if s.kind == "test_long"]
    assert len(section.items) == 20 and section.count == 57 and section.more == 37
    page = verified_client(small_world["case_manager"]).get("/").content.decode()
    assert "And 47 more." in page and 'data-count="57"' in page


def test_the_inbox_costs_the_same_queries_with_a_bigger_caseload_and_history(world):
    client = verified_client(world["case_manager"])
    client.get("/")
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    now = clock.now()
    for i in range(30):
        p = ParticipantFactory.create(
            case_manager=world["case_manager"], status="active" if i % 2 else "referred",
            created_at=now - timedelta(days=90),
        )  # fmt: skip
        Contact.objects.bulk_create(
            Contact(participant=p, kind="phone", reached=True, occurred_at=now - timedelta(days=20 + j),
                    logged_by=world["case_manager"], created_at=now, idempotency_key=f"h{i}-{j}")
            for j in range(10)
        )  # fmt: skip
    with CaptureQueriesContext(connection) as after:
        client.get("/")
    assert len(after) <= len(before) + 4  # at most one COUNT more for each section that filled its page
    with CaptureQueriesContext(connection) as count:
        client.get("/inbox/count/")
    assert len(count) <= len(before)


def test_every_participant_the_inbox_names_is_an_audited_read(world):
    priya = world["prosecutor"]
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    verified_client(priya).get("/")
    listed = set(
        AuditEvent.objects.filter(pk__gt=since, actor_id=priya.pk, action=AuditEvent.Action.LIST,
                                  subject_type="participant").values_list("participant_id", flat=True)
    )  # fmt: skip
    assert listed == {world.other.pk, world.mine.pk}  # the notice's person, the new charge's person


@pytest.mark.parametrize("persona", ["officer", "provider_staff", "evaluator"])
def test_a_home_page_outside_the_program_shows_no_participant(world, persona):
    user = world[persona]
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    page = verified_client(user).get("/").content.decode()
    for p in (world.mine, world.other):
        # The full name (a family name alone may be a staff member's, made up by the factory too).
        assert f"{p.given_name} {p.family_name}" not in page and p.display_name not in page
        assert f"/participants/{p.pk}/" not in page
    assert not AuditEvent.objects.filter(pk__gt=since, actor_id=user.pk, subject_type="participant").exists()


def test_the_api_links_are_in_the_account_area_not_the_main_menu(small_world):
    page = verified_client(small_world["officer"]).get("/").content.decode()
    nav = page[page.index('aria-label="Main"') : page.index("</nav>")]
    account = page[page.index("data-account") :]
    assert "/accounts/tokens/" not in nav and "/api/docs/" not in nav
    assert 'data-account-link="tokens"' in account and 'data-account-link="api_docs"' in account
    no_role = verified_client(small_world["no_role"]).get("/").content.decode()
    assert "data-account-link" not in no_role  # no role, no API tokens


def test_the_fragments_send_a_signed_out_page_to_the_sign_in_form(small_world):
    for path in ("/inbox/count/", "/inbox/urgent/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        polled = Client().get(
            path, headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/legal/"}
        )
        assert polled.status_code == 204 and polled["HX-Redirect"] == "/accounts/login/?next=/legal/"


def test_polling_does_not_keep_an_unattended_session_open(small_world):
    background = {"HX-Request": "true", "X-Leadline-Background": "1", "HX-Current-URL": "http://testserver/"}
    with time_machine.travel(clock.now(), tick=False) as traveller:
        client = verified_client(small_world["case_manager"])
        assert client.get("/").status_code == 200
        for _ in range(5):  # 25 minutes of polls and nobody at the screen
            traveller.shift(timedelta(minutes=5))
            assert client.get("/inbox/count/", headers=background).status_code == 200
        traveller.shift(timedelta(minutes=6))  # 31 minutes since the person last did anything
        locked = client.get("/inbox/count/", headers=background)
        assert locked.status_code == 204 and locked["HX-Redirect"] == "/accounts/login/?next=%2F"
        assert client.get("/").status_code == 302  # signed out


def test_a_poll_before_the_second_factor_swaps_nothing_into_the_menu(small_world):
    """Signed in with a password but not yet past the second factor (a real account on the demo): the
    menu's poll answers 204 with nothing in it, never the second-factor page swapped into the badge; a
    page asked normally still goes to the second-factor step."""
    from django.test import Client

    client = Client()
    client.force_login(small_world["case_manager"])
    background = {"HX-Request": "true", "X-Leadline-Background": "1", "HX-Current-URL": "http://testserver/"}
    polled = client.get("/inbox/count/", headers=background)
    assert polled.status_code == 204 and polled.content == b""
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/mfa/")
