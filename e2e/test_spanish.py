"""Working in Spanish on phone-sized screens (issue #15, items 1 and 2): a case manager corrects a
participant's identity in Spanish and the date of birth survives; the program manager's policy pack keeps its
dates; the evidence page's charts draw, with plain numbers for their geometry and Spanish labels."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.e2e

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER = r"-?(?:\d+\.?\d*|\.\d+)"
# The attributes of a chart that hold one number (a comma in one is a decimal comma).
SINGLE = ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "stroke-width", "font-size")
CASELOAD = "section[aria-labelledby='caseload-h'] .cards li"


def in_spanish(page: Page) -> None:
    """Choose Español in the footer, as a person would; the pages answer in Spanish from then on."""
    page.select_option("#language", "es")
    page.locator("form.lang button").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")


def _identity_form(page: Page):
    page.locator("details:has([data-identity-form]) > summary").click()
    form = page.locator("[data-identity-form]")
    expect(form).to_be_visible()
    return form


def _save_preferred_name(page: Page, name: str) -> str:
    """Open "Corregir la identidad", check the date of birth is there in ISO, change only the preferred name
    and save; returns the date of birth the form held."""
    form = _identity_form(page)
    dob = form.get_by_label("Fecha de nacimiento")
    expect(dob).to_have_attribute("type", "date")
    value = dob.input_value()  # what the browser kept of the value attribute: ISO, or "" if it was not
    assert ISO_DATE.fullmatch(value), f"the date of birth reads {value!r} in the form"
    form.get_by_label("Nombre preferido").fill(name)
    form.get_by_role("button", name="Guardar la identidad").click()
    expect(page.locator(".msg")).to_contain_text("Identidad actualizada.")
    return value


def test_a_case_manager_corrects_an_identity_in_spanish_and_the_date_of_birth_stays(page: Page) -> None:
    sign_in(page, "", "carmen")
    in_spanish(page)
    page.locator(CASELOAD).last.locator("a").click()
    shown = page.locator("dl dt:text-is('Fecha de nacimiento') + dd").inner_text().strip()
    assert ISO_DATE.fullmatch(shown), f"the participant has no date of birth to keep: {shown!r}"
    before = page.locator("dl dt:text-is('Nombre preferido') + dd")
    original = before.inner_text().strip() if before.count() else ""
    check_axe(page)
    check_no_horizontal_scroll(page)

    kept = _save_preferred_name(page, "Nico")
    assert kept == shown
    expect(page.locator("dl dt:text-is('Fecha de nacimiento') + dd")).to_have_text(shown)
    expect(page.locator("dl dt:text-is('Nombre preferido') + dd")).to_have_text("Nico")

    # Once more, putting the preferred name back: the date of birth is still there, still ISO.
    assert _save_preferred_name(page, original) == shown
    expect(page.locator("dl dt:text-is('Fecha de nacimiento') + dd")).to_have_text(shown)


def test_the_policy_pack_in_spanish_keeps_its_dates(page: Page) -> None:
    sign_in(page, "", "paula")
    in_spanish(page)
    page.goto("/policy-pack/")
    start, end = page.get_by_label("Desde"), page.get_by_label("Hasta (inclusive)")
    first, last = start.input_value(), end.input_value()  # the last full quarter
    assert ISO_DATE.fullmatch(first) and ISO_DATE.fullmatch(last), (first, last)
    check_axe(page)
    check_no_horizontal_scroll(page)
    # Sent unchanged, the form shows the same period (a blank date would be refused, naming the field).
    page.get_by_role("button", name="Mostrar el informe").click()
    expect(page.locator("[data-period]")).to_have_attribute("data-period", f"{first}/{last}")
    expect(page.get_by_label("Desde")).to_have_value(first)
    expect(page.get_by_label("Hasta (inclusive)")).to_have_value(last)
    expect(page.locator(".has-error")).to_have_count(0)


def test_the_evidence_page_in_spanish_draws_every_chart_with_plain_numbers(page: Page) -> None:
    sign_in(page, "", "paula")
    in_spanish(page)
    page.goto("/evidence/")
    expect(page.locator("h1")).to_have_text("Evidencia")
    charts = page.locator("svg[data-chart]")
    expect(charts.first).to_be_visible()
    assert charts.count() == 8  # effects, survival, costs, monthly and four funnel stages
    for chart in charts.all():
        kind = chart.get_attribute("data-chart")
        xml = chart.evaluate("svg => new XMLSerializer().serializeToString(svg)")
        root = ET.fromstring(xml)  # noqa: S314 (the page under test)
        bad = []
        for element in root.iter():
            for name in SINGLE:
                value = element.get(name)
                if value is not None and not re.fullmatch(rf"{NUMBER}%?", value):
                    bad.append(f"{element.tag.split('}')[-1]} {name}={value!r}")
            view_box = element.get("viewBox")
            if view_box is not None and not re.fullmatch(rf"{NUMBER}( {NUMBER}){{3}}", view_box):
                bad.append(f"viewBox={view_box!r}")
            path = element.get("d")
            if path is not None and re.search(r"[HV]\s*-?\d+,\d", path):
                bad.append(f"d={path[:60]!r}")
        assert not bad, f"chart {kind!r} has numbers that are not plain: {bad[:10]}"
        # The browser drew it: a chart with unreadable geometry has no size.
        box = chart.bounding_box()
        assert box is not None and 0 < box["width"] <= 360 and box["height"] > 20, (kind, box)
        assert chart.locator("title").text_content(), f"{kind} chart without a title"
    # Labels are the reader's: the axis of the effects chart reads 0,5, in Spanish.
    ticks = page.locator('svg[data-chart="effects"] text')
    expect(ticks.filter(has_text=re.compile(r"^0,5$"))).to_have_count(1)
    check_axe(page)
    check_no_horizontal_scroll(page)
