"""Every example script runs, and the README's code runs as written."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def run_main(path: Path) -> None:
    """Import an example script as a module, as worker processes can too, and call main()."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
        module.main()
    finally:
        sys.path.remove(str(path.parent))
        del sys.modules[path.stem]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Examples that leave files leave them in a temporary folder."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each example's main() runs to the end and prints something."""
    run_main(path)
    assert capsys.readouterr().out.strip()


def test_demo_prints_uk_dates_and_citations(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo shows the Christmas 2023 case due on Wednesday 3 January 2024, with citations."""
    run_main(ROOT / "examples" / "assess_incidents.py")
    out = capsys.readouterr().out
    assert "notify_panel: due Wednesday 3 January 2024" in out
    assert "cites: Children Act 2004 s16C(1)(b)" in out
    assert "notify_secretary_of_state_and_ofsted: due Friday 5 April 2024" in out


def test_readme_code_runs() -> None:
    """The README's Python blocks run as written."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_walk_a_case_shows_the_lifecycle(capsys: pytest.CaptureFixture[str]) -> None:
    """The README demo: duties, a late entry, a correction, a refusal, a verified history."""
    run_main(ROOT / "examples" / "walk_a_case.py")
    out = capsys.readouterr().out
    assert "notify_panel: met on Tuesday 2 January 2024 (due Wednesday 3 January 2024)" in out
    assert "corrected:  met on Wednesday 3 January 2024" in out
    assert "refused: the step needs 'rationale_ref' in its payload [RR-02, RR-04]" in out
    assert "chain verifies: True" in out
    assert "it equals the stored case: True" in out
    assert "stateDiagram-v2" in out
    assert "gantt" in out
    from safeguarding_workflow.__main__ import run

    assert 0 == run(["verify", "--database", "sqlite:///safeguarding-demo.db"])


def test_custom_guard_and_subscriber(capsys: pytest.CaptureFixture[str]) -> None:
    """The host's guard refuses, then allows; its notifier queued tasks after storage."""
    run_main(ROOT / "examples" / "custom_guard_and_subscriber.py")
    out = capsys.readouterr().out
    assert "Refused: the communications team has not approved" in out
    assert "After approval the case is published_full." in out
    assert 3 == out.count("reached")


def test_two_workers(capsys: pytest.CaptureFixture[str]) -> None:
    """Two processes on one SQLite file: each step once, every chain verified."""
    run_main(ROOT / "examples" / "two_workers.py")
    out = capsys.readouterr().out
    assert "10 cases, each step taken exactly once, every chain verified: True" in out
