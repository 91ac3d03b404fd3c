"""Mesa's own tools work with the model: agents, AgentSet and batch_run."""

from __future__ import annotations

import json
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
    ids = model.agents.select(lambda a: a.row < model.setup.n_members).get("actor_id")
    assert sorted(ids) == ["A", "B", "C"] == sorted(model.members.get("actor_id"))


def test_batch_run_sweeps_the_model():
    # In a subprocess: batch_run sets the global multiprocessing start method.
    code = f"""
import json
import mesa
from consensus_sim import NegotiationModel, load_scenario
s = load_scenario({str(DATA / "trio.yaml")!r})
# a Scenario iterates over its fields, so batch_run needs it inside a list
rows = mesa.batch_run(NegotiationModel, parameters={{"spec": [s]}}, rng=[1, 2, 3],
                      number_processes=1, max_steps=10, display_progress=False)
print(json.dumps([[r[key] for key in ("RunId", "AgentID", "outcome", "costliest_blocker")]
                  for r in rows]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    rows = json.loads(done.stdout)
    # three runs, each a row per member (the members' loss and response per round)
    assert sorted((run, agent) for run, agent, _, _ in rows) == [
        (run, agent) for run in range(3) for agent in (1, 2, 3)]
    assert {(outcome, costliest) for _, _, outcome, costliest in rows} == {
        ("adopted_amended", "C")}
