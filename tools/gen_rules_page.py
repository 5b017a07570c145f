"""Rewrite the generated table of docs/reference/rules.md from the library's rule catalogue."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_docs import rules_table  # noqa: E402

BEGIN, END = "<!-- rules:begin -->\n", "<!-- rules:end -->"


def main() -> None:
    """Replace the text between the markers with the current table."""
    page = ROOT / "docs" / "reference" / "rules.md"
    text = page.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    page.write_text(head + BEGIN + rules_table() + END + tail)


if __name__ == "__main__":
    main()
