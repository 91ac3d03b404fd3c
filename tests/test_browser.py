"""The dashboard end to end: its server in a subprocess, driven in headless Chromium.

Needs Debian's Chromium at /usr/bin/chromium and Solara's front-end files (both set
up by ``make browser``, i.e. ``scripts/install-browser.sh``); Playwright never
downloads a browser here. On a person's machine a missing browser or unreachable
front-end files skip the test with one line naming ``make browser``; in CI
(``CI=true``, where ``make test`` installs both first) they fail it.
``CONSENSUS_SIM_SKIP_BROWSER=1`` skips the test. A screenshot of the page is saved
to /tmp/consensus-sim-dashboard.png (on failure, to
/tmp/consensus-sim-dashboard-failure.png), and also to ``CONSENSUS_SIM_SCREENSHOT``
when that is set (how ``docs/images/dashboard.png`` is made).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from consensus_sim import load_scenario, run_ensemble
from consensus_sim.app import ENSEMBLE_RUNS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
INSTALL = ("run `make browser` (it installs Debian's Chromium with apt-get, as root or "
           "with sudo, and caches Solara's front-end files in .venv)")
#: In CI the browser test must run: what is missing fails it rather than skip it.
IN_CI = os.environ.get("CI", "").lower() == "true"
SERVER_START_TIMEOUT = 60.0  # seconds until the server must answer
UI_TIMEOUT = 30_000  # milliseconds for the page to show what a click changed
SCREENSHOT = Path("/tmp/consensus-sim-dashboard.png")
FAILURE_SCREENSHOT = Path("/tmp/consensus-sim-dashboard-failure.png")


def _missing(what: str) -> None:
    """What the test needs is missing: fail in CI, skip (one line) elsewhere."""
    if IN_CI:
        pytest.fail(f"{what}: {INSTALL}", pytrace=False)
    pytest.skip(f"{what}: {INSTALL} to run this test")


def _needs_browser() -> None:
    """Skip on request; otherwise skip or fail (see :func:`_missing`), saying how to
    install what is missing."""
    if os.environ.get("CONSENSUS_SIM_SKIP_BROWSER") == "1":
        pytest.skip("CONSENSUS_SIM_SKIP_BROWSER=1")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e '.[test]'", pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@pytest.fixture
def server(tmp_path) -> Iterator[str]:
    """The dashboard of the Tokyo case, served on a free port; yields its URL."""
    _needs_browser()
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    code = f"from consensus_sim.app import serve; serve('nato_tokyo_office', port={port})"
    process = subprocess.Popen([sys.executable, "-c", code], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"the dashboard server exited with code {process.returncode}:\n"
                            f"{(tmp_path / 'server.log').read_text()}", pytrace=False)
            try:
                status, page = _get(url)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the dashboard server did not answer at {url} within "
                            f"{SERVER_START_TIMEOUT:.0f} s", pytrace=False)
            time.sleep(0.25)
        _check_assets(url, page)
        yield url
    finally:
        _stop(process)
        log.close()


def _check_assets(url: str, page: str) -> None:
    """Fail at once (not after a long wait) when the page's JavaScript cannot load."""
    for path in re.findall(r'src="/?(_solara/cdn/[^"]+\.js)"', page)[:2]:
        status, _ = _get(url + path, timeout=30.0)
        if status != 200:
            _missing(f"Solara's front-end file {path} answers {status} (this machine "
                     "cannot reach Solara's CDN)")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and everything it started."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_dashboard_in_chromium(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                    headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(UI_TIMEOUT)
        try:
            page.goto(server, wait_until="domcontentloaded", timeout=60_000)
            status, scope = page.locator(".cs-round"), page.locator(".cs-scope")
            expect(status).to_contain_text("Round 0 of 5", timeout=60_000)
            expect(page).to_have_title(
                f"{load_scenario('nato_tokyo_office').title} · consensus-sim dashboard")

            # One round (run 0 of seed 0, as most Tokyo runs): France objects, and the
            # Secretary General keeps the office for a later meeting rather than offer
            # a smaller one.
            page.locator(".cs-step").click()
            expect(status).to_have_text("Over after round 1: postponed to a later meeting.")
            expect(scope).to_contain_text("0.67 · political liaison")
            expect(page.locator(".cs-chip.cs-object")).to_have_text(["✗ FRA"])

            page.locator(".cs-ensemble").click()
            adopted = run_ensemble(load_scenario("nato_tokyo_office"), runs=ENSEMBLE_RUNS,
                                   seed=0, jobs=1).summary()["p_adopted_any"]
            expect(page.locator(".cs-ensemble-summary")).to_contain_text(
                f"Ensemble of {ENSEMBLE_RUNS} runs (seed 0): adopted in {adopted:.0%}")
            expect(page.locator(".cs-chart-outcomes img")).to_be_visible()
            page.wait_for_timeout(500)  # let the chart images finish drawing
            page.screenshot(path=str(SCREENSHOT))
            if target := os.environ.get("CONSENSUS_SIM_SCREENSHOT"):
                page.screenshot(path=target)

            # Another concession strategy: the run restarts and ends otherwise.
            _choose(page, ".cs-concession", "split")
            expect(status).to_contain_text("Round 0 of 5")
            page.locator(".cs-run").click()
            expect(status).to_have_text("Over after round 3: adopted with a scope change.")
            expect(scope).to_contain_text("0.23 · ITPP facilitation only")

            # France stops caring about the office: the first text passes.
            _choose(page, ".cs-member", "France (FRA)")
            salience = page.locator(".cs-salience")
            expect(salience).to_contain_text("cares 0.80")
            salience.get_by_role("slider").press("Home")
            expect(salience).to_contain_text("cares 0.00")
            page.locator(".cs-run").click()
            expect(status).to_have_text("Over after round 1: adopted as proposed.")
        except BaseException:
            page.screenshot(path=str(FAILURE_SCREENSHOT))
            raise
        finally:
            browser.close()


def _choose(page, select_class: str, item: str) -> None:
    """Pick ``item`` in the dropdown with CSS class ``select_class``."""
    page.locator(f"{select_class} .v-field").click()
    page.locator(".v-overlay--active .v-list-item", has_text=item).first.click()
    expect_closed = page.locator(".v-overlay--active .v-list-item")
    expect_closed.first.wait_for(state="detached")
