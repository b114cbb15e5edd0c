"""Notifications in one place (issue #8, item 4): in the app always; email and SMS by preference, after
the transaction commits, outside quiet hours (hand-off pages excepted), retried, visible in the outbox —
and never carrying participant content."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from leadline.audit.models import AuditEvent
from leadline.core import clock, sms
from leadline.core.refusals import Conflict, Refused
from leadline.notifications import services
from leadline.notifications.models import Delivery, Notification, Preference
from leadline.notifications.testing import send_queued_deliveries

pytestmark = pytest.mark.django_db
K = Notification.Kind


@pytest.fixture
def carmen(small_world):
    user = small_world["case_manager"]
    user.email, user.phone = "carmen@lead.example", "+1 585 555 0100"
    user.save()
    return user


def _local(hour: int, minute: int = 0) -> datetime:
    from leadline.sites.models import Site

    zone = ZoneInfo(Site.objects.get().time_zone)
    return datetime.combine(clock.today() + timedelta(days=1), time(hour, minute), tzinfo=zone)


def test_a_notification_is_in_the_app_and_goes_by_email_after_commit_saying_only_sign_in(
    carmen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        made = services.notify([carmen], kind=K.MESSAGE, url="/messages/7/")
        assert not mail.outbox  # nothing leaves before the transaction commits
    for callback in pending:
        callback()
    assert not mail.outbox  # the commit queues a task; the worker sends it
    assert send_queued_deliveries() == 1
    assert Notification.objects.get(pk=made[0].pk).read_at is None and services.unread_count(carmen) == 1
    sent = mail.outbox[-1]
    assert sent.to == ["carmen@lead.example"] and "You have a new message in Leadline" in sent.body
    assert "/messages/7/" in sent.body and "never puts the details in an email" in sent.body
    assert Delivery.objects.get(notification=made[0]).status == Delivery.Status.SENT
    assert not Delivery.objects.filter(channel=Delivery.Channel.SMS).exists()  # SMS only when chosen


def test_only_a_hand_off_page_carries_its_own_text():
    with pytest.raises(ValueError):
        services.notify([], kind=K.MESSAGE, text="Tanya Brooks needs a bed")


def test_sms_by_preference_says_only_sign_in(carmen, settings, django_capture_on_commit_callbacks):
    settings.LEADLINE_SMS_BACKEND = "locmem"
    sms.outbox.clear()
    Preference.objects.create(user=carmen, by_sms=True, by_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([carmen], kind=K.ACTION_ITEM, url="/workgroup/")
    send_queued_deliveries()
    assert [m.to for m in sms.outbox] == ["+1 585 555 0100"] and not mail.outbox
    assert sms.outbox[0].body.startswith("Leadline: An action item in Leadline is yours. Sign in")


def test_a_failed_email_is_retried_with_growing_waits_then_given_up_and_shown_in_the_outbox(
    carmen, small_world, login, monkeypatch, django_capture_on_commit_callbacks
):
    import django.core.mail

    def down(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(django.core.mail, "send_mail", down)
    with django_capture_on_commit_callbacks(execute=True):
        made = services.notify([carmen], kind=K.MEETING, url="/workgroup/")
    send_queued_deliveries()
    delivery = Delivery.objects.get(notification=made[0])
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert delivery.last_error == "ConnectionRefusedError: mail server down"
    assert delivery.notification is not None
    wait = delivery.next_attempt_at - delivery.notification.created_at
    assert timedelta(minutes=1) <= wait < timedelta(minutes=1, seconds=5)
    waits = []
    for _attempt in range(4):
        delivery.refresh_from_db()
        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False):
            before = clock.now()
            assert services.deliver_due() == 0
        delivery.refresh_from_db()
        waits.append(
            delivery.next_attempt_at - before if delivery.status == Delivery.Status.PENDING else None
        )
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == services.MAX_ATTEMPTS
    assert [w.total_seconds() // 60 if w else None for w in waits] == [5, 30, 120, None]
    adam = login(small_world["site_admin"])
    page = adam.get("/notifications/outbox/?status=failed").content.decode()
    assert f'data-delivery="{delivery.pk}"' in page and "ConnectionRefusedError" in page
    assert "mail server down" in page and "You have" not in page  # status and error, never what it said
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert adam.post(f"/notifications/outbox/{delivery.pk}/retry/").status_code == 302
    assert send_queued_deliveries() == 1
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT
    assert login(small_world["case_manager"]).get("/notifications/outbox/").status_code == 403


def test_quiet_hours_hold_email_until_they_end_but_never_a_hand_off_page(
    carmen, settings, django_capture_on_commit_callbacks
):
    settings.LEADLINE_SMS_BACKEND = "locmem"
    sms.outbox.clear()
    Preference.objects.create(user=carmen, by_sms=True, quiet_from=time(22), quiet_until=time(7))
    with time_machine.travel(_local(23, 30), tick=False), django_capture_on_commit_callbacks(execute=True):
        services.notify([carmen], kind=K.MESSAGE, url="/messages/1/")
        page = "LEAD hand-off #3: arrest diversion, PL 220.03, Main St & Clinton Ave."
        services.notify([carmen], kind=K.HANDOFF_PAGE, url="/referrals/handoffs/3/", text=page)
    with time_machine.travel(_local(23, 31), tick=False):
        send_queued_deliveries()
    assert [m.body.split(" http")[0] for m in sms.outbox] == [
        "LEAD hand-off #3: arrest diversion, PL 220.03, Main St & Clinton Ave."
    ]
    paged = [m for m in mail.outbox if "hand-off needs you" in m.body]  # its email: the fixed sentence only
    assert len(paged) == 1 and "Clinton Ave" not in str(paged[0].body) + str(paged[0].subject)
    held = Delivery.objects.filter(notification__kind=K.MESSAGE)
    assert {d.next_attempt_at for d in held} == {_local(7) + timedelta(days=1)}
    with time_machine.travel(_local(6, 59) + timedelta(days=1), tick=False):
        assert services.deliver_due() == 0
    with time_machine.travel(_local(7, 1) + timedelta(days=1), tick=False):
        assert services.deliver_due() == 2  # the email and the SMS the quiet hours held
    assert not Delivery.objects.filter(status=Delivery.Status.PENDING, notification__user=carmen).exists()


def test_a_muted_kind_stays_in_the_app(carmen, django_capture_on_commit_callbacks):
    Preference.objects.create(user=carmen, muted_kinds=[K.MEETING])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([carmen], kind=K.MEETING, url="/workgroup/")
    assert Notification.objects.filter(user=carmen).count() == 1 and not mail.outbox


def test_my_notifications_and_how_i_am_told(carmen, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([carmen], kind=K.ACTION_ITEM, url="/workgroup/")
    client = login(carmen)
    page = client.get("/notifications/").content.decode()
    assert "An action item in Leadline is yours" in page and "data-unread" in page
    assert client.post("/notifications/read/").status_code == 302
    assert services.unread_count(carmen) == 0
    assert client.get("/notifications/settings/").status_code == 200
    bad = client.post("/notifications/settings/", {"by_email": "on", "quiet_from": "22:00", "version": 1})
    assert bad.status_code == 400 and "Give both ends of the quiet hours" in bad.content.decode()
    ok = {
        "by_email": "on",
        "quiet_from": "22:00",
        "quiet_until": "06:30",
        "muted_kinds": ["meeting"],
        "version": 1,
    }
    assert client.post("/notifications/settings/", ok).status_code == 302
    saved = Preference.objects.get(user=carmen)
    assert (saved.quiet_from, saved.quiet_until, saved.muted_kinds) == (time(22), time(6, 30), ["meeting"])
    stale = client.post("/notifications/settings/", {**ok, "by_sms": "on", "version": 0})
    assert stale.status_code == 409 and not Preference.objects.get(user=carmen).by_sms
    muted = client.post("/notifications/settings/", {**ok, "muted_kinds": ["handoff_page"], "version": 1})
    assert muted.status_code == 400  # hand-off pages cannot be muted
    # The same form sent again (its version now old) is answered as saved, and changes nothing more.
    audited = AuditEvent.objects.filter(subject_type="notification_preference").count()
    assert client.post("/notifications/settings/", ok).status_code == 302
    assert Preference.objects.get(user=carmen).version == saved.version
    assert AuditEvent.objects.filter(subject_type="notification_preference").count() == audited == 1


def test_preferences_are_saved_by_their_service_only_when_valid(carmen):
    with pytest.raises(Refused) as muted:
        services.preference_update(actor=carmen, version=1, by_email=True, by_sms=False,
                                   muted_kinds=["handoff_page"], quiet_from=None,
                                   quiet_until=None)  # fmt: skip
    assert muted.value.field == "muted_kinds"
    with pytest.raises(Refused) as half:
        services.preference_update(actor=carmen, version=1, by_email=True, by_sms=False, muted_kinds=[],
                                   quiet_from=time(22), quiet_until=None)  # fmt: skip
    assert half.value.field == "quiet_until" and not Preference.objects.filter(user=carmen).exists()
    pref, changed = services.preference_update(actor=carmen, version=1, by_email=False, by_sms=False,
                                               muted_kinds=[], quiet_from=None, quiet_until=None)  # fmt: skip
    assert changed and pref.version == 1
    with pytest.raises(Conflict):  # read before that save, and different from it
        services.preference_update(actor=carmen, version=0, by_email=True, by_sms=False, muted_kinds=[],
                                   quiet_from=None, quiet_until=None)  # fmt: skip


def test_a_failed_sms_is_retried_and_visible_too(
    carmen, settings, small_world, login, django_capture_on_commit_callbacks
):
    settings.LEADLINE_SMS_BACKEND = "http"
    settings.LEADLINE_SMS_URL = "http://127.0.0.1:9/unreachable"  # nothing listens: the provider is down
    Preference.objects.create(user=carmen, by_sms=True, by_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        made = services.notify([carmen], kind=K.MESSAGE, url="/messages/1/")
    send_queued_deliveries()
    failed = Delivery.objects.get(notification=made[0])
    assert (failed.channel, failed.status, failed.attempts) == (
        Delivery.Channel.SMS,
        Delivery.Status.PENDING,
        1,
    )
    assert failed.last_error.startswith("SmsError")
    paula = login(small_world["program_manager"])
    outbox = paula.get("/notifications/outbox/?status=pending").content.decode()
    assert f'data-delivery="{failed.pk}"' in outbox and "SmsError" in outbox
    settings.LEADLINE_SMS_BACKEND = "locmem"  # the provider is back
    sms.outbox.clear()
    with time_machine.travel(failed.next_attempt_at + timedelta(seconds=1), tick=False):
        assert services.deliver_due() == 1
    assert [m.to for m in sms.outbox] == ["+1 585 555 0100"] and "new message" in sms.outbox[0].body
    assert Delivery.objects.get(pk=failed.pk).status == Delivery.Status.SENT


def test_a_top_level_service_refuses_to_run_inside_a_callers_transaction(carmen):
    # durable=True: the service is the whole unit of work, never silently a savepoint in someone else's.
    from django.db import transaction

    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.preference_update(actor=carmen, version=1, by_email=False, by_sms=False, muted_kinds=[],
                                   quiet_from=None, quiet_until=None)  # fmt: skip
    assert not Preference.objects.filter(user=carmen).exists()
