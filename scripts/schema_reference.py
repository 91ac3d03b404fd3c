"""Print docs/scenario-reference.md: every field of a scenario file, from the JSON Schema.

The reference is generated, so it cannot drift from the code: each section is a model
of the schema (``Scenario.model_json_schema()`` and its ``$defs``), each row a field
with its type, allowed values, default and description. Types, ranges, allowed values
and defaults come from the schema; descriptions come from the schema where it has
them, and otherwise from ``consensus_sim.schema_docs.DESCRIPTIONS``. A field without a description,
or a description for a field the schema does not have, is an error, so a new field
cannot be added to the code without being documented here.

Usage (from the project's root)::

    python scripts/schema_reference.py > docs/scenario-reference.md

``tests/test_docs.py`` checks that the committed file equals this script's output.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from consensus_sim.schema_docs import DESCRIPTIONS, described_schema

OUTPUT = "docs/scenario-reference.md"

_TYPES = {"string": "text", "number": "number", "integer": "integer", "boolean": "boolean",
          "null": "none"}


def schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, as ``consensus-sim schema`` prints it."""
    return described_schema()


def builtin_defaults() -> dict[str, float]:
    """What an actor parameter is when neither defaults, groups nor the actor set it."""
    from consensus_sim.scenario import BUILTIN_DEFAULTS

    return dict(BUILTIN_DEFAULTS)


# ------------------------------------------------------------------------ text


def _anchor(name: str) -> str:
    return name.lower()


def _link(name: str) -> str:
    return f"[{name}](#{_anchor(name)})"


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _number(value: float) -> str:
    return f"{value:g}"


