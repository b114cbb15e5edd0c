"""Nothing outside Leadline is called inside a request (issue #15, item 7). With an SMS provider and a mail
server that hang, every request that tells someone something returns without touching either: the
delivery is queued, and the task worker sends it (and retries it) — and no module outside the
notifications calls an SMS or mail backend itself (an AST scan, so a new caller cannot slip in)."""

from __future__ import annotations

import ast
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from leadline.core import clock
from leadline.notifications.models import Delivery
from leadline.notifications.testing import queued_delivery_ids, send_queued_deliveries
from leadline.referrals.models import Handoff, OnCallShift

CALLS: list[tuple[str, str]] = []


class HungEmailBackend(BaseEmailBackend):
    """A mail server that never answers (here: fails at once, and says it was called)."""

    def send_messages(self, email_messages: Any) -> int:
        CALLS.extend(("email", to) for m in email_messages for to in m.to)
        raise TimeoutError("the mail server did not answer")


@pytest.fixture
def hung(settings, monkeypatch, small_world):
    """The SMS provider and the mail server hang: caught at the wire (the http SMS backend's request and the
    mail backend), so a send is seen however the caller reached the backend."""
    from leadline.core import sms

    def hung_provider(request: Any, timeout: float) -> None:
        CALLS.append(("sms", json.loads(request.data)["to"]))
        raise TimeoutError("the SMS provider did not answer")

    settings.LEADLINE_SMS_BACKEND, settings.LEADLINE_SMS_URL = "http", "http://127.0.0.1:9/hung-provider"
    monkeypatch.setattr(sms.urllib.request, "urlopen", hung_provider)
    settings.EMAIL_BACKEND = "leadline.notifications.tests.test_outside_services.HungEmailBackend"
    CALLS.clear()
    carmen = small_world["case_manager"]
    carmen.phone, carmen.email = "+15855550101", "carmen@lead.example"
    carmen.save(update_fields=["phone", "email"])
    now = clock.now()
    OnCallShift.objects.create(case_manager=carmen, backup=small_world.casey,
                               supervisor=small_world["program_manager"], starts_at=now - timedelta(hours=1),
                               ends_at=now + timedelta(hours=8))  # fmt: skip
    return small_world


def _post(client: Any, path: str, data: dict, capture: Any) -> int:
    """A request as the server runs it, its on-commit work included; nothing outside may be called."""
    with capture(execute=True):
        status = client.post(path, data).status_code
    assert CALLS == [], f"{path} called {CALLS} inside the request"
    return status


def _worker_sends_them(ids: list[int]) -> None:
    """The worker runs the queued task: the backends are called there, fail (they hang), and the
    deliveries wait for their retry."""
    assert ids
    send_queued_deliveries()
    assert CALLS
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", "attempts")) == {("pending", 1)}


def test_the_lead_line_request_pages_without_waiting_for_the_provider(
    hung, login, django_capture_on_commit_callbacks
):
    from leadline.demo.testing import make_referral

    referral = make_referral(hung["officer"], given_name="Quinn")
    status = _post(login(hung["officer"]), f"/referrals/{referral.pk}/handoff/",
                   {"callback_phone": "+15855550199"}, django_capture_on_commit_callbacks)  # fmt: skip
    assert status == 302 and Handoff.objects.filter(referral=referral).exists()
    ids = queued_delivery_ids()
    assert set(Delivery.objects.filter(pk__in=ids).values_list("channel", flat=True)) == {"sms", "email"}
    _worker_sends_them(ids)


def test_acknowledging_a_phone_request_texts_the_officer_from_the_worker(
    hung, login, django_capture_on_commit_callbacks
):
    from leadline.referrals.services.handoffs import handoff_raise

    with django_capture_on_commit_callbacks(execute=False):
        handoff = handoff_raise(actor=hung["officer"], referral=None, callback_phone="+15855550199",
                                now=clock.now(), ack_minutes=5, channel=Handoff.Channel.SMS)  # fmt: skip
    status = _post(login(hung["case_manager"]), f"/referrals/handoffs/{handoff.pk}/acknowledge/",
                   {"eta_minutes": "12"}, django_capture_on_commit_callbacks)  # fmt: skip
    assert status == 302
    told = Delivery.objects.get(kind=Delivery.Kind.OFFICER_STATUS)
    assert told.to == "+15855550199" and "12 minutes" in told.body and told.notification is None
    _worker_sends_them([told.pk])


