"""Requests that tell someone something, with the SMS provider and the mail server hung (issue #15, item 7).

A demo database (SQLite, a fresh file); an SMS provider (the `http` backend's URL) and an SMTP server that
accept the connection and never answer, as a provider in trouble does. Each request below runs through the
whole Django stack in this process (middleware, view, commit, on-commit work) and is timed:

- the officer's "Call the LEAD line" (pages the on-call case manager by SMS and email);
- the case manager acknowledging a request made by phone (texts the officer back);
- the case manager referring a participant to an organisation answered by email (emails the answer link).

    python bench/hung_provider.py [--repeat 2]

Run from any checkout: it uses the tree it sits in (before/after figures: docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def hung_server() -> int:
    """Listen, accept, and never say a word (until the process ends)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            conn, _ = server.accept()
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    ns = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="leadline-hung-"))
    sms_port, smtp_port = hung_server(), hung_server()
    os.environ.update({
        "LEADLINE_VAR_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3", "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ALLOWED_HOSTS": "testserver",
        "LEADLINE_SMS_BACKEND": "http", "LEADLINE_SMS_URL": f"http://127.0.0.1:{sms_port}/send",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    })  # fmt: skip
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port
    from leadline.accounts.models import User
    from leadline.core import clock
    from leadline.demo.seed import seed_demo
    from leadline.demo.testing import make_referral, verified_client
    from leadline.directory.models import Service
    from leadline.participants.models import Participant
    from leadline.referrals.models import Handoff
    from leadline.referrals.services.handoffs import handoff_raise

    call_command("migrate", "--no-input", verbosity=0)
    seed_demo()
    officer, carmen = User.objects.get(username="olivia"), User.objects.get(username="carmen")
    service = Service.objects.get(name="ID and birth certificate clinic")
    mine = list(Participant.objects.filter(case_manager=carmen).order_by("pk")[: ns.repeat])
    olivia_client, carmen_client = verified_client(officer), verified_client(carmen)

    # What each request needs is made first, outside the timing (before the fix, raising a request by phone
    # itself waited on the provider: that is the LEAD-line request's figure).
    referrals = [make_referral(officer, given_name=f"Bench{i}") for i in range(ns.repeat)]
    handoffs = [
        handoff_raise(
            actor=officer,
            referral=None,
            callback_phone="+15855550199",
            now=clock.now(),
            ack_minutes=5,
            channel=Handoff.Channel.SMS,
        )
        for _ in range(ns.repeat)
    ]
    requests = {
        "LEAD-line request (officer)": lambda i: olivia_client.post(
            f"/referrals/{referrals[i].pk}/handoff/", {"callback_phone": "+15855550199"}),
        "acknowledge a phone request": lambda i: carmen_client.post(
            f"/referrals/handoffs/{handoffs[i].pk}/acknowledge/", {"eta_minutes": "12"}),
        "refer to an email-only organisation": lambda i: carmen_client.post(
            f"/directory/refer/{mine[i].pk}/",
            {"service": service.pk, "reason": "Bench", "idempotency_key": uuid.uuid4().hex}),
    }  # fmt: skip
    print(f"SMS provider and mail server hung (accept, never answer); {ns.repeat} request(s) each")
    for name, request in requests.items():
        times, codes = [], []
        for i in range(ns.repeat):
            began = time.perf_counter()
            codes.append(request(i).status_code)
            times.append(time.perf_counter() - began)
        print(f"  {name:<38} median {statistics.median(times):6.2f} s  worst {max(times):6.2f} s  "
              f"(HTTP {sorted(set(codes))})")  # fmt: skip
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