def _prose(text: str) -> str:
    """Docstring text as Markdown: RST roles and double backquotes become code."""
    text = re.sub(r":\w+:`~?\.?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _cell(text: str) -> str:
    """Text that fits in one table cell."""
    return " ".join(_prose(text).split()).replace("|", "\\|")


def _flow(value: Any) -> str:
    """A default as a YAML flow value, leaving out what is unset or empty."""
    if isinstance(value, dict):
        items = [f"{k}: {_flow(v)}" for k, v in value.items() if v not in (None, {}, [])]
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if value is None:
        return "null"
    return json.dumps(value) if value == "" else str(value)


# ------------------------------------------------------------------ the schema


def _without_null(prop: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The non-null branch of ``anyOf: [X, null]``, and whether null was allowed."""
    options = prop.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        (inner,) = [o for o in options if o != {"type": "null"}]
        return {**inner, **{k: v for k, v in prop.items() if k != "anyOf"}}, True
    return prop, False


def type_text(prop: dict[str, Any]) -> str:
    """A field's type, in words, with links to the sections of nested models."""
    prop, _ = _without_null(prop)
    if "$ref" in prop:
        return _link(_ref_name(prop["$ref"]))
    if "oneOf" in prop:
        return "one of " + ", ".join(type_text(o) for o in prop["oneOf"])
    if "anyOf" in prop:
        return " or ".join(type_text(o) for o in prop["anyOf"])
    kind = prop.get("type")
    if kind == "array":
        return f"list of {type_text(prop.get('items', {}))}"
    if kind == "object":
        if "patternProperties" in prop:
            (value,) = prop["patternProperties"].values()
            return f"mapping of name → {type_text(value)}"
        value = prop.get("additionalProperties")
        if isinstance(value, dict):
            return f"mapping of id → {type_text(value)}"
        return "mapping"
    if kind in _TYPES:
        return _TYPES[kind]
    return "any"


def _range(prop: dict[str, Any]) -> str:
    low = ("≥", prop["minimum"]) if "minimum" in prop else (
        (">", prop["exclusiveMinimum"]) if "exclusiveMinimum" in prop else None)
    high = ("≤", prop["maximum"]) if "maximum" in prop else (
        ("<", prop["exclusiveMaximum"]) if "exclusiveMaximum" in prop else None)
    if low and high:
        left = "≤" if low[0] == "≥" else "<"
        return f"{_number(low[1])} {left} x {high[0]} {_number(high[1])}"
    if low:
        return f"{low[0]} {_number(low[1])}"
    if high:
        return f"{high[0]} {_number(high[1])}"
    return ""


def allowed_text(prop: dict[str, Any]) -> str:
    """The values a field allows: choices, ranges, lengths, patterns."""
    prop, _ = _without_null(prop)
    parts = []
    if "const" in prop:
        parts.append(f"`{prop['const']}`")
    if "enum" in prop:
        parts.append(", ".join(f"`{v}`" for v in prop["enum"]))
    if "discriminator" in prop:
        mapping = prop["discriminator"]["mapping"]
        parts.append(f"chosen by `{prop['discriminator']['propertyName']}`: " + ", ".join(
            f"`{tag}`" for tag in mapping))
    if numbers := _range(prop):
        parts.append(numbers)
    if "minLength" in prop:
        parts.append("not empty" if prop["minLength"] == 1
                     else f"at least {prop['minLength']} characters")
    if "maxLength" in prop:
        parts.append(f"at most {prop['maxLength']} characters")
    if "pattern" in prop:
        parts.append(f"pattern `{prop['pattern']}`")
    if "minItems" in prop:
        n = prop["minItems"]
        parts.append(f"at least {n} item{'s' * (n != 1)}")
    kind = prop.get("type")
    items = prop.get("items", {})
    if kind == "array" and "$ref" not in items and (inner := allowed_text(items)):
        parts.append(f"each: {inner}")
    if kind == "object":
        if "patternProperties" in prop:
            (pattern,) = prop["patternProperties"]
            parts.append(f"names: pattern `{pattern}`")
            names = prop.get("propertyNames", {})
            if "maxLength" in names:
                parts.append(f"names at most {names['maxLength']} characters")
        value = prop.get("additionalProperties")
        if isinstance(value, dict) and (inner := allowed_text(value)):
            # a mapping of mappings: the innermost values are what is constrained
            parts.append(inner if inner.startswith("each value: ") else f"each value: {inner}")
    return "; ".join(parts)


def default_text(name: str, prop: dict[str, Any], required: bool, model: str,
                 builtin: dict[str, float]) -> str:
    """A field's default: required, a value, inherited, or empty."""
    if required:
        return "**required**"
    if "default" not in prop:
        kind = _without_null(prop)[0].get("type")
        return "empty" if kind in ("object", "array") else "—"
    value = prop["default"]
    if value is None:
        if name in builtin and model in ("ActorParams", "Actor"):
            return f"inherited; built in: `{_number(builtin[name])}`"
        return "none"
    if value in ([], {}):
        return "empty"
    if isinstance(value, dict):
        text = _flow(value)
        return "empty" if text == "{}" else f"`{text}`"
    return f"`{_flow(value)}`"


def description_text(model: str, field: str, prop: dict[str, Any]) -> str:
    """The field's description: the schema's own, else this script's."""
    if "description" in prop:
        return _cell(prop["description"])
    try:
        return _cell(DESCRIPTIONS[model][field])
    except KeyError:
        raise SystemExit(f"{__file__}: no description for {model}.{field}; add one to "
                         "DESCRIPTIONS (or a description to the field in the code)") from None


def _refs(prop: Any) -> list[str]:
    """The models a field's schema refers to, in order."""
    if isinstance(prop, dict):
        found = [_ref_name(prop["$ref"])] if "$ref" in prop else []
        for key, value in prop.items():
            if key not in ("$ref", "discriminator", "default"):
                found += _refs(value)
        return found
    if isinstance(prop, list):
        return [name for item in prop for name in _refs(item)]
    return []


def sections(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], list[str]]]:
    """Every model as (name, schema, where it is used), in reading order.

    The top level comes first, then each model in the order a reader meets it
    walking the fields depth-first; models nothing refers to come last.
    """
    defs = document.get("$defs", {})
    used: dict[str, list[str]] = {}
    order = ["Scenario"]

    def walk(model: str, node: dict[str, Any], path: str) -> None:
        for field, prop in node.get("properties", {}).items():
            where = f"{path}.{field}" if path else field
            if _without_null(prop)[0].get("type") == "array":
                where += "[]"
            elif "patternProperties" in prop:
                where += ".NAME"
            for ref in _refs(prop):
                used.setdefault(ref, [])
                if where not in used[ref]:
                    used[ref].append(where)
                if ref not in order:
                    order.append(ref)
                    walk(ref, defs[ref], where)

    walk("Scenario", document, "")
    order += sorted(name for name in defs if name not in order)
    return [(name, document if name == "Scenario" else defs[name], used.get(name, []))
            for name in order]


