"""A second rule pack, written outside the package, runs through the whole library."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import attrs
import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.__main__ import run
from safeguarding_workflow.stores import IdempotentConsumer, OutboxRelay, SqlStore
from safeguarding_workflow.testing import FrozenClock, PackContract, PackScenario

from ..stores import test_memory, test_postgresql, test_sqlite
from . import toy

#: A fictional incident in the City of Edinburgh council area.
EDINBURGH = "S12000036"
INCIDENT = sw.Incident(
    children=[sw.Child(age=9, harm="serious_harm")],
    location=sw.Location.scotland(EDINBURGH),
    abuse_or_neglect="suspected",
    la_aware_at=pendulum.datetime(2023, 11, 29, 9, tz="Europe/London"),
)
TENANT = "toy-tenant"
_counter = itertools.count()


class TestToyPack(PackContract):
    """The shipped pack contract, run on the toy pack."""

    def make_pack(self) -> sw.RulePack:
        return toy.PACK

    def scenario(self) -> PackScenario:
        return PackScenario(INCIDENT, EDINBURGH, walk=toy.WALK)


def test_core_never_names_the_toy_pack() -> None:
    """No edit under the core: the package's source never mentions the toy pack."""
    source = Path(sw.__file__).parent
    for path in source.rglob("*.py"):
        assert not re.search(r"\btoy", path.read_text()), path


def test_assessment_uses_the_packs_settings_and_calendar() -> None:
    """The toy's grace days come from its own settings; its calendar is Scotland's."""
    tenant = sw.TenantSettings(TENANT, packs=[toy.ToySettings(grace_days=1)])
    calendar = toy.PACK.calendar(tenant)
    assessment = toy.assess(
        INCIDENT,
        local_authority=EDINBURGH,
        settings=tenant,
        calendar=calendar,
        registry=sw.LocalAuthorityRegistry.default(),
        clock=None,
    )
    duty = assessment.duty(toy.FILE_RETURN)
    assert duty is not None
    # Wednesday 29 November 2023; Thursday 30 November is St Andrew's Day in Scotland only.
    assert pendulum.date(2023, 12, 1) == duty.due
    assert ("TOY-01",) == tuple(r.id for r in duty.rules)


def test_rules_of_the_pack_are_in_use() -> None:
    """Building the pack put its catalogue in use next to the core's and England's."""
    assert "A clerk opens toy cases." == sw.RULES["TOY-03"].summary
    assert "WD-02" in sw.RULES
    assert "NOT-04" in sw.RULES


def test_a_catalogue_that_redefines_a_rule_is_refused() -> None:
    """A pack may not give a rule id in use a different meaning."""
    clash = sw.RuleCatalogue((sw.Rule("TOY-01", "Something else.", "Elsewhere", "V"),))
    with pytest.raises(sw.ConfigurationError):
        sw.RulePack(
            name="clash",
            version="1",
            lifecycle=toy.LIFECYCLE,
            assess=toy.assess,
            calendar=toy.PACK.calendar,
            rules=clash,
            duty_kinds=toy.PACK.duty_kinds,
            openers=("toy_clerk",),
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"duty_kinds": (toy.FILE_RETURN,)},
            "duty_kinds",
        ),  # the lifecycle opens an undeclared kind
        ({"openers": ("nobody",)}, "openers"),
        ({"name": "Toy Pack"}, "RulePack.name"),
    ],
)
def test_inconsistent_packs_are_refused(change: dict[str, object], field: str) -> None:
    """A pack is checked whole when built."""
    base = {
        "name": "toy_variant",
        "version": "1",
        "lifecycle": toy.LIFECYCLE,
        "assess": toy.assess,
        "calendar": toy.PACK.calendar,
        "rules": toy.RULES,
        "duty_kinds": toy.PACK.duty_kinds,
        "openers": ("toy_clerk",),
    }
    with pytest.raises(sw.ConfigurationError) as info:
        sw.RulePack(**{**base, **change})  # type: ignore[arg-type]
    assert field == info.value.field


@pytest.fixture(name="store", params=["memory", "sqlite", "postgresql"])
def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sw.CaseStore]:
    prefix = f"toy{next(_counter)}_"
    if request.param == "memory":
        yield sw.MemoryStore()
        return
    if request.param == "sqlite":
        sql = SqlStore.sqlite(str(tmp_path / "toy.db"), prefix=prefix)
    else:
        sql = SqlStore.postgresql(request.getfixturevalue("pg_url"), prefix=prefix)
    yield sql
    sql.engine.dispose()


