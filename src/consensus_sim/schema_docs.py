"""Descriptions of every field of a scenario file, for people and for editors.

``consensus-sim schema`` prints :func:`described_schema`: pydantic's JSON Schema of
:class:`~consensus_sim.scenario.Scenario` with these descriptions filled in, so that
an editor shows them while a scenario is written. ``scripts/schema_reference.py``
renders the same schema as docs/scenario-reference.md.
"""

from __future__ import annotations

from typing import Any

_PARAMETERS = {
    "position": "Ideal point: one number per dimension id. Merged per dimension, "
    "later winning: `defaults` → each group in the actor's `groups` → the actor; every "
    "actor must end with a value for every dimension.",
    "salience": "How much each dimension matters to the actor: one number per dimension "
    "id, merged like `position`. 0 means it does not care (noise never changes a 0).",
    "capability": "Resources: the weight of the actor's view in persuasion, its weight "
    "in the classic bargaining models (`consensus-sim predict`), and its dot size on the "
    "position map.",
    "tolerance": "Loss (utility of the status quo minus utility of the proposal) the "
    "member swallows before objecting.",
    "stubbornness": "Weight of its own view (its drawn position as moved by pressure and "
    "events) under persuasion: 1 is not moved by others, 0 takes the weighted view of "
    "those it listens to.",
    "blocking_cost": "Cost of blocking alone, scaled by the share of the other members "
    "not objecting (paid in full under the `silence` rule).",
    "gamma": "Utility exponent γ in U(x) = −Σ s·|x − p|^γ: 2 makes losses grow "
    "quadratically with distance, 1 linearly.",
    "weight": "Weight (e.g. population in millions) under `qualified_majority`, and of "
    "abstainers under `unanimity` with constructive abstention.",
}

