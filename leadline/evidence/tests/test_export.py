"""The operational export: Leadline's participants as the engine's pseudonymous input files."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from django.core.management import call_command

from leadline.cases.models import MonthlyStatus
from leadline.core import clock
from leadline.evidence.engine import evaluate
from leadline.evidence.inputs import load
from leadline.legal.services import person_key
from leadline.referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_the_export_is_pseudonymous_valid_and_runs_through_the_engine(world, tmp_path):
    Referral.objects.filter(pk=world.eligible.pk).update(participant=world.mine)
    first = clock.today().replace(day=1)
    months = [(first - timedelta(days=1)).replace(day=1), first]  # the month before, the referral's month
    for month, housing in zip(months, ["unsheltered", "permanent"], strict=True):
        MonthlyStatus.objects.create(participant=world.mine, month=month, housing=housing, employed="no",
                                     income_or_benefits="yes", recorded_by=world["case_manager"],
                                     recorded_at=clock.now())  # fmt: skip
    call_command("export_evidence", "--out", str(tmp_path), "--as-of", clock.today().isoformat())
    text = "".join((tmp_path / f"{name}.csv").read_text() for name in ("people", "events", "monthly"))
    assert world.mine.family_name not in text and world.mine.given_name not in text  # pseudonymous
    people = list(csv.DictReader((tmp_path / "people.csv").open()))
    mine = next(p for p in people if p["person_key"] == person_key(world.mine.pk))
    assert mine["group"] == "lead" and mine["race"] == "Unknown"
    monthly = list(csv.DictReader((tmp_path / "monthly.csv").open()))
    assert [
        (m["month"], m["housed_permanent"]) for m in monthly if m["person_key"] == mine["person_key"]
    ] == [
        ("0", "0"),
        ("1", "1"),
    ]
    data = load(tmp_path)  # the engine's own checks accept it
    result = evaluate(data)
    assert result["n"]["lead"] == len(people) and result["n"]["comparison"] == 0
    assert "monthly" in result