def test_a_referral_to_an_organisation_by_email_and_a_new_link_do_not_wait_for_the_mail_server(
    world, hung, login, django_capture_on_commit_callbacks
):
    """The one test here that needs the world: a participant to refer and another organisation's service
    (``hung``'s people are the world's, made once)."""
    from leadline.directory.models import Organization, ServiceReferral

    Organization.objects.filter(pk=world.other_service.organization_id).update(
        email="intake@recovery.example"
    )
    carmen = login(hung["case_manager"])
    status = _post(carmen, f"/directory/refer/{world.mine.pk}/",
                   {"service": world.other_service.pk, "reason": "Needs a same-day start",
                    "idempotency_key": uuid.uuid4().hex}, django_capture_on_commit_callbacks)  # fmt: skip
    assert status == 302
    made = ServiceReferral.objects.get(service=world.other_service)
    link = Delivery.objects.get(kind=Delivery.Kind.ANSWER_LINK)
    assert link.to == "intake@recovery.example" and made.reference in link.subject
    assert world.mine.family_name not in link.body + link.subject  # never the person
    status = _post(carmen, f"/directory/referrals/{made.pk}/link/", {}, django_capture_on_commit_callbacks)
    assert status == 302 and Delivery.objects.filter(kind=Delivery.Kind.ANSWER_LINK).count() == 2
    _worker_sends_them(queued_delivery_ids())


def test_sending_a_given_up_delivery_again_is_queued_too(hung, login, django_capture_on_commit_callbacks):
    from leadline.notifications.services import queue_to_address

    given_up = queue_to_address(kind=Delivery.Kind.COURT_REMINDER, channel=Delivery.Channel.SMS,
                                to="+15855550177", body="Reminder from LEAD: court on …")  # fmt: skip
    Delivery.objects.filter(pk=given_up.pk).update(status=Delivery.Status.FAILED, attempts=5)
    status = _post(login(hung["site_admin"]), f"/notifications/outbox/{given_up.pk}/retry/", {},
                   django_capture_on_commit_callbacks)  # fmt: skip
    assert status == 302
    _worker_sends_them([given_up.pk])


def test_the_worker_sends_a_message_to_an_address_once_and_keeps_no_words(
    small_world, login, django_capture_on_commit_callbacks
):
    from leadline.core import sms
    from leadline.notifications.services import queue_to_address

    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        made = queue_to_address(kind=Delivery.Kind.COURT_REMINDER, channel=Delivery.Channel.SMS,
                                to="+15855550177", body="Reminder from LEAD: court on Tue Dec 8")  # fmt: skip
    assert not sms.outbox and send_queued_deliveries() == 1 and send_queued_deliveries() == 0
    assert [m.body for m in sms.outbox] == ["Reminder from LEAD: court on Tue Dec 8"]
    sent = Delivery.objects.get(pk=made.pk)
    assert sent.status == Delivery.Status.SENT and sent.body == ""  # its words are not kept once delivered
    page = login(small_world["site_admin"]).get("/notifications/outbox/").content.decode()
    assert (
        f'data-delivery="{made.pk}"' in page and "Court-date reminders" in page and "+15855550177" not in page
    )


# --- No module but the notifications calls a provider ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]  # leadline/
ALLOWED = {ROOT / "core" / "sms.py"}  # the SMS backend itself
MAIL_NAMES = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage",
              "EmailMultiAlternatives", "get_connection"}  # fmt: skip


def _direct_sends(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = path.relative_to(root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("leadline.core.sms", "django.core.mail"):
            for alias in node.names:
                if alias.name == "send_sms" or alias.name in MAIL_NAMES:
                    found.append(f"{name}:{node.lineno} imports {alias.name}")
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "leadline.core"
            and any(a.name == "sms" for a in node.names)
        ):
            found.append(f"{name}:{node.lineno} imports leadline.core.sms")
        elif isinstance(node, ast.Attribute) and node.attr in ({"send_sms"} | MAIL_NAMES):
            found.append(f"{name}:{node.lineno} uses .{node.attr}")
    return found


def test_no_module_outside_the_notifications_calls_an_sms_or_mail_backend():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] == "notifications" or "tests" in parts or "migrations" in parts or path in ALLOWED:
            continue
        offenders += _direct_sends(path)
    assert not offenders, (
        "send through leadline.notifications.services (notify / queue_to_address):\n" + "\n".join(offenders)
    )


def test_the_scan_finds_a_direct_send(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text(
        "from django.core.mail import send_mail\nfrom leadline.core import sms\nsms.send_sms('1', 'x')\n"
    )
    assert len(_direct_sends(bad, root=tmp_path)) == 3
