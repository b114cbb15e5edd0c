"""The period selector: each bad input is refused (400) with its error on the field it is about."""

from __future__ import annotations

import pytest

from leadline.operations.periods import PeriodForm


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"period": "custom"}, "start", "Choose a date for a custom period."),
        ({"period": "custom", "start": "2026-11-01"}, "end", "Choose a date for a custom period."),
        ({"period": "custom", "start": "2026-13-01", "end": "2026-11-02"}, "start", "Enter a valid date."),
        (
            {"period": "custom", "start": "2026-11-10", "end": "2026-11-02"},
            "end",
            "The end date is before the start",
        ),
        ({"period": "custom", "start": "2025-01-01", "end": "2026-11-02"}, "end", "at most 366 days"),
        ({"period": "custom", "start": "2026-11-01", "end": "2026-11-19"}, "end", "no later than today"),
        (
            {"period": "custom", "start": "1999-12-31", "end": "2000-01-02"},
            "start",
            "Choose a date from 2000-01-01",
        ),
        ({"period": "year"}, "period", "Select a valid choice."),
    ],
)
def test_a_bad_period_is_refused_on_its_field(ops, login, query, field, message):
    form = PeriodForm(query)
    assert not form.is_valid()
    assert any(message in e for e in form.errors[field]), form.errors
    response = login(ops["program_manager"]).get("/operations/", query)
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        f'id="id_{field}_error"' in page and 'href="#id_' + field + '"' in page
    )  # at the field, and summed up
    assert "data-figure" not in page


def test_a_custom_period_of_a_year_up_to_today_is_shown(ops, login):
    response = login(ops["program_manager"]).get(
        "/operations/", {"period": "custom", "start": "2025-11-19", "end": "2026-11-18"}
    )
    assert response.status_code == 200
    assert 'data-figure="referrals"' in response.content.decode()
    assert len(response.context["d"].contacts.weeks) == 53
