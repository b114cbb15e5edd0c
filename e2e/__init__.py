"""Browser tests: the demo site driven through Debian's Chromium with Playwright (see conftest.py)."""
