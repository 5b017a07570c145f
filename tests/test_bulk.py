"""The bulk generator: real cases, written straight into a store, the same whatever the workers."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.bulk import USUAL_PATH, generate
from safeguarding_workflow.stores._sql._rows import deadline_rows_of
from safeguarding_workflow.stores._sql._store import SqlStore
from safeguarding_workflow.testing._england import USUAL_PATH as WHOLE_PATH
from safeguarding_workflow.testing._england import step_command

from .helpers import TENANT, Driver


def _rows(store: SqlStore, table: str) -> int:
    with store.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(store.tables[table])).scalar())


def test_generated_cases_are_whole_and_verify(tmp_path: Path) -> None:
    """Counts match the tables; every chain verifies; deadline rows are the cases' own."""
    store = SqlStore.sqlite(str(tmp_path / "bulk.db"))
    report = generate(store, cases=40, tenants=("bulk-a", "bulk-b"), batch=15)
    assert 40 == report.cases == _rows(store, "cases")
    assert report.records == _rows(store, "history") == _rows(store, "outbox")
    assert report.deadlines == _rows(store, "deadlines")
    assert report.records > report.cases  # some cases were walked along the usual path
    for head in store.heads():
        history = store.history(head.tenant_id, head.case_id)
        assert sw.verify(history).ok
        assert head.hash == history[-1].hash
        case = store.get(head.tenant_id, head.case_id)
        assert case == sw.rebuild(history)
        deadlines = store.tables["deadlines"]
        with store.engine.connect() as c:
            kinds = c.execute(
                sa.select(deadlines.c.kind, deadlines.c.status).where(
                    deadlines.c.tenant_id == case.tenant_id, deadlines.c.case_id == case.case_id
                )
            ).all()
        assert {(r["kind"], r["status"]) for r in deadline_rows_of(case)} == {
            tuple(k) for k in kinds
        }
    assert {"bulk-a", "bulk-b"} == {h.tenant_id for h in store.heads()}
    store.engine.dispose()


def test_the_same_cases_whatever_the_workers(tmp_path: Path) -> None:
    """Batches are seeded on their own, so two worker processes write what one does."""
    one = SqlStore.sqlite(str(tmp_path / "one.db"))
    two = SqlStore.sqlite(str(tmp_path / "two.db"))
    first = generate(one, cases=24, batch=8, seed=7)
    second = generate(two, cases=24, batch=8, seed=7, workers=2)
    assert first == second
    assert [(h.case_id, h.hash) for h in one.heads()] == [(h.case_id, h.hash) for h in two.heads()]
    other = SqlStore.sqlite(str(tmp_path / "other.db"))
    generate(other, cases=24, batch=8, seed=8)
    assert [h.hash for h in one.heads()] != [h.hash for h in other.heads()]
    for store in (one, two, other):
        store.engine.dispose()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cases": 0}, "cases"),
        ({"cases": 5, "batch": 0}, "batch"),
        ({"cases": 5, "workers": 0}, "workers"),
        ({"cases": 5, "days": 0}, "days"),
        ({"cases": 5, "tenants": ()}, "tenants"),
        ({"cases": 5, "tenants": "bulk"}, "tenants"),
        ({"cases": 5, "first_day": "2022-01-01"}, "first_day"),
    ],
)
def test_bad_arguments_write_nothing(tmp_path: Path, kwargs: dict[str, object], field: str) -> None:
    """Each bad argument is refused by name, before anything is written."""
    store = SqlStore.sqlite(str(tmp_path / "bad.db"))
    with pytest.raises(sw.ConfigurationError) as caught:
        generate(store, **kwargs)  # type: ignore[arg-type]
    assert field == caught.value.field
    assert 0 == _rows(store, "cases")
    store.engine.dispose()


def test_workers_need_a_store_they_can_open() -> None:
    """An in-memory SQLite cannot be shared with worker processes."""
    store = SqlStore(sa.create_engine("sqlite://"))
    store.create_schema()
    with pytest.raises(sw.ConfigurationError):
        generate(store, cases=4, batch=2, workers=2)


def test_bulk_walks_the_first_steps_of_the_path() -> None:
    """bulk.USUAL_PATH is the path to an appointed reviewer, its payloads subsets of the path's."""
    assert [(e, r) for e, r, _ in WHOLE_PATH[:6]] == [(e, r) for e, r, _ in USUAL_PATH]
    for (_, _, whole), (_, _, bulk) in zip(WHOLE_PATH, USUAL_PATH, strict=False):
        assert bulk.items() <= whole.items()
    d = Driver()
    d.open()
    for event, role, payload in USUAL_PATH:
        when = d.command(event).occurred_at  # a day on, the clock moved past it
        d.workflow.fire(step_command(TENANT, "case-1", event, role, payload, when))
    assert "review_in_progress" == d.case().state


