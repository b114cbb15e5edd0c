"""What the browser tests do again and again: sign in, open the menu, check accessibility and layout."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, ViewportSize, expect

DEMO_TIME_ZONE = "America/New_York"  # leadline.demo.seed's site

CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
MOBILE_WIDTH = 360
VIEWPORT: ViewportSize = {"width": MOBILE_WIDTH, "height": 740}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def path_of(page: Page) -> str:
    return urlparse(page.url).path


def demo_password() -> str:
    # Imported late: leadline.demo.seed imports models, which need Django set up (pytest-django does it).
    from leadline.demo.seed import DEMO_PASSWORD

    return DEMO_PASSWORD


def submit_sign_in(page: Page, base_url: str, username: str, password: str | None = None) -> None:
    """Fill in and send the sign-in form, whatever the outcome."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password() if password is None else password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_in(page: Page, base_url: str, username: str, password: str | None = None) -> None:
    """Sign in as a demo user (no MFA: the demo runs with DEBUG on) and land on the home page."""
    submit_sign_in(page, base_url, username, password)
    if path_of(page).startswith("/accounts/"):
        error = page.locator(".error-summary, .error").all_inner_texts()
        pytest.fail(
            f"signing in as {username!r} did not succeed; still on {page.url}: {error}", pytrace=False
        )
    expect(page.locator("details.menu > summary")).to_be_visible()


def open_menu(page: Page) -> Locator:
    """Open the <details class="menu"> and return its navigation links (each has data-nav)."""
    menu = page.locator("details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("> summary").click()
    expect(menu).to_have_attribute("open", "")
    links = menu.locator("nav a[data-nav]")
    expect(links.first).to_be_visible()
    return links


def nav_keys(page: Page) -> list[str]:
    return [key or "" for key in (link.get_attribute("data-nav") for link in open_menu(page).all())]


def check_axe(page: Page, *, known: Mapping[str, str] | None = None) -> None:
    """Run axe-core (WCAG 2.1 A and AA) on the page; fail on any serious or critical violation.

    ``known`` names rule ids to tolerate on this page, each with the reason (third-party markup only).
    The page's context must be created with bypass_csp=True: the app's CSP refuses injected scripts.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        try:
            page.add_script_tag(path=str(AXE_JS))
        except PlaywrightError as exc:
            pytest.fail(
                f"axe-core could not be injected (context without bypass_csp=True?): {exc}", pytrace=False
            )
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            const result = await axe.run(document, options);
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({impact: n.impact, target: n.target.join(' ')})),
            }));
        }""",
        WCAG_TAGS,
    )
    known = known or {}
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS and v["id"] not in known]
    if blocking:
        lines = [f"axe: {len(blocking)} serious/critical WCAG 2.1 A/AA violation(s) on {page.url}"]
        for v in blocking:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
            lines.extend(f"      {node['target']}" for node in v["nodes"][:10])
            if len(v["nodes"]) > 10:
                lines.append(f"      ... and {len(v['nodes']) - 10} more")
        pytest.fail("\n".join(lines), pytrace=False)


def check_no_horizontal_scroll(page: Page) -> None:
    """At a 360 px wide viewport the page must not scroll sideways (1 px of rounding allowed)."""
    size = page.viewport_size
    if size is None or size["width"] != MOBILE_WIDTH:
        page.set_viewport_size(VIEWPORT)
    info: dict[str, Any] = page.evaluate(
        """(width) => {
            const edge = (el) => Math.round(el.getBoundingClientRect().right);
            const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (typeof el.className === 'string' && el.className.trim()
                   ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
            const offenders = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > width + 1)
                .slice(0, 10)
                .map((el) => `${describe(el)} (right edge at ${edge(el)} px)`);
            return {scrollWidth: document.documentElement.scrollWidth, offenders};
        }""",
        MOBILE_WIDTH,
    )
    if info["scrollWidth"] > MOBILE_WIDTH + 1:
        offenders = "\n".join(f"  {o}" for o in info["offenders"]) or "  (no single element found)"
        pytest.fail(
            f"{page.url} scrolls sideways at {MOBILE_WIDTH} px: scrollWidth is {info['scrollWidth']} px.\n"
            f"Elements reaching past the edge:\n{offenders}",
            pytrace=False,
        )


def site_today() -> date:
    """Today in the demo site's time zone (the server is another process: the test has no database)."""
    return datetime.now(ZoneInfo(DEMO_TIME_ZONE)).date()


def open_section(page: Page, section: str, *, form: str = "") -> None:
    """On a participant's page (issue #17: one section at a time), tap the section's name in its menu, and
    open the collapsed form ``form`` (the id of its <details>, e.g. "contact-form") if it is closed."""
    page.locator(f"[data-tab-link={section}]").click()
    expect(page.locator(f"[data-tab={section}]")).to_be_visible()
    if form:
        details = page.locator(f"details#{form}")
        if details.get_attribute("open") is None:
            details.locator("> summary").click()
        expect(details).to_have_attribute("open", "")
