"""Legal's kinds of work in the "needs you" inbox: the case manager's legal deadlines and court dates on the
caseload; the liaison prosecutor's notices to confirm and new charges to decide. Each appears in the right
person's inbox only and leaves when the work is done."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from leadline.consents.services import consent_record
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, sample_signature, verified_client
from leadline.legal import clock as legal_clock
from leadline.legal.models import NewCharge
from leadline.legal.records import new_charge_decide, record_add
from leadline.legal.services import matter_extend
from leadline.sites.models import Site


def inbox_keys(user) -> set[str]:
    return set(re.findall(r'data-work="([^"]+)"', home(user)))


def home(user) -> str:
    return verified_client(user).get("/").content.decode()


def test_inbox_leaves_when_done__legal_deadline(world):
    carmen, matter = world["case_manager"], world.matter
    key = f"legal_matter:{matter.pk}"
    assert key not in inbox_keys(carmen)  # 30 days left: not yet
    site = Site.objects.get()
    last = legal_clock.last_day(matter.incident_at, 30, site.time_zone)
    soon = legal_clock.start_of_day(last - timedelta(days=3), site.time_zone) + timedelta(hours=12)
    with time_machine.travel(soon, tick=False):
        page = home(carmen)
        assert f'data-work="{key}"' in page and "3 days left" in page
        assert key not in inbox_keys(world.casey) and key not in inbox_keys(world["program_manager"])
        assert key not in inbox_keys(world["prosecutor"])  # the prosecutor's work is the notice, later

        matter_extend(actor=world["prosecutor"], matter_id=matter.pk, days=30, reason="Intake next week",
                      version=matter.version)  # fmt: skip
        assert key not in inbox_keys(carmen)  # the last day moved out of the warning period


def test_inbox_leaves_when_done__court_date(world):
    carmen = world["case_manager"]
    day = clock.today() + timedelta(days=2)
    record_add(actor=world["prosecutor"], participant=world.mine, kind="court_date",
               values={"date": day.isoformat(), "time": "09:30", "court": "City Court"})  # fmt: skip
    from leadline.legal.models import CourtDate

    court = CourtDate.objects.get(participant=world.mine)
    key = f"court_date:{court.pk}"
    page = home(carmen)
    assert f'data-work="{key}"' in page and "City Court" in page
    assert key not in inbox_keys(world.casey) and key not in inbox_keys(world["prosecutor"])

    with time_machine.travel(court.at + timedelta(hours=3), tick=False):
        assert key not in inbox_keys(carmen)  # the hearing is over


def test_inbox_leaves_when_done__legal_notice(world):
    priya, notice = world["prosecutor"], world.notice
    key = f"legal_notice:{notice.pk}"
    page = home(priya)
    assert f'data-work="{key}"' in page and world.other.display_name in page
    assert f'href="/legal/{world.other_matter.pk}/"' in page  # where the notice is confirmed
    for persona in ("defender", "case_manager", "program_manager", "officer"):
        assert key not in inbox_keys(world[persona]), persona

    response = verified_client(priya).post(f"/legal/notices/{notice.pk}/confirm/")
    assert response.status_code == 302
    assert key not in inbox_keys(priya)


def test_inbox_leaves_when_done__new_charge(world):
    priya, charge = world["prosecutor"], world.charge
    key = f"new_charge:{charge.pk}"
    page = home(priya)
    assert f'data-work="{key}"' in page and world.mine.display_name in page
    assert f'href="/legal/people/{world.mine.pk}/"' in page  # where the decision is made
    for persona in ("defender", "case_manager", "program_manager"):
        assert key not in inbox_keys(world[persona]), persona

    new_charge_decide(actor=priya, charge_id=charge.pk, decision="hold", reason="Let the diversion run",
                      version=charge.version)  # fmt: skip
    assert key not in inbox_keys(priya)


def test_a_new_charge_of_someone_reached_only_under_a_consent_is_listed_without_the_name(world):
    priya, carmen = world["prosecutor"], world["case_manager"]
    p = ParticipantFactory.create(case_manager=carmen, given_name="Quincy", family_name="Underhill")
    consent_record(
        actor=carmen, participant=p, kind="criminal_justice", method="written", recipient_kind="prosecutor",
        recipient_agency=priya.agency, categories=("status", "attendance"), purpose="So the DA can follow",
        expires_on=clock.today() + timedelta(days=180), signature=sample_signature(),
    )  # fmt: skip
    charge = NewCharge.objects.create(
        participant=p, statute="PL 140.10", occurred_on=clock.today(), source="entered", flagged_by=priya,
        flagged_at=clock.now(),
    )  # fmt: skip
    page = home(priya)
    assert f'data-work="new_charge:{charge.pk}"' in page and "PL 140.10" in page
    assert "Underhill" not in page  # named on the person's page, where the disclosure is recorded