class TestProgress:
    def test_the_callback_counts_up_to_the_total(self, tmp_path: Path) -> None:
        """Called with growing counts of the cases asked for, ending at the total once written."""
        store = SqlStore.sqlite(str(tmp_path / "p.db"))
        calls: list[tuple[int, int]] = []
        written: list[int] = []

        def progress(done: int, total: int) -> None:
            calls.append((done, total))
            if done == total:
                written.append(_rows(store, "cases"))

        generate(store, cases=25, batch=10, progress=progress)
        done = [d for d, _ in calls]
        assert ({25}, done, [25]) == ({t for _, t in calls}, sorted(set(done)), written)
        assert (1, 25) == (done[0], done[-1])
        store.engine.dispose()

    def test_with_workers_it_counts_written_batches(self, tmp_path: Path) -> None:
        """With worker processes, each batch counts once written; the last call is the total."""
        store = SqlStore.sqlite(str(tmp_path / "w.db"))
        calls: list[tuple[int, int]] = []
        generate(store, cases=24, batch=8, workers=2, progress=lambda d, t: calls.append((d, t)))
        assert [(8, 24), (16, 24), (24, 24)] == calls
        store.engine.dispose()

    def test_a_progress_that_is_not_callable_is_refused(self) -> None:
        """A misconfiguration, named by field, before anything is written."""
        store = SqlStore(sa.create_engine("sqlite://"))
        store.create_schema()
        with pytest.raises(sw.ConfigurationError) as info:
            generate(store, cases=2, progress=5)  # type: ignore[arg-type]
        assert ("progress", 0) == (info.value.field, _rows(store, "cases"))


class TestGenerateCommand:
    def test_it_writes_cases_with_a_progress_bar(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``generate --sqlite FILE``: a bar on stderr, counts on stdout; the store verifies."""
        from safeguarding_workflow.__main__ import run

        path = tmp_path / "cli.db"
        status = run(["generate", "--sqlite", str(path), "--cases", "30", "--batch", "10"])
        out, err = capsys.readouterr()
        assert (0, True) == (status, out.startswith("wrote 30 cases, "))
        assert "30/30" in err
        assert "cases/s" in err
        assert 0 == run(["verify", "--database", f"sqlite:///{path}"])

    def test_without_rich_it_prints_plain_lines(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without rich (or with --plain): a line a tenth of the way, with rate and time left."""
        import sys

        from safeguarding_workflow.__main__ import run

        monkeypatch.setitem(sys.modules, "rich.progress", None)  # import fails as if missing
        url = f"sqlite:///{tmp_path / 'plain.db'}"
        status = run(["generate", "--database", url, "--cases", "20", "--tenant", "t-1"])
        out, err = capsys.readouterr()
        lines = err.splitlines()
        assert (0, True) == (status, lines[-1].startswith("generated 20/20 cases (100%)"))
        assert all("cases/s" in line and "left" in line for line in lines)
        assert 2 <= len(lines) <= 11
        assert out.startswith("wrote 20 cases, ")

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--database", "sqlite://", "--cases", "3"], "must name a SQLite file"),
            (["--sqlite", "{dir}/x.db", "--cases", "0"], "'cases' must be at least 1"),
            (["--database", "nowhere://x", "--cases", "3"], "could not open the store"),
        ],
    )
    def test_what_it_cannot_do_is_one_line(
        self, argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit status 2 and one line on stderr, never a traceback."""
        from safeguarding_workflow.__main__ import run

        status = run(["generate", *(a.replace("{dir}", str(tmp_path)) for a in argv)])
        err = capsys.readouterr().err
        assert (2, True, False) == (status, message in err, "Traceback" in err)

    def test_the_plain_lines_come_a_tenth_at_a_time(self) -> None:
        """Plain progress: a line each tenth of the way, or after five quiet seconds."""
        from safeguarding_workflow.__main__ import _PlainLines

        now = [0.0]
        lines = _PlainLines(lambda: now[0])
        out = io.StringIO()
        with contextlib.redirect_stderr(out):
            for done in range(1, 101):
                now[0] += 0.01
                lines(done, 100)
            now[0] += 6
            lines(100, 100)
        shown = [int(line.split("/")[0].split()[-1]) for line in out.getvalue().splitlines()]
        assert [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 100] == shown