def _own_fields_first(name: str, node: dict[str, Any],
                      document: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A model's fields, its own before those of the model it extends (and that model).

    A model extends another when it has every field of that model, with the same
    schema (``Actor`` has every parameter of ``ActorParams``, then ``id``, ``type``, ...).
    """
    properties = node.get("properties", {})
    shared: set[str] = set()
    base = None
    for other, schema_ in document.get("$defs", {}).items():
        fields = schema_.get("properties", {})
        if other != name and fields and len(fields) < len(properties) and all(
                properties.get(f) == p for f, p in fields.items()) and len(fields) > len(shared):
            shared, base = set(fields), other
    own = {f: p for f, p in properties.items() if f not in shared}
    return {**own, **{f: p for f, p in properties.items() if f in shared}}, base


def check_descriptions(document: dict[str, Any]) -> None:
    """Fail on a description in :data:`DESCRIPTIONS` for a field that does not exist."""
    models = {"Scenario": document, **document.get("$defs", {})}
    for model, fields in DESCRIPTIONS.items():
        if model not in models:
            raise SystemExit(f"{__file__}: DESCRIPTIONS names model {model!r}, which the "
                             "schema does not have")
        for field in fields:
            if field and field not in models[model].get("properties", {}):
                raise SystemExit(f"{__file__}: DESCRIPTIONS names {model}.{field}, which the "
                                 "schema does not have")


def render(document: dict[str, Any] | None = None) -> str:
    """The whole reference, as Markdown."""
    document = schema() if document is None else document
    check_descriptions(document)
    builtin = builtin_defaults()
    lines = [
        "# Scenario file reference",
        "",
        "> Generated by `scripts/schema_reference.py` from the JSON Schema of scenario files "
        "(`consensus-sim schema`); do not edit by hand. To update it, run "
        f"`python scripts/schema_reference.py > {OUTPUT}`.",
        "",
        "Every section below is one part of a scenario file, every row one field: its "
        "type, the values allowed, its default (or **required**) and what it means. "
        "Numbers on a dimension (positions, saliences, the status quo, the proposal) are "
        "on the scale 0 to 1. Unknown fields are errors. Checks that span several fields "
        "(ids that must exist, values every dimension needs) are named in the "
        "descriptions. For a guided tour with examples, see "
        "[scenario-format.md](scenario-format.md); to write a first scenario, "
        "[tutorial.md](tutorial.md).",
        "",
        "Sections: " + ", ".join(_link(name) for name, _, _ in sections(document)) + ".",
    ]
    for name, node, used in sections(document):
        lines += ["", f"## {name}", ""]
        text = node.get("description") or DESCRIPTIONS.get(name, {}).get("")
        if name == "Scenario":
            text = "The top level of a scenario file."
        if text:
            lines += [_prose(text).strip(), ""]
        if used:
            lines += ["Used at: " + ", ".join(f"`{u}`" for u in used) + ".", ""]
        properties, base = _own_fields_first(name, node, document)
        required = set(node.get("required", []))
        if base:
            first = next(f for f in properties if f in document["$defs"][base]["properties"])
            lines += [f"From `{first}` on, the fields are those of {_link(base)}.", ""]
        lines += ["| field | type | allowed | default | description |",
                  "|---|---|---|---|---|"]
        for field, prop in properties.items():
            lines.append("| " + " | ".join([
                f"`{field}`",
                type_text(prop),
                allowed_text(prop) or "—",
                default_text(field, prop, field in required, name, builtin),
                description_text(name, field, prop),
            ]) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
