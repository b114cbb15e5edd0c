"""Break-glass through its page: read access to the one participant, for its time only, every read
audited (moved from audit/tests/test_audit.py with the page, issue #16)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from leadline.audit.models import AuditEvent
from leadline.core import clock
from leadline.demo.testing import verified_client
from leadline.participants.models import BreakGlassGrant


def test_break_glass_opens_read_access_for_its_time_only_and_every_read_is_audited(world):
    admin = world["site_admin"]
    client = verified_client(admin)
    assert client.get(f"/participants/{world.mine.pk}/").status_code == 404
    with time_machine.travel(clock.now(), tick=False) as traveller:
        response = client.post(
            "/audit/break-glass/",
            {
                "participant_id": world.mine.pk,
                "reason": "Court order 26-CV-113 requires review",
                "minutes": 15,
            },
        )
        assert response.status_code == 302
        grant = BreakGlassGrant.objects.get()
        opened = AuditEvent.objects.get(action="break_glass")
        assert opened.reason == "Court order 26-CV-113 requires review" and opened.break_glass_id == grant.pk
        page = client.get(f"/participants/{world.mine.pk}/")
        assert page.status_code == 200 and b"Break-glass access" in page.content
        read = AuditEvent.objects.filter(action="view", actor_id=admin.pk).latest("id")
        assert read.break_glass_id == grant.pk
        # Only the participant named in the grant, and only reading.
        assert client.get(f"/participants/{world.other.pk}/").status_code == 404
        assert (
            client.post(
                f"/participants/{world.mine.pk}/notes/",
                {"body": "x", "sensitivity": "general", "idempotency_key": "bg"},
            ).status_code
            == 403
        )
        traveller.shift(timedelta(minutes=16))
        assert client.get(f"/participants/{world.mine.pk}/").status_code == 404
