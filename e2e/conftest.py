"""Fixtures for the browser tests: one demo server, one Chromium per session, a fresh context per test.

The server is `python -m leadline run` (migrate, seed the demo, runserver + task worker) in a
subprocess, on its own SQLite file in a temporary directory. pytest-django's live_server is not
used: its flush between tests would DELETE audit rows, which the audit table's triggers refuse.

Playwright cannot download browsers here, so the tests drive Debian's /usr/bin/chromium. Without it,
every test in this directory is skipped with a visible reason and a notice in the terminal summary.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from e2e.helpers import CHROMIUM, VIEWPORT, chromium_available

ROOT = Path(__file__).resolve().parent.parent
E2E_DIR = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SKIP_NOTICE = f"BROWSER TESTS SKIPPED: {CHROMIUM} not found (apt-get install -y chromium)"
# seconds: migrate + seed + runserver on a cold SQLite file (longer on a loaded machine)
SERVER_READY_TIMEOUT = float(os.environ.get("LEADLINE_E2E_SERVER_TIMEOUT", "180"))
ACTION_TIMEOUT_MS = 15_000

_collected_e2e = pytest.StashKey[int]()


def _is_e2e(item: pytest.Item) -> bool:
    return E2E_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item, not only this directory's, so filter by path.
    e2e_items = [item for item in items if _is_e2e(item)]
    config.stash[_collected_e2e] = len(e2e_items)
    skip = None if chromium_available() else pytest.mark.skip(reason=SKIP_NOTICE)
    for item in e2e_items:
        item.add_marker(pytest.mark.e2e)
        if skip is not None:
            item.add_marker(skip)
    # Browser tests last: Playwright's sync API keeps an event loop registered on the main thread, and
    # Django refuses ORM calls "from an async context" in any unit test that would run after it.
    items[:] = [item for item in items if not _is_e2e(item)] + e2e_items


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    if config.stash.get(_collected_e2e, 0) and not chromium_available():
        terminalreporter.section("browser tests", sep="=", yellow=True, bold=True)
        terminalreporter.write_line(SKIP_NOTICE, yellow=True, bold=True)


LINE_SECRET = "e2e-line-secret"
SERVER_ENV: dict[str, str] = {}  # the running demo server's environment, for `manage`


@pytest.fixture
def manage(base_url: str) -> Callable[..., str]:
    """manage("shell", "-c", code) -> stdout: a management command against the demo server's database."""

    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=SERVER_ENV,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    return run


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Whatever the outer environment says (CI may point DATABASE_URL at PostgreSQL), the demo server
    # runs embedded, on SQLite, with DEBUG on so the seeded demo users may skip MFA.
    for name in (
        "DATABASE_URL_FILE",
        "LEADLINE_VAR_DIR_FILE",
        "LEADLINE_ENV_FILE",
        "DJANGO_ALLOWED_HOSTS",
        "DJANGO_ALLOWED_HOSTS_FILE",
        "PORT",
    ):
        env.pop(name, None)
    env.update(
        {
            "LEADLINE_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'e2e.sqlite3'}",
            "DJANGO_DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LEADLINE_ENV": "embedded",
            "LEADLINE_DEMO_MFA_SKIP": "1",
            "LEADLINE_BIND": "127.0.0.1",
            "LEADLINE_LINE_SECRET": LINE_SECRET,  # the LEAD number's inbound webhook, signed in tests
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _log_tail(log_path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _wait_until_ready(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"`leadline run` exited with code {proc.returncode} before it answered {url}.\n"
                f"--- server log ({log_path}) ---\n{_log_tail(log_path)}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own local server)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)  # readiness polling only; the tests themselves never sleep
    pytest.fail(
        f"`leadline run` did not answer {url} within {SERVER_READY_TIMEOUT:.0f} s.\n"
        f"--- server log ({log_path}) ---\n{_log_tail(log_path)}",
        pytrace=False,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the server, its runserver and its task worker
        proc.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site's address, e.g. http://127.0.0.1:54321 (no trailing slash)."""
    if not chromium_available():
        pytest.skip(SKIP_NOTICE)
    var_dir = tmp_path_factory.mktemp("leadline-e2e")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = var_dir / "server.log"
    SERVER_ENV.clear()
    SERVER_ENV.update(_server_env(var_dir))
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "leadline", "run", "--port", str(port)],
            cwd=ROOT,
            env=SERVER_ENV,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown reaches the children too
        )
        try:
            _wait_until_ready(proc, f"{url}/healthz", log_path)
            yield url
        finally:
            _stop(proc)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not chromium_available():
        pytest.skip(SKIP_NOTICE)
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def new_context(browser: Browser, base_url: str, *, bypass_csp: bool = True) -> BrowserContext:
    # bypass_csp lets check_axe inject axe.min.js: the app's CSP is script-src 'self', no inline.
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT, bypass_csp=bypass_csp, locale="en-US")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = new_context(browser, base_url)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def make_page(browser: Browser, base_url: str) -> Iterator[Callable[..., Page]]:
    """make_page(bypass_csp=True) -> a Page in a context of its own (for a second person in one test)."""
    contexts: list[BrowserContext] = []

    def make(*, bypass_csp: bool = True) -> Page:
        ctx = new_context(browser, base_url, bypass_csp=bypass_csp)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()