#: Descriptions of the models and fields the schema leaves undescribed, by model name
#: (``$defs`` key, or ``Scenario`` for the top level); ``""`` is the model itself.
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Scenario": {
        "id": "The scenario's name: used for the results folder and in summaries. "
        "Default (none): the file's name without `.yaml`.",
        "title": "What the scenario is, shown on every chart and summary.",
        "description": "One line, shown by `consensus-sim list`.",
        "dimensions": "The components of the proposal, each a number in [0, 1]; ids "
        "must be unique.",
        "status_quo": "What holds if nothing is adopted: one number per dimension id, "
        "for every dimension.",
        "proposal": "The initial proposal, who tables it and how it concedes.",
        "rule": "The decision rule, chosen by its `type` (one section each below).",
        "max_rounds": "Rounds (votes) allowed: a run still blocked after the last one "
        "ends deadlocked.",
        "uncertainty": "Noise on every actor's positions and saliences, drawn once per "
        "run.",
        "defaults": "Actor parameters every actor gets unless one of its groups or the "
        "actor itself sets them.",
        "groups": "Named bundles of actor parameters; an actor names the groups that "
        "apply to it in its `groups`.",
        "actors": "The members (who vote) and the non-voting actors; ids must be unique "
        "and at least one actor must be a `member`.",
        "events": "Shocks that may fire during a run; ids must be unique.",
        "meetings": "Meetings at which the decision is due (summits), with what failing "
        "at each costs each actor; ids must be unique.",
        "rivals": "Rival proposals tabled beside the agenda setter's text (competing "
        "drafts, candidates for a post); ids must be unique and no two texts equal.",
        "history": "For a historical case: the real outcome and text, with sources and "
        "the date the inputs were fixed (see `consensus-sim backtest`).",
        "listens_to": "Persuasion: `listener: {source: weight}`, the listener a member "
        "id or `all`, the source an actor id or `all`. When given, every listening member "
        "moves each round by the Friedkin–Johnsen update (see [model.md](model.md)).",
        "sources": "Where the numbers come from; actors and events cite them by id.",
        "assumptions": "What is assumed rather than sourced, one sentence each.",
    },
    "Dimension": {
        "id": "The key of this dimension in every position, salience, status quo and "
        "proposal; unique.",
        "name": "For people: shown on charts.",
        "description": "For people: what 0 and 1 mean on this dimension.",
        "levels": "A ladder of labelled points, values strictly increasing. Results are "
        "reported with the nearest label; the `ladder` concession steps along it.",
        "side": "`true`: a side issue (issue linkage), never narrowed, only conceded on "
        "as a side payment. At least one dimension must not be a side dimension.",
        "binary": "`true`: a yes/no question. It takes only two values, the status quo's "
        "and the proposal's; the setter keeps it or drops it whole. Levels, if any, must "
        "be those two values.",
        "payer": "Who may pay on a side dimension: an actor id, or a list of actor ids "
        "(any of them may pay; the setter picks the one for whom the deal costs least, and "
        "keeps that payer once it has paid). Only with `side: true`. Default (none): the "
        "agenda setter.",
        "scale": "The original scale of imported data; classic models' forecasts are "
        "reported on it.",
    },
    "Level": {
        "value": "Where the level sits on the dimension.",
        "label": "Its name, used in summaries and on chart axes.",
    },
    "Scale": {
        "": "A dimension's original scale (e.g. 4 to 10 years): 0 on the dimension is "
        "`min`, 1 is `max`.",
        "min": "The original value at 0.",
        "max": "The original value at 1; must be greater than `min`.",
        "unit": "The unit, e.g. `years`.",
    },
    "Proposal": {
        "position": "The initial proposal: one number per dimension id, for every "
        "dimension.",
        "agenda_setter": "Who tables and amends the proposal: an actor id (a member, or "
        "a non-voting `chair`).",
        "concession": "How the setter concedes when blocked: `minimal` (the text it likes "
        "best among those that would pass), `split` (meet the blocker most costly to win "
        "over halfway, when the setter prefers that to the status quo), `ladder` (the best "
        "passing combination of labelled levels).",
        "side_payments": "Whether the setter (or a side dimension's payer) may concede "
        "on side dimensions.",
        "postponement": "What keeping the proposal alive for a later meeting is worth to "
        "the setter, as a share of what adopting it as proposed would gain it (0 to 1). "
        "When blocked, it postpones when that beats every text it could table; 0 (the "
        "default): it never postpones.",
    },
    "ConsensusRule": {"type": "Selects this rule."},
    "UnanimityRule": {
        "type": "Selects this rule.",
        "constructive_abstention": "`true`: a member may abstain without blocking, "
        "unless the abstainers reach `abstainers_stop_at`; `false`: an abstention counts "
        "as a no.",
        "abstainers_stop_at": "With constructive abstention: abstainers who are at least "
        "this share of the members and hold at least this share of the total `weight` "
        "stop the decision (default 1/3, Art. 31(1) TEU, the EU's foreign and security "
        "policy); `null`: abstentions never stop it (Art. 238(4) TFEU, other unanimity "
        "votes of the Council).",
    },
    "SilenceRule": {"type": "Selects this rule."},
    "History": {
        "": "What really happened, for backtests (`consensus-sim backtest`).",
        "decided": "When the real decision (or its failure) was recorded, YYYY-MM-DD.",
        "outcome": "The real outcome class: `adopted`, `adopted_amended`, `withdrawn`, "
        "`deadlocked` or `postponed`.",
        "text": "The text adopted, a number for every dimension (with `adopted_amended`; "
        "with `adopted` it is the proposal).",
        "inputs_fixed": "When the scenario's inputs were fixed, YYYY-MM-DD; a later "
        "change goes under `changes`.",
        "sources": "Ids from `sources` behind the recorded outcome and text.",
        "notes": "For people: how the outcome and text were read from the sources.",
        "changes": "Every change to the inputs after `inputs_fixed`, with its reason.",
    },
    "HistoryChange": {
        "": "A change to a historical case's inputs after they were fixed.",
        "date": "When, YYYY-MM-DD.",
        "change": "What changed (field paths and values).",
        "reason": "Why (a new source, an error found); never to fit the known outcome.",
    },
    "Meeting": {
        "": "A meeting at which the decision is due (a summit): the vote of its round is "
        "taken there.",
        "id": "Names the meeting; unique.",
        "name": "For people: the meeting's name.",
        "round": "The round whose vote is taken at the meeting; at most `max_rounds`; one "
        "meeting per round.",
        "failure_cost": "Per actor id, what failing at the meeting (the text blocked in "
        "its round) costs it; 0 for actors not listed. A member that objects there pays "
        "it as part of its blocking cost; the setter weighs it when it tables a text.",
        "sources": "Ids from `sources` behind the meeting and its costs.",
    },
    "Rival": {
        "": "A rival proposal: a fixed text members respond to, round by round, beside "
        "the agenda setter's; where several texts pass, the one a majority of members "
        "prefers wins (see [model.md](model.md#rival-proposals)).",
        "id": "Names the rival; unique. Ties between rivals go by id.",
        "name": "For people: the rival's name, shown in summaries and reports.",
        "text": "The rival's text: a number in [0, 1] for every dimension (a yes/no "
        "dimension takes one of its two answers); no two rivals share a text.",
        "sponsor": "The actor id that tables it, for people; it does not amend the text.",
        "round": "The first round in which it is on the table; at most `max_rounds`.",
        "sources": "Ids from `sources` behind the rival and its text.",
        "notes": "For people.",
    },
    "MajorityRule": {
        "type": "Selects this rule.",
        "threshold": "Share of the members that must vote yes: more than it, or at "
        "least it with `inclusive`.",
        "inclusive": "Whether reaching `threshold` exactly is enough.",
    },
    "QualifiedMajorityRule": {
        "type": "Selects this rule.",
        "member_share": "Least share of the members voting yes.",
        "weight_share": "Least share of the members' total `weight` held by those "
        "voting yes.",
        "blocking_minority": "With fewer than this many members not voting yes, the "
        "weight condition is deemed met; 0 turns the clause off.",
    },
    "VetoMajorityRule": {
        "type": "Selects this rule.",
        "threshold": "Least share of the members voting yes (9 of 15 is 0.6).",
        "veto": "Members whose objection blocks (their abstention does not): member "
        "ids, at least one.",
    },
    "Uncertainty": {
        "position_sd": "Standard deviation of the normal noise added to every actor's "
        "ideal point on every dimension, drawn once per run, clipped to [0, 1].",
        "salience_sd": "The same for saliences; a salience of 0 gets no noise.",
    },
    "ActorParams": _PARAMETERS,
    "Actor": {
        **_PARAMETERS,
        "id": "Used everywhere else (ISO 3166 alpha-3 codes read well); unique.",
        "name": "For people. Default (empty): the id.",
        "type": "`member` votes; `chair` is a non-voting agenda setter; `partner` "
        "lobbies; `external` pressures from outside.",
        "groups": "Names of groups (under `groups`) whose parameters apply, in order, "
        "later winning.",
        "pressure": "Pressure applied every round; partners and external actors only.",
        "outside_option": "What this member (or the agenda setter) gets if no agreement "
        "is reached, as a text: a value in [0, 1] per dimension; dimensions left out take "
        "the status quo's value. It objects to a text measured against this point, not "
        "the status quo. Default: none (the status quo).",
        "sources": "Ids from `sources` behind this actor's numbers.",
        "notes": "Why these numbers.",
    },
    "Pressure": {
        "affects": "`position`: pull each target's ideal point toward the actor's; "
        "`salience`: multiply each target's salience by 1 + `strength`, capped at 1.",
        "strength": "Per round: the fraction of the gap closed (`position`) or the "
        "relative rise (`salience`). Pressure accumulates round after round.",
        "targets": "Member ids pressed. Default (none): all members.",
        "dimensions": "Dimension ids pressed. Default (none): all.",
    },
    "Event": {
        "id": "Names the event in summaries and in `runs.csv`; unique.",
        "description": "For people: what happens.",
        "probability": "Chance per run (`per: run`) or per round (`per: round`).",
        "per": "`run`: drawn once before round 1, fires at the start of `round`; "
        "`round`: drawn at the start of every round.",
        "round": "With `per: run`, the round it fires in; at most `max_rounds`.",
        "targets": "Member ids affected. Default (none): all members.",
        "affects": "What changes: the targets' salience, position, tolerance or blocking "
        "cost.",
        "dimensions": "Dimension ids affected (position and salience only). Default "
        "(none): all.",
        "change": "Added to the targets' salience or position, then clipped to [0, 1]; "
        "or to their tolerance or blocking cost, kept at least 0.",
        "sources": "Ids from `sources` behind the event.",
    },
    "Source": {
        "": "A reference behind the scenario's numbers.",
        "id": "Cited by actors and events; unique.",
        "citation": "Author, title, publication and date.",
        "url": "Where to read it.",
        "supports": "What in the scenario it supports.",
    },
}


def described_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, every model and field described."""
    from .scenario import Scenario

    document = Scenario.model_json_schema()
    models = {"Scenario": document, **document.get("$defs", {})}
    for name, fields in DESCRIPTIONS.items():
        node = models.get(name)
        if node is None:
            continue
        for field, text in fields.items():
            if field == "":
                node.setdefault("description", text)
            elif field in node.get("properties", {}):
                node["properties"][field].setdefault("description", text)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "consensus-sim scenario"
    return document
