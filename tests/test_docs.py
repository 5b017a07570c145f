"""The documentation's code runs as written, page by page, and its generated tables are current."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import safeguarding_workflow as sw

DOCS = Path(__file__).parent.parent / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "```python" in p.read_text())


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_code_runs(page: Path) -> None:
    """Every ```python block of a page runs, in order, in one namespace per page."""
    namespace: dict[str, object] = {}
    for block in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL):
        exec(compile(block, str(page), "exec"), namespace)


#: Every catalogue the library ships, as the rules page lists them.
CATALOGUES = (("The core", sw._rules.CORE_RULES), ("The England pack", sw.england.RULES))


def rules_table() -> str:
    """The rule catalogues as the Markdown tables docs/reference/rules.md carries."""
    lines = []
    for title, catalogue in CATALOGUES:
        lines += [
            f"### {title}",
            "",
            "| Id | Rule | Source | Status | Note |",
            "|---|---|---|---|---|",
        ]
        for rule in catalogue.values():
            cells = (
                rule.id,
                rule.summary,
                rule.source,
                rule.verification.value,
                rule.verification_note,
            )
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def test_rules_page_is_current() -> None:
    """docs/reference/rules.md shows the catalogue exactly as the library holds it."""
    page = (DOCS / "reference" / "rules.md").read_text()
    begin, end = "<!-- rules:begin -->\n", "<!-- rules:end -->"
    assert rules_table() == page[page.index(begin) + len(begin) : page.index(end)]


def mermaid_block() -> str:
    """The England lifecycle's Mermaid diagram, fenced for the docs."""
    return "```mermaid\n" + sw.diagrams.mermaid(sw.england.LIFECYCLE) + "```\n"


def lifecycle_table() -> str:
    """Every step of the England lifecycle as a Markdown table."""
    lines = [
        "| Step | From | To | Roles | Guards | Meets | Rules |",
        "|---|---|---|---|---|---|---|",
    ]
    for step in sw.england.LIFECYCLE.steps:
        cells = (
            f"`{step.event}`",
            ", ".join(step.sources),
            step.dest or "(stays)",
            ", ".join(step.roles),
            ", ".join(step.guards) or "",
            ", ".join(step.meets) or "",
            ", ".join(step.rule_ids),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def test_lifecycle_page_is_current() -> None:
    """docs/reference/england-lifecycle.md shows the lifecycle exactly as the library defines it."""
    page = (DOCS / "reference" / "england-lifecycle.md").read_text()
    for name, content in (("diagram", mermaid_block()), ("steps", lifecycle_table())):
        begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
        assert content == page[page.index(begin) + len(begin) : page.index(end)]


#: reST that a Markdown renderer would print as it is: roles and directives.
RAW_REST = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj):`|\.\. [a-z]+::")


@pytest.fixture(name="site", scope="module")
def _site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation built once, strictly, as `make test` builds it."""
    import subprocess
    import sys

    site = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=DOCS.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    warnings = [line for line in built.stderr.splitlines() if "WARNING" in line]
    assert (0, []) == (built.returncode, warnings[:5])
    return site


def test_built_pages_show_no_raw_rest(site: Path) -> None:
    """The API reference renders docstrings: no reST role or directive reaches a page."""
    pages = sorted(site.rglob("*.html"))
    assert pages
    leaks = {str(p.relative_to(site)) for p in pages if RAW_REST.search(p.read_text())}
    assert set() == leaks


def test_attrs_classes_show_their_field_types(site: Path) -> None:
    """An attrs class's fields are listed with their types (Command's occurred_at, say)."""
    page = (site / "reference" / "api" / "core" / "index.html").read_text()
    start = page.index('id="safeguarding_workflow.Command"')
    section = re.sub(r"<[^>]+>", " ", page[start : start + 8000])
    assert re.search(r"occurred_at\s+DateTime", section)


def _public_constants() -> list[str]:
    """Every public constant, dotted: a name in an `__all__` but no class, function or module."""
    import inspect

    import safeguarding_workflow.schemas

    modules = (
        sw,
        sw.history,
        sw.stores,
        sw.england,
        sw.personal,
        sw.publication,
        sw.local,
        safeguarding_workflow.schemas,
    )
    names = []
    for module in modules:
        for name in module.__all__:
            value = getattr(module, name)
            if name.startswith("__") or inspect.isclass(value) or inspect.ismodule(value):
                continue
            if callable(value) and not isinstance(value, sw.RulePack):
                continue
            names.append(f"{module.__name__}.{name}")
    return names


def test_every_public_constant_is_documented(site: Path) -> None:
    """Each public constant has its own entry in the API reference, with a description."""
    pages = "".join(p.read_text() for p in (site / "reference" / "api").rglob("*.html"))
    missing = []
    for dotted in _public_constants():
        start = pages.find(f'id="{dotted}"')
        end = pages.find('class="doc doc-heading"', start + len(dotted) + 40)
        # its own entry, up to the next heading, holds a described paragraph (its docstring)
        paragraphs = re.findall(r"<p>(.*?)</p>", pages[start:end], flags=re.DOTALL)
        if start < 0 or not any(len(re.findall(r"\b[A-Za-z]{2,}\b", p)) >= 4 for p in paragraphs):
            missing.append(dotted)
    assert [] == missing
