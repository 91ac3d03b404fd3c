"""Shared fixtures: small scenarios worked by hand."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

DATA = Path(__file__).parent / "data"


def trio_data() -> dict[str, Any]:
    """The three-member council of tests/data/trio.yaml, as plain data to modify."""
    return yaml.safe_load((DATA / "trio.yaml").read_text())


def headquarters_data(binary: bool = True, b_salience_hq: float = 1.0) -> dict[str, Any]:
    """scope (a number) and hq (a permanent headquarters: yes or no); status quo
    (0, 0), proposal (1, 1); A and the chair at (1, 1), B at (0.2, 0), who must prefer
    the text to the status quo (tolerance and blocking cost 0): with salience 1 on hq,
    B accepts (s - 0.2)^2 + h^2 <= 0.04, so the chair drops the headquarters and tables
    (0.4, 0) (docs/model.md, "Yes/no dimensions")."""
    return {
        "title": "headquarters",
        "dimensions": [{"id": "scope"}, {"id": "hq", "binary": binary}],
        "status_quo": {"scope": 0.0, "hq": 0.0},
        "proposal": {"position": {"scope": 1.0, "hq": 1.0}, "agenda_setter": "CH"},
        "information": "complete",
        "defaults": {"salience": {"scope": 1.0, "hq": 1.0}},
        "actors": [
            {"id": "A", "position": {"scope": 1.0, "hq": 1.0}},
            {"id": "B", "position": {"scope": 0.2, "hq": 0.0},
             "salience": {"scope": 1.0, "hq": b_salience_hq}},
            {"id": "CH", "type": "chair", "position": {"scope": 1.0, "hq": 1.0}}],
    }


def linkage_data(side_payments: bool = True) -> dict[str, Any]:
    """scope and a side dimension ``aid`` paid by the chair (docs/model.md, "Side
    dimensions and side payments"): A at (1, 0) cares only for scope; C at (0.2, 1);
    the chair at (1, 0) cares little for aid (salience 0.1). It pays C about 0.324 on
    aid and keeps the scope near 0.963; without side payments it narrows to 0.4."""
    return {
        "title": "linkage",
        "dimensions": [{"id": "scope"}, {"id": "aid", "side": True, "payer": "CH"}],
        "status_quo": {"scope": 0.0, "aid": 0.0},
        "proposal": {"position": {"scope": 1.0, "aid": 0.0}, "agenda_setter": "CH",
                     "side_payments": side_payments},
        "defaults": {"salience": {"scope": 1.0, "aid": 1.0}},
        "actors": [
            {"id": "A", "position": {"scope": 1.0, "aid": 0.0}, "salience": {"aid": 0.0}},
            {"id": "C", "position": {"scope": 0.2, "aid": 1.0}},
            {"id": "CH", "type": "chair", "position": {"scope": 1.0, "aid": 0.0},
             "salience": {"scope": 1.0, "aid": 0.1}},
        ],
    }


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``consensus-sim ARGS`` in this process; return exit status, stdout, stderr."""
    from consensus_sim.cli import main

    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture
def trio() -> dict[str, Any]:
    return copy.deepcopy(trio_data())


@pytest.fixture
def write_yaml(tmp_path):
    """Write data (or raw text) to a YAML file in a temporary folder; return its path."""

    def write(data: Any, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path

    return write


# CI runs the property tests on a fixed sequence of examples, so a red build can be
# replayed; locally hypothesis explores freely.
if os.environ.get("CI"):
    settings.register_profile("ci", derandomize=True, print_blob=True)
    settings.load_profile("ci")
