"""A small program with figures known by hand, frozen on Wednesday 18 November 2026, 10:00 in Rochester.

"This month" is 1–18 November: the weeks starting Monday 26 October (Sunday the 1st), 2, 9 and 16 November.

People (``ops.p``):
- A: Carmen's, referred 1 August, engaged 3 November (Clinton Section arrest diversion R1 of 3 November is
  theirs, intake completed 5 November); last reached 3 November; no status for October.
- B: Carmen's, created active 10 November; last reached 17 November; October's status recorded; a plan step
  due 10 November (overdue), one due 20 November, one due 1 November already done.
- C: Casey's, active from 1 July, inactive 14 October, exited 17 November.
- D: referred 1 September, exited 20 September.
- E: Casey's, referred 12 November (an intake due).
- F: on no caseload, inactive since 1 October, never reached.
- G: Carmen's, active; their legal matter is sealed (left out of every export).
- M: a duplicate merged into A (left out of everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from leadline.accounts.models import Agency
from leadline.cases.models import Contact, Intake, MonthlyStatus, PlanGoal, PlanItem
from leadline.demo.testing import ParticipantFactory, make_referral
from leadline.legal.models import LegalMatter
from leadline.participants.models import Participant, StatusChange
from leadline.referrals.models import Handoff, Referral

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=NY)


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


@dataclass
class Ops:
    world: Any
    p: dict[str, Participant]
    referrals: dict[str, Referral]

    def __getitem__(self, persona: str) -> Any:
        return self.world[persona]


def _person(
    key: str,
    *,
    created: datetime,
    status: str,
    moves: list[tuple[datetime, str, str]] = (),  # type: ignore[assignment]
    engaged: datetime | None = None,
    **fields: Any,
) -> Participant:
    p: Participant = ParticipantFactory.create(
        given_name=f"Secret{key}",
        family_name="Nameless",
        created_at=created,
        updated_at=created,
        status=status,
        engaged_at=engaged,
        last_known_whereabouts=f"Under bridge {key}",
        **fields,
    )
    for when, frm, to in moves:
        StatusChange.objects.create(
            participant=p, from_status=frm, to_status=to, note="test", changed_at=when
        )
    return p


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def ops(small_world, frozen) -> Ops:
    w = small_world
    carmen, casey = w["case_manager"], w.casey
    p = {
        "A": _person(
            "A",
            created=at(8, 1),
            status="engaged",
            engaged=at(11, 3),
            case_manager=carmen,
            moves=[(at(11, 3), "referred", "engaged")],
            last_reached_at=at(11, 3),
            last_contact_at=at(11, 3),
        ),
        "B": _person(
            "B",
            created=at(11, 10),
            status="active",
            engaged=at(11, 10),
            case_manager=carmen,
            last_reached_at=at(11, 17),
            last_contact_at=at(11, 17),
        ),
        "C": _person(
            "C",
            created=at(7, 1),
            status="exited",
            engaged=at(7, 1),
            case_manager=casey,
            moves=[(at(10, 14), "active", "inactive"), (at(11, 17), "inactive", "exited")],
        ),
        "D": _person("D", created=at(9, 1), status="exited", moves=[(at(9, 20), "referred", "exited")]),
        "E": _person("E", created=at(11, 12), status="referred", case_manager=casey),
        "F": _person(
            "F",
            created=at(10, 1),
            status="inactive",
            engaged=at(10, 1),
            moves=[(at(10, 1, 13), "active", "inactive")],
        ),
        "G": _person(
            "G",
            created=at(10, 1),
            status="active",
            engaged=at(10, 1),
            case_manager=carmen,
            last_reached_at=at(11, 16),
        ),
    }
    p["M"] = _person("M", created=at(10, 5), status="active", engaged=at(10, 5), merged_into=p["A"])
    MonthlyStatus.objects.create(
        participant=p["B"],
        month=date(2026, 10, 1),
        housing="unknown",
        employed="no",
        income_or_benefits="no",
        recorded_by=carmen,
        recorded_at=at(11, 10),
    )
    MonthlyStatus.objects.create(
        participant=p["G"],
        month=date(2026, 10, 1),
        housing="unknown",
        employed="no",
        income_or_benefits="no",
        recorded_by=carmen,
        recorded_at=at(11, 10),
    )
    goal = PlanGoal.objects.create(
        participant=p["B"],
        domain="housing",
        text="A room",
        created_by=carmen,
        created_at=at(11, 10),
        idempotency_key="g",
    )
    for n, (due, done) in enumerate(
        [(date(2026, 11, 10), None), (date(2026, 11, 20), None), (date(2026, 11, 1), at(11, 2))]
    ):
        PlanItem.objects.create(
            goal=goal,
            action=f"Step {n}",
            owner="together",
            due_on=due,
            done_at=done,
            created_by=carmen,
            created_at=at(11, 10),
            idempotency_key=f"i{n}",
        )
    Intake.objects.create(
        participant=p["A"],
        started_at=at(11, 4),
        started_by=carmen,
        completed_at=at(11, 5),
        completed_by=carmen,
    )
    # Contacts: 1 Nov (Sunday, the first week), 3 and 4 Nov, 17 Nov; one on 31 October at 23:30 in Rochester
    # (already 1 November in UTC) stays out of November; G's (sealed) counts on the page, never in an export.
    for i, (who, when, kind, reached) in enumerate(
        [
            ("A", at(11, 1), "phone", True),
            ("A", at(11, 3), "in_person", True),
            ("B", at(11, 4), "outreach", False),
            ("B", at(11, 17), "phone", True),
            ("A", at(10, 31, 23, 30), "phone", True),
            ("G", at(11, 5), "text", True),
        ]
    ):
        Contact.objects.create(
            participant=p[who],
            kind=kind,
            reached=reached,
            occurred_at=when,
            place=f"Secret place {i}",
            summary=f"Secret summary {i}",
            logged_by=carmen,
            created_at=when,
            idempotency_key=f"c{i}",
        )
    # Hand-offs (phone requests, no referral needed): minutes to arrival 20, 40, 10 (week of 2 Nov), 30 (16
    # Nov), one still waiting, and one in October (99 minutes, outside the period).
    for i, (when, minutes) in enumerate(
        [
            (at(11, 3, 10), 20),
            (at(11, 4, 10), 40),
            (at(11, 5, 10), 10),
            (at(11, 17, 9), 30),
            (at(11, 17, 11), None),
            (at(10, 20, 10), 99),
        ]
    ):
        Handoff.objects.create(
            requested_by=w["officer"],
            callback_phone="+15855550100",
            requested_at=when,
            arrived_at=when + timedelta(minutes=minutes) if minutes else None,
            status="arrived" if minutes else "requested",
            provider_message_id=f"h{i}",
        )
    referrals = {}
    otto_precinct = "Genesee Section"
    for key, when, door, precinct in [
        ("R1", at(11, 3), "arrest_diversion", None),
        ("R2", at(11, 4), "social_contact", None),
        ("R3", at(11, 10), "arrest_diversion", otto_precinct),
        ("R4", at(11, 17), "community", ""),
        ("R5", at(10, 30), "arrest_diversion", None),
    ]:
        with time_machine.travel(when, tick=False):
            r = make_referral(w["officer"], occurred_at=when)
        fields: dict[str, Any] = {"door": door}
        if precinct == "":
            fields["precinct"] = None
        elif precinct:
            fields["precinct"] = Agency.objects.get(name=precinct)
        Referral.objects.filter(pk=r.pk).update(**fields)
        r.refresh_from_db()
        referrals[key] = r
    Referral.objects.filter(pk=referrals["R1"].pk).update(participant=p["A"])
    LegalMatter.objects.create(
        participant=p["G"],
        incident_at=at(10, 1),
        mode="expunge_after_participation",
        window_days=30,
        deadline_at=at(10, 31),
        state="cleared",
        sealed_at=at(11, 1),
        created_at=at(10, 1),
    )
    return Ops(world=w, p=p, referrals=referrals)
