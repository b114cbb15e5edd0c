"""Monthly status: housing, employment and income or benefits, one record per participant and month,
corrections that never silently overwrite, and none of it for police or prosecutors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadline.audit.models import AuditEvent
from leadline.cases import services
from leadline.cases.models import MonthlyStatus
from leadline.core import clock
from leadline.demo.testing import verified_client


def _month() -> str:
    return clock.today().strftime("%Y-%m")


def _post(client, pid, **kw):
    data = {"month": _month(), "housing": "sheltered", "employed": "no", "income_or_benefits": "yes"}
    data.update(kw)
    return client.post(f"/participants/{pid}/monthly/", data)


def test_the_case_manager_records_a_month_once_and_corrects_it(world):
    client = verified_client(world["case_manager"])
    assert _post(client, world.mine.pk).status_code == 302
    assert _post(client, world.mine.pk).status_code == 302  # the same answers again: still one record
    status = MonthlyStatus.objects.get(participant=world.mine)
    assert (status.housing, status.month.day, status.version) == ("sheltered", 1, 1)
    assert _post(client, world.mine.pk, housing="permanent", version=status.version).status_code == 302
    status.refresh_from_db()
    assert status.housing == "permanent" and status.version == 2
    events = AuditEvent.objects.filter(subject_type="monthly_status", subject_id=str(status.pk))
    assert [e.action for e in events.order_by("pk")] == ["create", "update"]
    page = client.get(f"/participants/{world.mine.pk}/").content.decode()
    assert f'data-month="{_month()}"' in page and "Permanent housing" in page


def test_two_corrections_of_one_month_do_not_overwrite_each_other(world):
    client = verified_client(world["case_manager"])
    _post(client, world.mine.pk)
    first = MonthlyStatus.objects.get().version
    services.monthly_status_record(
        actor=world["program_manager"], participant=world.mine, month=clock.today(),
        housing="unsheltered", employed="no", income_or_benefits="no", expected_version=first,
    )  # fmt: skip
    response = _post(client, world.mine.pk, housing="permanent", version=first)
    assert response.status_code == 409 and "Someone else recorded this month" in response.content.decode()
    assert MonthlyStatus.objects.get().housing == "unsheltered"


def test_bad_months_are_refused_with_the_field_named(world):
    client = verified_client(world["case_manager"])
    future = (clock.today().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    response = _post(client, world.mine.pk, month=future)
    assert response.status_code == 400 and "Month: it cannot be in the future." in response.content.decode()
    response = _post(client, world.mine.pk, month="2019-01")
    assert response.status_code == 400 and "last 24 months" in response.content.decode()
    response = _post(client, world.mine.pk, housing="a tent palace")
    assert response.status_code == 400
    assert not MonthlyStatus.objects.exists()


@pytest.mark.parametrize(
    "persona", ["officer", "police_liaison", "prosecutor", "defender", "outreach_worker"]
)
def test_monthly_status_stays_inside_the_case_side(world, persona):
    services.monthly_status_record(
        actor=world["case_manager"], participant=world.mine, month=clock.today(), housing="permanent",
        employed="yes", income_or_benefits="yes", expected_version=None,
    )  # fmt: skip
    client = verified_client(world[persona])
    assert _post(client, world.mine.pk).status_code in (403, 404)
    page = client.get(f"/participants/{world.mine.pk}/").content.decode()
    assert "Permanent housing" not in page and "data-monthly" not in page
