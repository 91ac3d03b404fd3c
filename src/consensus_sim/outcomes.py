"""The outcomes a negotiation can end in, by name: the bottom of the package's
layering, so that the scenario schema, the kernel and every output share one list."""

from __future__ import annotations

#: Every outcome, in the order of the kernel's outcome codes (new outcomes are added
#: last, so that the codes of the others stay as they were).
OUTCOMES = ("adopted", "adopted_amended", "withdrawn", "deadlocked", "postponed",
            "adopted_paid", "adopted_rival")
#: The outcomes in which a text was adopted: as proposed, with its scope changed, with
#: its scope as proposed and side payments made (a deal won only by payments), or a
#: rival proposal.
ADOPTED_OUTCOMES = ("adopted", "adopted_amended", "adopted_paid", "adopted_rival")
#: How a yes/no dimension without labels is reported: kept at the status quo (the
#: setter dropped it from the text), or as proposed.
BINARY_LABELS = ("status quo (dropped)", "as proposed")
