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


def thousand(rule: dict, weight=None) -> dict:
    """A council of 1,000 members under ``rule``, weights 1.0 to 10.6 when weighted."""
    ids = [f"M{i}" for i in range(1000)]
    return {
        "title": "A thousand members",
        "dimensions": [{"id": "text"}],
        "status_quo": {"text": 0.0},
        "proposal": {"position": {"text": 1.0}, "agenda_setter": "M0"},
        "rule": rule,
        "defaults": {"position": {"text": 1.0}, "salience": {"text": 1.0}},
        "actors": [{"id": a, **({"weight": 1.0 + (i % 97) / 10} if weight else {})}
                   for i, a in enumerate(ids)],
    }


@pytest.mark.parametrize(("rule", "weighted", "first", "then"), [
    # 998 of 1,000: no sampled coalition swings, counting is cheap
    ({"type": "majority", "threshold": 0.998, "inclusive": True}, False, "monte-carlo",
     "exact"),
    # weights to one decimal: no table fits them, sampling swings often near half
    ({"type": "qualified_majority", "member_share": 0.5, "weight_share": 0.5,
      "blocking_minority": 0}, True, "exact", "monte-carlo"),
])
def test_power_advice_at_a_thousand_members_leads_forward(tmp_path, capsys, rule, weighted,
                                                          first, then):
    path = tmp_path / "thousand.yaml"
    path.write_text(yaml.safe_dump(thousand(rule, weighted)))
    code, _, err = run_cli(capsys, "power", str(path), "--method", first, "--samples", "500")
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"{path}: ")
    assert f"use method='{then.replace('-', ' ')}'" in err
    code, out, err = run_cli(capsys, "power", str(path), "--method", then, "--samples", "500",
                             "--json")
    assert code == 0, err
    assert json.loads(out)["method"] == then.replace("-", " ")


def test_power_says_when_neither_method_can(tmp_path, capsys):
    path = tmp_path / "thousand.yaml"
    path.write_text(yaml.safe_dump(thousand({"type": "qualified_majority"}, weight=True)))
    for method in ("monte-carlo", "auto"):
        code, _, err = run_cli(capsys, "power", str(path), "--method", method,
                               "--samples", "500")
        assert code == 2 and err.count("\n") == 1
        assert "neither method" in err and "use method=" not in err
