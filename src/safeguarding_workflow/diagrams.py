"""
Diagrams as text: Mermaid and Graphviz DOT of a lifecycle, and a Mermaid Gantt of a case.

No binary is needed: paste the text into any Mermaid or Graphviz renderer (GitHub
and MkDocs Material render Mermaid). The output is deterministic, so it can be
kept under version control and compared.

Added in version 0.1.0.
"""

from __future__ import annotations

from ._case import Case, DeadlineStatus
from ._lifecycle import Lifecycle

__all__ = ["dot", "gantt", "mermaid"]


def _edges(lifecycle: Lifecycle) -> list[tuple[str, str, str, str]]:
    """``(source, dest, event, roles)`` for every step, in declaration order."""
    edges = []
    for step in lifecycle.steps:
        for source in step.sources:
            edges.append((source, step.dest or source, step.event, ", ".join(step.roles)))
    return edges


def mermaid(lifecycle: Lifecycle) -> str:
    """
    A Mermaid ``stateDiagram-v2`` of *lifecycle*: every step, labelled with its event and roles.

    Steps that record without changing state appear as loops.

    Added in version 0.1.0.
    """
    lines = [
        "---",
        f"title: {lifecycle.name} lifecycle v{lifecycle.version}",
        "---",
        "stateDiagram-v2",
        f"    [*] --> {lifecycle.initial}",
    ]
    lines += [f"    {s} --> {d} : {event} ({roles})" for s, d, event, roles in _edges(lifecycle)]
    lines += [f"    {state} --> [*]" for state in lifecycle.states if state in lifecycle.terminal]
    return "\n".join(lines) + "\n"


def dot(lifecycle: Lifecycle) -> str:
    """
    A Graphviz DOT digraph of *lifecycle*; terminal states are drawn with a double border.

    Added in version 0.1.0.
    """
    lines = [
        f'digraph "{lifecycle.name} v{lifecycle.version}" {{',
        "    rankdir=LR;",
        '    node [shape=box, style=rounded, fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
        '    "__start__" [shape=point, label=""];',
    ]
    for state in lifecycle.states:
        extra = ", peripheries=2" if state in lifecycle.terminal else ""
        lines.append(f'    "{state}" [label="{state}"{extra}];')
    lines.append(f'    "__start__" -> "{lifecycle.initial}";')
    for source, dest, event, roles in _edges(lifecycle):
        lines.append(f'    "{source}" -> "{dest}" [label="{event}\\n({roles})"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def gantt(case: Case) -> str:
    """
    A Mermaid Gantt chart of *case*'s deadlines against when they were met.

    Each deadline is a bar between its anchor and its due date (marked ``crit``
    when it was met late), with a milestone on the day it was met. A deadline still
    waiting for its anchor (DEC-05) is listed as a comment.

    Added in version 0.1.0.
    """
    lines = [
        "gantt",
        f"    title Deadlines of case {case.case_id}",
        "    dateFormat YYYY-MM-DD",
        "    axisFormat %d %b %Y",
    ]
    for index, deadline in enumerate(case.deadlines, start=1):
        if deadline.anchor_on is None or deadline.due is None:
            lines.append(f"    %% {deadline.kind}: waits for {deadline.anchor_event}")
            continue
        rules = " ".join(deadline.rule_ids)
        tags = "crit, " if deadline.status is DeadlineStatus.MET_LATE else ""
        lines.append(f"    section {deadline.kind}")
        start, end = sorted((deadline.anchor_on, deadline.due))  # "before" deadlines run back
        lines.append(
            f"    due {deadline.due.isoformat()} ({rules}) :{tags}d{index}, "
            f"{start.isoformat()}, {end.isoformat()}"
        )
        if deadline.met_on is not None:
            label = "met late" if deadline.status is DeadlineStatus.MET_LATE else "met"
            lines.append(
                f"    {label} {deadline.met_on.isoformat()} :milestone, m{index}, "
                f"{deadline.met_on.isoformat()}, 0d"
            )
        elif deadline.status is DeadlineStatus.CANCELLED:
            lines.append(f"    %% {deadline.kind}: cancelled")
    return "\n".join(lines) + "\n"
