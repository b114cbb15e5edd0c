"""Break-glass, the service (moved from audit/tests/test_audit.py with break-glass, issue #16)."""

from __future__ import annotations

import pytest

from leadline.participants.breakglass import BreakGlassRefused, break_glass_open
from leadline.participants.models import BreakGlassGrant


def test_break_glass_needs_a_written_reason_and_a_bounded_time(world):
    admin = world["site_admin"]
    with pytest.raises(BreakGlassRefused):
        break_glass_open(actor=admin, participant_id=world.mine.pk, reason="because", minutes=10)
    with pytest.raises(BreakGlassRefused):
        break_glass_open(actor=admin, participant_id=world.mine.pk, reason="x" * 40, minutes=24 * 60)
    with pytest.raises(BreakGlassRefused):
        break_glass_open(
            actor=world["program_manager"], participant_id=world.mine.pk, reason="x" * 40, minutes=5
        )
    assert not BreakGlassGrant.objects.exists()