def walk(store: sw.CaseStore) -> tuple[sw.Workflow, FrozenClock, list[sw.CloudEvent]]:
    """Open a toy case on *store* and walk it to its terminal state."""
    clock = FrozenClock(INCIDENT.la_aware_at.add(hours=1))
    heard: list[sw.CloudEvent] = []
    workflow = sw.Workflow(
        toy.PACK,
        clock=clock,
        settings=[sw.TenantSettings(TENANT)],
        store=store,
        subscribers=(heard.append,),
    )
    case = workflow.open(
        TENANT, INCIDENT, local_authority=EDINBURGH, actor="clerk-1", case_id="toy-1"
    ).case
    assert "open" == case.state
    when = INCIDENT.la_aware_at
    for event, role, payload in toy.WALK:
        when = when.add(days=1)
        clock.set(when.add(hours=1))
        workflow.fire(
            sw.Command(
                TENANT,
                "toy-1",
                event,
                actor="clerk-1",
                role=role,
                occurred_at=when,
                payload=dict(payload),
            )
        )
    return workflow, clock, heard


def test_the_toy_pack_runs_on_every_store(store: sw.CaseStore) -> None:
    """Assess, open, step, meet deadlines in working days and months; verify and rebuild."""
    workflow, _clock, heard = walk(store)
    case = workflow.case(TENANT, "toy-1")
    history = workflow.history(TENANT, "toy-1")
    assert ("checked", 3) == (case.state, case.version)
    deadlines = {d.kind: d for d in case.deadlines}
    assert (sw.DeadlineStatus.MET, pendulum.date(2023, 12, 5)) == (
        deadlines[toy.FILE_RETURN].status,
        deadlines[toy.FILE_RETURN].due,
    )
    # Opened by the filing on 30 November 2023: 12 calendar months later, a Saturday,
    # surfaced and not moved (WD-04).
    check = deadlines[toy.YEARLY_CHECK]
    assert (pendulum.date(2024, 11, 30), True) == (check.due, check.non_working_day)
    assert ("toy", "1", "toy", "1") == (
        case.rule_pack,
        case.rule_pack_version,
        case.lifecycle,
        case.lifecycle_version,
    )
    assert sw.verify(history).ok
    assert case == sw.history.rebuild(history)
    assert [r.event_id for r in history] == [e.id for e in heard]


def test_the_toy_pack_through_the_outbox_and_the_verifier(tmp_path: Path) -> None:
    """A SQLite store's outbox relays the toy's events once each; the CLI verifies its chain."""
    path = tmp_path / "toy-relay.db"
    store = SqlStore.sqlite(str(path))
    _workflow, clock, _heard = walk(store)
    seen: list[sw.CloudEvent] = []
    relay = OutboxRelay(
        store, IdempotentConsumer.for_store(seen.append, store, "toy-consumer"), clock=clock
    )
    relay.run_until_idle()
    relay.run_until_idle()
    assert ["opened", "file", "check"] == [e.data["event"] for e in seen]
    assert all(e.type.startswith("org.safeguarding-workflow") for e in seen)
    store.engine.dispose()
    assert 0 == run(["verify", "--database", f"sqlite:///{path}"])


def test_the_toy_lifecycle_draws() -> None:
    """The diagrams of the toy lifecycle name its states and steps."""
    mermaid = sw.diagrams.mermaid(toy.LIFECYCLE)
    assert all(name in mermaid for name in ("open", "filed", "checked", "file", "check"))


class _Broken(TestToyPack):
    """The toy pack with an assessment that raises a kind the pack never declared."""

    def make_pack(self) -> sw.RulePack:
        def assess(incident: sw.Incident, /, **kwargs: object) -> sw.Assessment:
            assessment = toy.assess(incident, **kwargs)  # type: ignore[arg-type]
            duty = attrs.evolve(assessment.duties[0], kind="toy_undeclared")
            return attrs.evolve(assessment, duties=(duty,))

        return attrs.evolve(toy.PACK, name="toy_broken", assess=assess)


def test_the_pack_contract_can_fail() -> None:
    """A pack whose assessment raises an undeclared duty kind fails the contract."""
    with pytest.raises(AssertionError):
        _Broken().test_duty_kinds_are_declared()


class _ToyPackOnTheStore:
    """Mixed into the stores' contract classes: the store suite, walking a toy case too."""

    def pack(self) -> tuple[sw.RulePack, PackScenario]:
        return toy.PACK, PackScenario(INCIDENT, EDINBURGH, walk=toy.WALK)


class TestToyOnTheMemoryStore(_ToyPackOnTheStore, test_memory.TestMemoryStore):
    """The whole store contract on the memory store, with the toy pack's case walked too."""


class TestToyOnSqlite(_ToyPackOnTheStore, test_sqlite.TestSqliteStore):
    """The whole store contract on SQLite, with the toy pack's case walked too."""


class TestToyOnPostgresql(_ToyPackOnTheStore, test_postgresql.TestPostgresqlStore):
    """The whole store contract on PostgreSQL, with the toy pack's case walked too."""
