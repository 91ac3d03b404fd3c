"""The HTML report: the numbers are the ensemble's, every chart is there, nothing is
fetched from the network, and the same inputs give the same bytes."""

from __future__ import annotations

import copy
import html
import re
import shlex
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from consensus_sim import load_scenario, run_ensemble, scenario_from_dict
from consensus_sim.cli import main
from consensus_sim.errors import ScenarioError
from consensus_sim.facts import OUTCOME_NAMES
from consensus_sim.predict import predict
from consensus_sim.report import build_report, write_report

from .conftest import DATA

#: The outcomes a summary lists for a scenario in which the setter can neither postpone
#: nor pay, in the order summaries list them.
SHOWN = {key: OUTCOME_NAMES[key] for key in ("adopted", "adopted_amended", "withdrawn",
                                              "deadlocked")}
RUNS = 40
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
CHROMIUM = Path("/usr/bin/chromium")


class Page(HTMLParser):
    """Checks that every element is closed in order; collects tables by id, cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id") or f"#{len(self.tables)}",
                                                 [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(document: str) -> Page:
    page = Page()
    page.feed(document)
    page.close()
    assert page.errors == []
    assert page.stack == []
    return page


def pct(share: float) -> str:
    return f"{100 * share:.1f}%"


@pytest.fixture(scope="module")
def trio_report() -> str:
    return build_report("classroom_trio", runs=RUNS, seed=0, jobs=1)


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "results"
    with pytest.raises(SystemExit) as stop:
        main(["sweep", str(DATA / "trio.yaml"), "--vary", "actors.C.position.scope=0.1,0.3",
              "--runs", "5", "--jobs", "1", "--out", str(out), "--no-charts"])
    assert stop.value.code == 0
    return out


def assert_self_contained(document: str) -> None:
    for request in ('src="http', "<link", "@import", "url(http", "<script src", "<img",
                    "<iframe"):
        assert request not in document
    # web addresses appear only as links to follow, never as resources to load
    for tag in re.findall(r"<(\w+)[^<>]*\bhref=\"https?:", document):
        assert tag == "a"


# --------------------------------------------------------------------------- a scenario


def test_report_holds_the_scenario(trio_report):
    s = load_scenario("classroom_trio")
    assert trio_report.startswith("<!DOCTYPE html>")
    assert f"<h1>{html.escape(s.title)}</h1>" in trio_report
    assert html.escape(s.description) in trio_report
    for level in s.dimensions[0].levels:
        assert f"{float(level.value):.2f} {html.escape(level.label)}" in trio_report
    for source in s.sources:
        assert html.escape(source.citation) in trio_report
        assert html.escape(source.supports) in trio_report
        if source.url:
            assert f'href="{html.escape(source.url)}"' in trio_report
    for assumption in s.assumptions:
        assert html.escape(assumption) in trio_report
    assert "<details>" in trio_report
    for actor in s.actors:
        assert html.escape(actor.notes) in trio_report


def test_outcome_table_is_the_summary(trio_report):
    summary = run_ensemble("classroom_trio", runs=RUNS, seed=0, jobs=1).summary()
    rows = parse(trio_report).tables["outcome-table"]
    assert rows[0] == ["Outcome", "Runs", "Share", "95% interval (Wilson)"]
    expected = [[name, f"{summary['counts'][key]:,}", pct(summary["outcomes"][key]),
                 f"{pct(summary['ci95'][key][0])} – {pct(summary['ci95'][key][1])}"]
                for key, name in SHOWN.items()]
    adopted = summary["counts"]["adopted"] + summary["counts"]["adopted_amended"]
    expected.append(["any agreement", f"{adopted:,}", pct(summary["p_adopted_any"]), ""])
    assert rows[1:] == expected
    assert f"Mean rounds: {summary['mean_rounds']:.2f}" in trio_report
    assert "Top objectors (share of runs with an objection): Corvia 100.0%" in trio_report
    assert "Blocker most costly to win over: Corvia 100.0%" in trio_report
    assert "Who objects in which round" in trio_report
    assert "Varies across runs: nothing; every run is the same." in trio_report
    assert 'id="inputs-table"' not in trio_report


def test_report_lists_every_uncertain_input_and_says_who_voted_not_yes(trio):
    from consensus_sim.facts import varied_inputs

    data = copy.deepcopy(trio)
    data["rule"] = {"type": "majority"}
    data["uncertainty"] = {"position_sd": 0.1, "fields": {
        "actors.C.tolerance": {"dist": "uniform", "low": 0.0, "high": 0.05}}}
    s = scenario_from_dict(data)
    document = build_report(s, runs=10, jobs=1)
    sentence = varied_inputs(s, escape=html.escape, short=False)
    assert sentence in document and "(each actor knows its own draws" in sentence
    rows = parse(document).tables["inputs-table"]
    assert rows == [["Input", "Distribution"], *([x.path, x.describe()] for x in s.uncertain)]
    assert "<summary>Uncertain inputs" not in document  # a few inputs: shown open
    assert "Who votes not yes in which round" in document
    assert "Voted not yes (share of runs with a vote other than yes): C 100.0%" in document
    data["uncertainty"]["salience_sd"] = 0.05
    data["actors"] += [{"id": f"M{i}", "type": "member", "position": {"scope": 0.5},
                        "salience": {"scope": 0.5}} for i in range(5)]
    many = scenario_from_dict(data)
    assert len(many.uncertain) > 12
    document = build_report(many, runs=5, jobs=1)
    assert f"<summary>Uncertain inputs, each drawn once per run: all {len(many.uncertain)}" \
        in document
    assert len(parse(document).tables["inputs-table"]) == 1 + len(many.uncertain)


def test_classic_models_table(trio_report):
    table = predict("classroom_trio", runs=RUNS, seed=0, jobs=1).table
    rows = parse(trio_report).tables["models-table"]
    assert rows[0] == ["Model", "Joint coastal patrols"]
    assert rows[1:] == [[model.replace("_", " "), f"{value:.3f}"]
                        for model, value in zip(table["model"], table["patrols"], strict=True)]


def test_one_svg_per_chart(trio_report):
    dims = len(load_scenario("classroom_trio").dimensions)
    # outcomes, a trajectory per dimension, objections, positions, a models chart per dimension
    assert trio_report.count("<svg") == 1 + dims + 1 + 1 + dims
    assert trio_report.count("<figure>") == trio_report.count("<svg")
    ids = re.findall(r'\bid="([^"]+)"', trio_report)
    assert len(ids) == len(set(ids))  # the charts' ids do not clash


def test_no_network_requests(trio_report):
    assert_self_contained(trio_report)
    assert "<style>" in trio_report
    assert "@media print" in trio_report


def test_well_formed(trio_report):
    page = parse(trio_report)
    for tag in ("html", "head", "body", "header", "main", "footer", "section", "table",
                "figure", "svg", "details", "summary"):
        assert tag in page.tags


def test_same_inputs_same_bytes(trio_report):
    assert build_report("classroom_trio", runs=RUNS, seed=0, jobs=1) == trio_report


def test_footer_reproduces(trio_report):
    s = load_scenario("classroom_trio")
    assert s.content_hash() in trio_report
    assert f"consensus-sim run classroom_trio --runs {RUNS} --seed 0" in trio_report
    assert "consensus-sim 0." in trio_report or "consensus-sim 1." in trio_report


def test_scenario_text_is_escaped(trio):
    data = copy.deepcopy(trio)
    data["title"] = "Alpha <script>alert(1)</script> & co"
    data["actors"][2]["notes"] = "<b>C</b> objects"
    data["sources"] = [{"id": "s1", "citation": "Doe <2024>", "url": "javascript:alert(1)",
                        "supports": "x < y"}]
    data["actors"][2]["sources"] = ["s1"]
    document = build_report(scenario_from_dict(data), runs=5, jobs=1)
    assert "<script>alert" not in document
    assert "Alpha &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in document
    assert "&lt;b&gt;C&lt;/b&gt; objects" in document
    assert 'href="javascript' not in document  # only web addresses become links
    assert "Doe &lt;2024&gt;" in document
    parse(document)


def test_persuasion_chart(trio):
    data = copy.deepcopy(trio)
    data["listens_to"] = {"C": {"A": 0.5}}
    document = build_report(scenario_from_dict(data), runs=10, jobs=1)
    assert document.count("<svg") == 1 + 1 + 1 + 1 + 1 + 1  # and persuasion
    assert "Persuasion" in document
    assert_self_contained(document)


def test_write_report(tmp_path):
    path = write_report(DATA / "trio.yaml", tmp_path / "new" / "report.html", runs=5, jobs=1)
    assert path == tmp_path / "new" / "report.html"
    document = path.read_text(encoding="utf-8")
    assert document == build_report(DATA / "trio.yaml", runs=5, jobs=1)
    assert f"consensus-sim run {DATA / 'trio.yaml'} --runs 5 --seed 0" in document


# --------------------------------------------------------------------------- results folders


def test_run_folder(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as stop:
        main(["run", str(DATA / "trio.yaml"), "--runs", "30", "--seed", "3", "--jobs", "1",
              "--out", str(out), "--no-charts", "--quiet"])
    assert stop.value.code == 0
    document = build_report(out, runs=999, seed=999)  # the folder's runs and seed win
    summary = pd.read_json(out / "summary.json", typ="series")
    rows = parse(document).tables["outcome-table"]
    assert [row[2] for row in rows[1:5]] == [pct(summary["outcomes"][k]) for k in SHOWN]
    assert "Outcomes of 30 runs" in document
    assert "The replay differs" not in document
    assert "consensus-sim run trio.yaml --runs 30 --seed 3" in document  # not bundled
    assert summary["scenario_sha256"] in document
    assert document.count("<svg") == 5
    assert_self_contained(document)
    parse(document)


def test_run_folder_same_body_as_scenario(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(SystemExit):
        main(["run", str(DATA / "trio.yaml"), "--runs", "20", "--jobs", "1", "--out", str(out),
              "--no-charts", "--quiet"])
    from_folder = build_report(out)
    from_scenario = build_report(DATA / "trio.yaml", runs=20)
    body = slice(0, from_scenario.index("<footer>"))
    assert from_folder[body] == from_scenario[body]


def test_sweep_folder(sweep_dir, tmp_path):
    document = build_report(sweep_dir)
    assert "Three members and a chair" in document
    assert document.count("<svg") == 1  # one parameter: one curve, no heatmap
    rows = parse(document).tables["points-table"]
    points = pd.read_csv(sweep_dir / "points.csv")
    assert [row[0] for row in rows[1:]] == ["0.1", "0.3"]
    assert [row[1] for row in rows[1:]] == [pct(p) for p in points["p_adopted_any"]]
    assert "Scope of the proposal" in document  # the base scenario is described
    assert_self_contained(document)
    assert build_report(sweep_dir) == document
    # the footer's command gives the same sweep
    command = re.search(r"Reproduce: <code>(.*?)</code>", document)[1]
    words = shlex.split(html.unescape(command))
    assert words[:3] == ["consensus-sim", "sweep", "trio.yaml"]
    again = tmp_path / "again"
    with pytest.raises(SystemExit):
        main([words[1], str(DATA / "trio.yaml"), *words[3:], "--jobs", "1", "--out", str(again),
              "--no-charts"])
    pd.testing.assert_frame_equal(pd.read_csv(again / "points.csv"), points)


def test_sensitivity_folder(tmp_path):
    out = tmp_path / "sens"
    with pytest.raises(SystemExit) as stop:
        main(["sensitivity", "classroom_trio", "--param", "actors.C.tolerance=0..0.3",
              "--samples", "4", "--runs", "2", "--jobs", "1", "--out", str(out), "--no-charts"])
    assert stop.value.code == 0
    document = build_report(out)
    rows = parse(document).tables["sensitivity-table"]
    assert rows[0][:3] == ["Parameter", "S1 (alone)", "± S1"]
    assert rows[1][0] == "actors.C.tolerance"
    # the within-noise flags mark the values, not columns of their own
    assert not any("within_noise" in header for header in rows[0])
    indices = pd.read_csv(out / "sensitivity.csv")
    flagged = bool(indices["ST_within_noise"].iloc[0])
    assert rows[1][rows[0].index("ST (total)")].endswith(" ~") == flagged
    assert document.count("<svg") == 2  # the sensitivity chart and one curve
    assert "consensus-sim sensitivity classroom_trio --param actors.C.tolerance=0.0..0.3" \
        in document
    assert_self_contained(document)


def test_unfinished_sweep(sweep_dir, tmp_path):
    copy_dir = tmp_path / "unfinished"
    shutil.copytree(sweep_dir, copy_dir)
    (copy_dir / "points.csv").unlink()
    with pytest.raises(ScenarioError, match="not finished"):
        build_report(copy_dir)


def test_folder_without_manifest(tmp_path):
    with pytest.raises(ScenarioError) as error:
        build_report(tmp_path)
    message = str(error.value)
    assert "\n" not in message
    assert str(tmp_path) in message and "manifest.json" in message


def test_unknown_scenario():
    with pytest.raises(ScenarioError, match="no such file or bundled scenario"):
        build_report("no_such_scenario_anywhere")


# --------------------------------------------------------------------------- a look


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium to render the page")
def test_renders_in_a_browser(trio_report, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(trio_report, encoding="utf-8")
    picture = tmp_path / "report.png"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={picture}", "--window-size=1200,3000", page.as_uri()],
                   check=True, timeout=120, capture_output=True)
    from PIL import Image

    with Image.open(picture) as image:
        assert image.size == (1200, 3000)
        colours = image.convert("L").getextrema()
    assert colours[0] < 50 and colours[1] > 240  # text on a white page, not a blank one


def test_report_command(tmp_path, capsys):
    from consensus_sim.cli import main

    out = tmp_path / "r.html"
    with pytest.raises(SystemExit) as info:
        main(["report", "tests/data/trio.yaml", "-o", str(out), "--runs", "20", "--jobs", "1",
              "--style", "talk"])
    assert info.value.code == 0
    assert "Wrote" in capsys.readouterr().out
    assert out.read_text().count("<svg") >= 4


def test_a_historical_case_shows_its_meetings_and_what_happened(tmp_path):
    from consensus_sim.backtest import history_folder

    scenario = load_scenario(history_folder() / "nato_greece_macedonia_2008.yaml")
    document = build_report(scenario, runs=RUNS, seed=0, jobs=1)
    assert "Meetings at which the decision is due" in document
    assert 'id="history"' in document and "<strong>postponed</strong>" in document
    assert "what happened" in document  # the outcome's sources are cited for it


def test_meeting_costs_in_actor_order_and_the_real_text_in_dimension_order():
    from .conftest import headquarters_data

    data = headquarters_data()
    data["max_rounds"] = 3
    # written out of order: the chair first, the text's dimensions reversed
    data["meetings"] = [{"id": "summit", "name": "Summit", "round": 2,
                         "failure_cost": {"CH": 0.3, "B": 0.2, "A": 0.1}}]
    data["sources"] = [{"id": "record", "citation": "A record of the decision"}]
    data["history"] = {"decided": "2020-01-31", "outcome": "adopted_amended",
                       "text": {"hq": 0.0, "scope": 0.4}, "inputs_fixed": "2026-11-30",
                       "sources": ["record"]}
    document = build_report(scenario_from_dict(data), runs=5, seed=0, jobs=1)
    costs = [row for table in parse(document).tables.values() for row in table
             if row and row[0] == "summit"]
    assert costs and costs[0][-1] == "A 0.1, B 0.2, CH 0.3"  # members first, then the chair
    history = re.search(r'<p id="history">(.*?)</p>', document).group(1)
    assert "text scope 0.40, hq status quo (dropped)." in html.unescape(history)


# --------------------------------------------------------------------------- rival proposals


def test_report_lists_the_rival_proposals_and_how_often_each_was_adopted():
    # classroom_rivals: Corvia's plan (0.6, from round 2) wins every run
    s = load_scenario("classroom_rivals")
    document = build_report(s, runs=RUNS, seed=0, jobs=1)
    tables = parse(document).tables
    (rival,) = s.rivals
    assert tables["rivals-table"] == [
        ["Rival", "Sponsor", "From round", "Text", "Notes", "Sources"],
        ["Corvia's plan corvia_plan", "Corvia", "2", "0.60 (regular joint patrols)",
         rival.notes, "[1]"]]
    assert f"the run ends <em>{OUTCOME_NAMES['adopted_rival']}</em>" in document
    assert [OUTCOME_NAMES["adopted_rival"], f"{RUNS}", "100.0%"] in [
        row[:3] for row in tables["outcome-table"]]
    summary = run_ensemble(s, runs=RUNS, seed=0, jobs=1).summary()
    low, high = summary["ci95"]["adopted_rival"]
    assert tables["rival-table"] == [
        ["Rival proposal", "Runs adopted", "Share", "95% interval (Wilson)"],
        ["Corvia's plan corvia_plan", f"{RUNS}", pct(summary["rivals"]["corvia_plan"]["adopted"]),
         f"{pct(low)} – {pct(high)}"]]
    assert "100.0%" in tables["rival-table"][1]
    assert "Cited for: Arland, Bexia, Corvia, The chair, rival corvia_plan" in \
        html.unescape(document)
    assert_self_contained(document)


def test_several_rivals_with_their_texts_per_dimension_escaped():
    # headquarters: B blocks the chair's (1, 1), but the lean rival (0.2, no
    # headquarters) passes in round 1, before the other is tabled.
    from .conftest import headquarters_data

    data = headquarters_data()
    data["sources"] = [{"id": "memo", "citation": "A memo"}]
    data["actors"][1]["name"] = "B <b>land</b>"
    data["rivals"] = [
        {"id": "b_lean", "name": "Lean <script>alert(1)</script>", "text":
         {"scope": 0.2, "hq": 0.0}, "sponsor": "B", "notes": "x < y", "sources": ["memo"]},
        {"id": "a_wide", "text": {"scope": 0.3, "hq": 0.0}, "round": 2}]
    document = build_report(scenario_from_dict(data), runs=5, seed=0, jobs=1)
    assert "<script>alert" not in document and "<b>land" not in document
    tables = parse(document).tables
    assert tables["rivals-table"][1:] == [
        ["Lean <script>alert(1)</script> b_lean", "B <b>land</b>", "1", "scope 0.20hq 0.00",
         "x < y", "[1]"],
        ["a_wide", "none", "2", "scope 0.30hq 0.00", "", ""]]
    assert "scope 0.20<br>hq 0.00" in document
    shares = {row[0]: row[2] for row in tables["rival-table"][1:]}
    assert shares == {"a_wide": "0.0%", "Lean <script>alert(1)</script> b_lean": "100.0%"}
    assert "Cited for: rival b_lean" in document


def test_a_scenario_without_rivals_has_no_rival_tables(trio_report):
    tables = parse(trio_report).tables
    assert "rivals-table" not in tables and "rival-table" not in tables
    assert "Rival proposals" not in trio_report
    assert OUTCOME_NAMES["adopted_rival"] not in trio_report
