"""The documentation stays true: the generated reference, links, and the README's index."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
MARKDOWN = [ROOT / "README.md", *PAGES]

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$",
                             re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:


def load_script():
    """scripts/schema_reference.py as a module (scripts/ is not a package)."""
    path = ROOT / "scripts" / "schema_reference.py"
    spec = importlib.util.spec_from_file_location("schema_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scenario_reference_is_the_scripts_output():
    script = load_script()
    committed = (ROOT / script.OUTPUT).read_text(encoding="utf-8")
    assert committed == script.render(), (
        f"{script.OUTPUT} is out of date; regenerate it with "
        f"`python scripts/schema_reference.py > {script.OUTPUT}`")


def test_scenario_reference_documents_every_field():
    from consensus_sim.scenario import Scenario

    script = load_script()
    document = Scenario.model_json_schema()
    text = script.render(document)
    models = {"Scenario": document, **document["$defs"]}
    for name, model in models.items():
        assert f"\n## {name}\n" in text
        section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for field in model.get("properties", {}):
            rows = [line for line in section.splitlines() if line.startswith(f"| `{field}` |")]
            assert len(rows) == 1, f"{name}.{field} has no row of its own"
            cells = re.split(r"(?<!\\)\|", rows[0])[1:-1]
            assert len(cells) == 5 and all(c.strip() for c in cells), rows[0]


def test_new_or_removed_fields_must_be_described():
    from consensus_sim.scenario import Scenario

    script = load_script()
    document = Scenario.model_json_schema()
    document["$defs"]["Event"]["properties"]["brand_new"] = {"type": "number"}
    with pytest.raises(SystemExit, match=r"no description for Event\.brand_new"):
        script.render(document)
    document = Scenario.model_json_schema()
    del document["$defs"]["Event"]["properties"]["change"]
    with pytest.raises(SystemExit, match=r"names Event\.change, which the schema does not"):
        script.render(document)


def _prose(path: Path) -> str:
    """The Markdown of ``path`` without code blocks and inline code."""
    return _CODE.sub("", _FENCE.sub("", path.read_text(encoding="utf-8")))


def _relative_links(path: Path) -> list[str]:
    text = _prose(path)
    targets = _INLINE_LINK.findall(text) + _REFERENCE_LINK.findall(text)
    return [t for t in targets if not _EXTERNAL.match(t) and not t.startswith("#")]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*|_(?=\W)|(?<=\W)_", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    anchors: set[str] = set()
    for line in _FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        if m := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line):
            slug = _slug(m[1])
            n, unique = 0, slug
            while unique in anchors:
                n += 1
                unique = f"{slug}-{n}"
            anchors.add(unique)
    return anchors


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_existing_files(page):
    broken = []
    for target in _relative_links(page):
        file_part, _, anchor = target.partition("#")
        resolved = (page.parent / file_part).resolve() if file_part else page
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target} (no heading #{anchor} in {resolved.name})")
    assert not broken, f"{page.relative_to(ROOT)}: broken links: {', '.join(broken)}"


def test_in_page_anchors_exist():
    broken = []
    for page in MARKDOWN:
        anchors = _anchors(page)
        for m in _INLINE_LINK.finditer(_prose(page)):
            target = m[1]
            if target.startswith("#") and target[1:] not in anchors:
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, "links to missing headings: " + ", ".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_readme_mentions_every_docs_page(page):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"docs/{page.name}" in readme, (
        f"README.md does not mention docs/{page.name}; add it under ## Documentation")


# ----------------------------------------------------------------- the tutorial

TUTORIAL = DOCS / "tutorial.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", TUTORIAL.read_text(encoding="utf-8"),
                      re.MULTILINE | re.DOTALL)


def _run(capsys, path: Path, out: Path) -> str:
    from consensus_sim.cli import main

    with pytest.raises(SystemExit) as info:
        main(["run", str(path), "--jobs", "1", "--no-charts", "--out", str(out)])
    assert info.value.code == 0
    return capsys.readouterr().out


def _printed_in_tutorial(output: str) -> bool:
    """Whether the tutorial shows this terminal output (all but its last line, which
    names the files written)."""
    body = output.rstrip("\n").rsplit("\n", 1)[0]
    return any(block.startswith(body) for block in _blocks("text"))


@pytest.mark.parametrize("edit", ["none", "blocking_cost"])
def test_tutorial_trio_output_is_what_the_program_prints(tmp_path, capsys, edit):
    from consensus_sim.scenario import bundled_scenarios

    text = bundled_scenarios()["classroom_trio"].read_text(encoding="utf-8")
    text = text.replace("\nid: classroom_trio\n", "\nid: my_trio\n")
    if edit == "blocking_cost":
        assert text.count("\n    blocking_cost: 0.15\n") == 1
        text = text.replace("\n    blocking_cost: 0.15\n", "\n    blocking_cost: 0.0\n")
    path = tmp_path / "my_trio.yaml"
    path.write_text(text, encoding="utf-8")
    output = _run(capsys, path, tmp_path / "out")
    if edit == "none":
        assert _printed_in_tutorial(output)
    else:
        line = next(x for x in output.splitlines() if x.startswith("Most frequent"))
        assert line in TUTORIAL.read_text(encoding="utf-8")


def test_tutorial_scenario_runs_as_shown(tmp_path, capsys):
    (scenario,) = [b for b in _blocks("yaml") if "\nid: cyber_centre\n" in b]
    path = tmp_path / "cyber_centre.yaml"
    path.write_text(scenario, encoding="utf-8")
    assert _printed_in_tutorial(_run(capsys, path, tmp_path / "out"))
