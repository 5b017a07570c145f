"""Rewrite the generated parts of docs/reference/england-lifecycle.md from the library."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_docs import lifecycle_table, mermaid_block  # noqa: E402


def replace(text: str, name: str, content: str) -> str:
    """Replace the text between ``<!-- name:begin -->`` and ``<!-- name:end -->``."""
    begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + content + end + tail


def main() -> None:
    """Regenerate the diagram and the step table."""
    page = ROOT / "docs" / "reference" / "england-lifecycle.md"
    text = replace(page.read_text(), "diagram", mermaid_block())
    page.write_text(replace(text, "steps", lifecycle_table()))


if __name__ == "__main__":
    main()
