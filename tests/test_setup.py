"""The two README commands on a person's machine: `make test` changes nothing
outside the project, and the browser test says how to get what it lacks."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from . import test_browser

ROOT = Path(__file__).resolve().parent.parent


def dry_run(target: str, **env: str) -> str:
    """What ``make -n TARGET`` would run (nothing is run)."""
    environ = {k: v for k, v in os.environ.items() if k != "CI"} | env
    return subprocess.run(["make", "-n", target], cwd=ROOT, env=environ, text=True,
                          capture_output=True, check=True).stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_installs_the_browser_only_in_ci():
    assert "install-browser" not in dry_run("test")
    assert "install-browser" not in dry_run("test", CI="false")
    assert "install-browser" in dry_run("test", CI="true")
    assert "install-browser" in dry_run("browser")


@pytest.mark.parametrize(("in_ci", "outcome"), [(False, pytest.skip.Exception),
                                                 (True, pytest.fail.Exception)])
def test_a_missing_browser_skips_with_the_make_target_or_fails_in_ci(monkeypatch, tmp_path,
                                                                      in_ci, outcome):
    monkeypatch.delenv("CONSENSUS_SIM_SKIP_BROWSER", raising=False)
    monkeypatch.setattr(test_browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(test_browser, "IN_CI", in_ci)
    with pytest.raises(outcome, match="make browser"):
        test_browser._needs_browser()


def test_the_bundled_scenarios_have_one_copy_packaged_from_the_top_level_folder():
    import tomllib

    from consensus_sim.backtest import history_folder
    from consensus_sim.scenario import bundled_scenarios, scenario_folder

    assert not (ROOT / "src" / "consensus_sim" / "scenarios").exists()  # no second copy
    assert scenario_folder() == ROOT / "scenarios"
    assert {p.parent for p in bundled_scenarios().values()} == {ROOT / "scenarios"}
    assert history_folder() == ROOT / "scenarios" / "history"
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"]["consensus_sim.scenarios"] == "scenarios"
    assert setuptools["package-dir"]["consensus_sim.scenarios.history"] == "scenarios/history"
    assert {"consensus_sim.scenarios", "consensus_sim.scenarios.history"} <= set(
        setuptools["packages"])
