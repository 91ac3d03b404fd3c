"""Make reference.json: decide-exchange-model's outcomes per issue and round on our files.

Run ONCE, by hand, in a throwaway Python 3.13 virtualenv that has the package
(it pins Python 3.13 and PyQt6; consensus-sim does not depend on it)::

    python3.13 -m venv /tmp/decide-venv
    /tmp/decide-venv/bin/pip install decide-exchange-model==2025.3.1
    /tmp/decide-venv/bin/python tests/data/decide/make_reference.py

For each input file it runs ``python -m decide.cli --input-file FILE --iterations 10``
in-process, after setting ``EqualGainModel.ALLOW_RANDOM = False`` (DECIDE's
deterministic mode: ties go in list order, not by a coin), then reads DECIDE's
summary tables (one per issue: "avg MDS" at the start of each round, "avg voting MDS"
on the voting positions at its end) and writes them with their provenance. The input
files are ours, made up for the tests; no DECIDE code or data is stored here.
"""

from __future__ import annotations

import datetime
import json
import platform
import runpy
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).parent
CASES = ("council.csv", "twins.csv")
ROUNDS = 10


def run_decide(source: Path, out: Path) -> dict[str, list[dict[str, float]]]:
    """DECIDE's outcomes per issue: one {start, voting} per round, on the file's scale."""
    from decide.model import equalgain

    equalgain.EqualGainModel.ALLOW_RANDOM = False
    sys.argv = ["decide.cli", "--input-file", str(source), "--output-dir", str(out),
                "--iterations", str(ROUNDS)]
    try:
        runpy.run_module("decide.cli", run_name="__main__", alter_sys=True)
    except SystemExit as done:  # typer exits when the command returns
        if done.code not in (0, None):
            raise
    outcomes = {}
    for table in sorted((out / source.stem / "0" / "issues" / "summary" / "csv").glob("*.csv")):
        issue = table.name.split(" [")[0]
        rows = [line.split(";") for line in table.read_text().splitlines()
                if line.startswith("rn-")][:ROUNDS]
        outcomes[issue] = [{"start": float(r[1]), "voting": float(r[4])} for r in rows]
    return outcomes


def main() -> None:
    cases = {}
    for name in CASES:
        with tempfile.TemporaryDirectory() as out:
            cases[name] = run_decide(HERE / name, Path(out))
    reference = {
        "provenance": {
            "package": f"decide-exchange-model {version('decide-exchange-model')}",
            "python": platform.python_version(),
            "mode": "Equal Gain, decide.model.equalgain.EqualGainModel.ALLOW_RANDOM = False",
            "command": "python -m decide.cli --input-file FILE --output-dir TMP "
                       f"--iterations {ROUNDS} (run by tests/data/decide/make_reference.py)",
            "date": datetime.date.today().isoformat(),
            "values": "per issue, per round: DECIDE's outcome (capability x salience "
                      "weighted mean, its 'MDS') at the start of the round and on the "
                      "voting positions at its end, on the file's 0..100 scale",
        },
        "cases": cases,
    }
    (HERE / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")


if __name__ == "__main__":
    main()
