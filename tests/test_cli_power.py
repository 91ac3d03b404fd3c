"""`consensus-sim power`: the published UN Security Council figures from the command line."""

from __future__ import annotations

import json

import pytest
import yaml

from .conftest import run_cli

P5 = ["CHN", "FRA", "GBR", "RUS", "USA"]
ELECTED = ["ALB", "BRA", "ECU", "GAB", "GHA", "JPN", "MLT", "MOZ", "ARE", "CHE"]


def unsc() -> dict:
    return {
        "title": "Security Council",
        "dimensions": [{"id": "text"}],
        "status_quo": {"text": 0.0},
        "proposal": {"position": {"text": 1.0}, "agenda_setter": "USA"},
        "rule": {"type": "veto_majority", "threshold": 0.6, "veto": P5},
        "defaults": {"position": {"text": 1.0}, "salience": {"text": 1.0}},
        "actors": [{"id": m} for m in P5 + ELECTED],
    }



def test_power_json_reproduces_shapley_shubik_and_banzhaf(tmp_path, capsys):
    path = tmp_path / "unsc.yaml"
    path.write_text(yaml.safe_dump(unsc()))
    code, out, err = run_cli(capsys, "power", str(path), "--json")
    assert code == 0, err
    members = json.loads(out)["members"]
    # Shapley & Shubik; normalised Banzhaf (see tests/test_power.py for the sources)
    assert members["USA"]["shapley_shubik"] == pytest.approx(421 / 2145, abs=1e-9)
    assert members["MLT"]["banzhaf"] == pytest.approx(0.0165, abs=5e-5)
    code, out, _ = run_cli(capsys, "power", str(path))
    assert code == 0 and "veto_majority (exact)" in out
    assert out.splitlines()[2].split()[-2:] == ["0.1669", "0.1963"]


def test_power_monte_carlo_is_seeded(tmp_path, capsys):
    path = tmp_path / "unsc.yaml"
    path.write_text(yaml.safe_dump(unsc()))
    runs = [run_cli(capsys, "power", str(path), "--method", "monte-carlo", "--samples", "20000",
                    "--seed", "3", "--json")[1] for _ in range(2)]
    assert runs[0] == runs[1]
    assert json.loads(runs[0])["method"] == "monte carlo"


def test_power_error_is_one_line(capsys):
    code, _, err = run_cli(capsys, "power", "nato_tokyo_office", "--method", "monte-carlo",
                           "--samples", "100")
    assert code == 2 and err.count("\n") == 1 and "use method='exact'" in err
