"""Mesa's own tools work with the model: agents, AgentSet and batch_run."""

from __future__ import annotations

import subprocess
import sys

from consensus_sim import NegotiationModel

from .conftest import DATA


def test_agents_are_mesa_agents_in_the_model():
    import mesa

    model = NegotiationModel(DATA / "trio.yaml", rng=1)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == 4
    assert all(isinstance(a, mesa.Agent) for a in model.agents)
    ids = model.agents.select(lambda a: a.row < model.n_members).get("actor_id")
    assert sorted(ids) == ["A", "B", "C"]


def test_batch_run_sweeps_the_model():
    # In a subprocess: batch_run sets the global multiprocessing start method.
    code = f"""
import mesa
from consensus_sim import NegotiationModel, load_scenario
s = load_scenario({str(DATA / "trio.yaml")!r})
# a Scenario iterates over its fields, so batch_run needs it inside a list
rows = mesa.batch_run(NegotiationModel, parameters={{"scenario": [s]}}, rng=[1, 2, 3],
                      number_processes=1, max_steps=10, display_progress=False)
print(len(rows), sorted({{r["outcome"] for r in rows}}), rows[0]["proposal_scope"])
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split()[0] == "3"
    assert "adopted_amended" in done.stdout
