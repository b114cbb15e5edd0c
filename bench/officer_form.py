"""The officer's referral form on a phone over a slow mobile connection (issue #3: under 100 KB
transferred, usable on Chromium's "Slow 3G" profile).

    python bench/officer_form.py

Starts the embedded demo (`leadline run`) on a free port with a scratch database, signs in as the demo
officer in Debian's Chromium at 360x740, then with the network throttled to Chromium DevTools' Slow 3G
preset (500 kbit/s down, 500 kbit/s up, 2,000 ms latency) and the cache disabled, opens the form,
fills it and submits it. Prints the bytes transferred for the form page (all its resources) and the times.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 500 * 1024 / 8,
    "uploadThroughput": 500 * 1024 / 8,
}


def main() -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="leadline-form-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LEADLINE_VAR_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp}/form.sqlite3",
           "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "leadline", "run", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.25)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update"],
            )  # fmt: skip
            context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base)
            page = context.new_page()
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill("olivia")
            page.get_by_label("Password").fill("lead-demo-2026")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            transferred: dict[str, float] = {}
            cdp.on(
                "Network.loadingFinished",
                lambda e: transferred.__setitem__(e["requestId"], e["encodedDataLength"]),
            )
            t0 = time.perf_counter()
            page.goto("/referrals/new/", wait_until="load")
            loaded = time.perf_counter() - t0
            page_bytes = sum(transferred.values())
            t1 = time.perf_counter()
            page.get_by_label("Arrest diversion").check()
            page.get_by_label("Given name").fill("Slow")
            page.get_by_label("Family name").fill("Network")
            page.get_by_label("Date of birth", exact=True).fill("1990-01-01")
            page.get_by_label("Offence").select_option(label="PL 140.10 Criminal trespass, 3rd degree")
            page.locator("input[name=person_agrees][value=yes]").check()
            page.get_by_role("button", name="Submit referral").click()
            page.wait_for_selector("[data-status]")
            submitted = time.perf_counter() - t1
            status = page.locator("[data-status]").get_attribute("data-status")
            browser.close()
        kb = page_bytes / 1024
        print(f"form page on Slow 3G (cache off): {kb:.1f} KB transferred, loaded in {loaded:.1f} s")
        print(f"fill + submit + decision page on Slow 3G: {submitted:.1f} s (automated typing); {status}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
