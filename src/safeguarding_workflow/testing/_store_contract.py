"""
The store contract: the tests every case store passes, shipped for hosts to run on theirs.

Added in version 0.1.0.
"""

from __future__ import annotations

import abc
import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

import attrs
import pendulum

from .._calendar import HolidayAddition
from .._case import Case, Command
from .._facts import Child, Incident, Location
from .._pack import RulePack
from .._settings import TenantSettings
from .._workflow import Outcome, Workflow
from ..england import LIFECYCLE, PACK
from ..exceptions import (
    CaseExistsError,
    CaseNotFoundError,
    ConcurrencyConflict,
    ConfigurationError,
    IdempotencyKeyReused,
    InvalidInputError,
    TransitionRefused,
)
from ..history import HistoryRecord, rebuild, verify
from ..stores import CaseStore, MemoryStore, RegisterRow
from ._clock import FrozenClock
from ._england import BARNSLEY, USUAL_PATH, step_command, walk_usual_path
from ._pack_contract import PackScenario, walk_scenario

__all__ = ["StoreContract"]

#: The fictional tenant, case and local authority (Barnsley's GSS code) the contract uses.
TENANT: Final = "contract-tenant"
CASE: Final = "contract-case"
AUTHORITY: Final = BARNSLEY

#: A payload for each step the contract takes (opaque, fictional references): the usual
#: path's, and a withdrawal's.
_PAYLOADS: Final[dict[str, Mapping[str, object]]] = {
    **{event: payload for event, _, payload in USUAL_PATH},
    "withdraw": {"reason_ref": "note-2"},
}

#: The role that takes each step.
_ROLES: Final = {step.event: step.roles[0] for step in LIFECYCLE.steps}


def _incident(**overrides: Any) -> Incident:
    """A fictional child's death in Barnsley, neglect suspected, known on 5 January 2024."""
    base: dict[str, Any] = {
        "children": [Child(age=4, harm="death", normally_resident_in=AUTHORITY)],
        "location": Location.england(AUTHORITY),
        "abuse_or_neglect": "suspected",
        "la_aware_at": pendulum.datetime(2024, 1, 5, 9, tz="Europe/London"),
    }
    return Incident(**{**base, **overrides})


class _Walk:
    """A workflow over one store on a frozen clock, taking steps a day apart."""

    def __init__(self, store: CaseStore, tenants: tuple[str, ...] = (TENANT,)) -> None:
        self.clock = FrozenClock(pendulum.datetime(2024, 1, 5, 12, tz="UTC"))
        self.store = store
        self.workflow = Workflow(
            PACK,
            clock=self.clock,
            settings=[TenantSettings(tenant) for tenant in tenants],
            store=store,
        )
        self.when = pendulum.datetime(2024, 1, 5, 10, tz="UTC")

    def open(
        self, case_id: str = CASE, tenant: str = TENANT, facts: Incident | None = None
    ) -> Outcome:
        return self.workflow.open(
            tenant,
            facts or _incident(),
            local_authority=AUTHORITY,
            actor="user-1",
            case_id=case_id,
        )

    def command(
        self,
        event: str,
        *,
        days: int = 1,
        case_id: str = CASE,
        tenant: str = TENANT,
        actor: str = "user-1",
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        **payload: Any,
    ) -> Command:
        """
        A command *days* after the previous one, the clock moved an hour past it.

        *payload* overrides the step's usual payload; a None value leaves the field out.
        """
        self.when = self.when.add(days=days)
        self.clock.set(self.when.add(hours=1))
        body = {k: v for k, v in {**_PAYLOADS[event], **payload}.items() if v is not None}
        return step_command(
            tenant,
            case_id,
            event,
            _ROLES[event],
            body,
            self.when,
            actor=actor,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )

    def fire(self, event: str, **kwargs: Any) -> Outcome:
        return self.workflow.fire(self.command(event, **kwargs))

    def walk(self, steps: int = len(USUAL_PATH), case_id: str = CASE) -> list[Outcome]:
        """Open a case and walk *steps* along the usual path; every outcome, the opening's first."""
        outcomes = [self.open(case_id)]
        outcomes += walk_usual_path(self.workflow, TENANT, case_id, self.clock, self.when, steps)
        if steps:
            self.when = outcomes[-1].case.last_step_at
        return outcomes


#: A case and the history record that stored it.
_Pair = tuple[Case, HistoryRecord]


def _stored(outcomes: list[Outcome]) -> list[_Pair]:
    """Each outcome's case and the record that stored it."""
    pairs: list[_Pair] = []
    for outcome in outcomes:
        if outcome.record is None:
            raise AssertionError("a command that changed the case stored no record")
        pairs.append((outcome.case, outcome.record))
    return pairs


def _records(steps: int = len(USUAL_PATH)) -> list[_Pair]:
    """Genuine cases and records of a walk of *steps* steps, made on a scratch memory store."""
    return _stored(_Walk(MemoryStore()).walk(steps))


def _rivals() -> tuple[_Pair, _Pair, _Pair]:
    """An opening and two rival second records, each made by a writer that read version 1."""
    first = _Walk(MemoryStore())
    opening = first.open()
    ours = first.fire("notify_panel")
    other_store = MemoryStore()
    other_store.create(*_stored([opening])[0])
    second = _Walk(other_store)
    theirs = second.fire("notify_panel", actor="user-2", notification_ref="sin-2")
    opened, a, b = _stored([opening, ours, theirs])
    return opened, a, b


def _equal(expected: object, actual: object) -> None:
    """Fail unless *actual* equals *expected* (not an assert: it holds under ``python -O``)."""
    if expected != actual:
        raise AssertionError(f"expected {expected!r}, got {actual!r}")


def _verifies(history: tuple[HistoryRecord, ...]) -> None:
    """Fail unless *history*'s hash chain verifies."""
    result = verify(history)
    if not result.ok:
        raise AssertionError(f"the stored history does not verify: {result!r}")


def _event_id(outcome: Outcome) -> str:
    """The id of the event an outcome announced; fail if it announced none."""
    if outcome.event is None:
        raise AssertionError("the outcome announced no event")
    return outcome.event.id


@contextmanager
def _raises(*expected: type[BaseException]) -> Iterator[None]:
    """Fail unless the block raises one of *expected* (pytest need not be installed)."""
    try:
        yield
    except expected:
        return
    names = " or ".join(e.__name__ for e in expected)
    raise AssertionError(f"expected {names}; nothing was raised")


def _reused(run: Callable[[], object]) -> IdempotencyKeyReused:
    """The IdempotencyKeyReused that *run* raises; fail if it raises nothing."""
    try:
        run()
    except IdempotencyKeyReused as error:
        return error
    raise AssertionError("expected IdempotencyKeyReused; nothing was raised")


def _register(n: int) -> RegisterRow:
    """A register row of fictional bytes (a store keeps it as given, never opens it)."""
    return RegisterRow("contract-kek", bytes([n]) * 40, bytes([n + 1]) * 60)


class _Abandoned(Exception):
    """Raised by the contract to leave a transaction scope by an exception."""


class StoreContract(abc.ABC):
    """
    The tests every `CaseStore` passes.

    Added in version 0.1.0.

    Subclass it in a test module and implement `make_store()`; the test runner
    then runs every ``test_*`` method on the store. pytest collects it as any other
    test class, and it mixes into `unittest.TestCase` too. The tests use
    fictional data only, open their own cases and need nothing else: no fixtures,
    no pytest at import time.

    A store passes when it keeps each case's latest record and its history records
    in order, byte for byte; refuses a duplicate case and a stale version
    (`ConcurrencyConflict`, storing
    nothing of the loser); finds the record of an idempotency key among all of a
    tenant's cases, and refuses a second record under a key; stores nothing
    of a command that leaves its transaction scope by an exception; keeps tenants
    apart; and holds a full walk of the England lifecycle whose history verifies
    and rebuilds into the stored case. Racing writers on threads get exactly one
    winner a round, so the store must be safe to share between threads. It answers
    what is overdue and due soon (`CaseStore.deadlines_due`), for one tenant or
    several, with the rows every store gives alike. It keeps each case's identifier
    register row (`CaseStore.register_row`), written or deleted with the record that
    announces it (`CaseStore.append_with_register`), both or neither, and lists a tenant's
    registers (`CaseStore.register_rows`).

    Example:
        ```python
        from safeguarding_workflow.testing import StoreContract


        class TestRedisStore(StoreContract):
            def make_store(self) -> RedisStore:
                return RedisStore(url=..., namespace=fresh_namespace())
        ```

    """

    @abc.abstractmethod
    def make_store(self) -> CaseStore:
        """
        A new, empty store: each test calls it once, and owns what it returns.

        Stores that share a database must not see each other's cases (use a fresh
        table prefix, schema or namespace each time). Release what the stores hold
        (engines, files) in the test runner's teardown.

        Added in version 0.1.0.
        """

    def pack(self) -> tuple[RulePack, PackScenario]:
        """
        The rule pack, and a fictional case of it, that `test_a_packs_case_round_trips` walks.

        The England pack and its usual path by default. A store is the same for
        every pack; override this to prove it with a pack of your own too.

        Added in version 0.1.0.
        """
        walk = tuple((event, _ROLES[event], _PAYLOADS[event]) for event, _, _ in USUAL_PATH)
        return PACK, PackScenario(_incident(), AUTHORITY, walk=walk[:8])

    def test_a_packs_case_round_trips(self) -> None:
        """A case of `pack()` walked on the store reads back equal, in order, and verifies."""
        pack, scenario = self.pack()
        store = self.make_store()
        clock = FrozenClock(scenario.incident.la_aware_at.add(hours=1))
        workflow = Workflow(pack, clock=clock, settings=[scenario.tenant()], store=store)
        case = walk_scenario(workflow, scenario, clock, case_id=CASE)
        tenant = scenario.tenant().tenant_id
        history = store.history(tenant, CASE)
        _equal(case, store.get(tenant, CASE))
        _equal(len(scenario.walk) + 1, len(history))
        _equal(list(range(1, len(history) + 1)), [r.sequence for r in history])
        _verifies(history)
        _equal(case, rebuild(history))

    # -- storing and reading ------------------------------------------------------------

    def test_create_then_get_and_history(self) -> None:
        """A created case reads back as itself, its history as its one record."""
        store = self.make_store()
        [(case, record)] = _records(0)
        store.create(case, record)
        _equal(case, store.get(TENANT, CASE))
        _equal((record,), store.history(TENANT, CASE))

    def test_create_twice_is_refused(self) -> None:
        """Creating a case that exists raises CaseExistsError and changes nothing."""
        store = self.make_store()
        [(case, record)] = _records(0)
        store.create(case, record)
        with _raises(CaseExistsError):
            store.create(case, record)
        _equal(case, store.get(TENANT, CASE))
        _equal((record,), store.history(TENANT, CASE))

    def test_missing_case_is_not_found(self) -> None:
        """get, history and load raise CaseNotFoundError for a case never created."""
        store = self.make_store()
        with _raises(CaseNotFoundError):
            store.get(TENANT, "no-such-case")
        with _raises(CaseNotFoundError):
            store.history(TENANT, "no-such-case")
        with _raises(CaseNotFoundError):
            store.load(TENANT, "no-such-case", None)
        _equal(None, store.find(TENANT, "no-such-case", "any-key"))

    def test_append_stores_the_next_record(self) -> None:
        """An append at the current version stores the new case and its next record."""
        store = self.make_store()
        (first, opening), (second, record) = _records(1)
        store.create(first, opening)
        store.append(second, record, expected_version=1)
        _equal(second, store.get(TENANT, CASE))
        _equal((opening, record), store.history(TENANT, CASE))

    def test_history_is_in_order(self) -> None:
        """A long history reads back in the order appended, sequences 1 to n."""
        store = self.make_store()
        pairs = _records()
        store.create(*pairs[0])
        for case, record in pairs[1:]:
            store.append(case, record, expected_version=case.version - 1)
        history = store.history(TENANT, CASE)
        _equal(list(range(1, len(pairs) + 1)), [r.sequence for r in history])
        _equal(tuple(record for _, record in pairs), history)
        _equal(pairs[-1][0], store.get(TENANT, CASE))

    def test_record_reads_one_record_by_sequence(self) -> None:
        """record() gives the record of each sequence number, as history() does; no other."""
        store = self.make_store()
        pairs = _records(3)
        store.create(*pairs[0])
        for case, record in pairs[1:]:
            store.append(case, record, expected_version=case.version - 1)
        history = store.history(TENANT, CASE)
        _equal(list(history), [store.record(TENANT, CASE, n) for n in range(1, len(pairs) + 1)])
        for sequence in (0, len(pairs) + 1):
            with _raises(InvalidInputError):
                store.record(TENANT, CASE, sequence)
        with _raises(CaseNotFoundError):
            store.record(TENANT, "no-such-case", 1)

    def test_records_are_byte_identical_after_the_round_trip(self) -> None:
        """Every stored record comes back with the very bytes, hashes and fields it went in with."""
        store = self.make_store()
        outcomes = _Walk(store).walk()
        stored = store.history(TENANT, CASE)
        records = [record for _, record in _stored(outcomes)]
        _equal([r.body for r in records], [r.body for r in stored])
        _equal([(r.prev, r.hash) for r in records], [(r.prev, r.hash) for r in stored])
        _equal(tuple(records), stored)
        _equal({bytes}, {type(r.body) for r in stored})
        _equal(repr(outcomes[-1].case), repr(store.get(TENANT, CASE)))

    def test_cases_are_independent(self) -> None:
        """Two cases of one tenant keep their own records and versions."""
        store = self.make_store()
        walk = _Walk(store)
        walk.open("case-a")
        walk.open("case-b")
        walk.fire("notify_panel", case_id="case-a")
        walk.fire("start_rapid_review", case_id="case-a")
        walk.fire("notify_panel", case_id="case-b", days=0)
        _equal((3, 2), (store.get(TENANT, "case-a").version, store.get(TENANT, "case-b").version))
        _equal({"case-a"}, {r.case_id for r in store.history(TENANT, "case-a")})
        _equal(["opened", "notify_panel"], [r.event for r in store.history(TENANT, "case-b")])

    def test_tenants_are_isolated(self) -> None:
        """Two tenants with the same case id never see each other's case, records or keys."""
        store = self.make_store()
        walk = _Walk(store, tenants=("tenant-a", "tenant-b"))
        for tenant in ("tenant-a", "tenant-b"):
            walk.open("same-id", tenant)
        walk.fire("notify_panel", case_id="same-id", tenant="tenant-a", idempotency_key="key-1")
        _equal(
            ("notified", "incident_recorded"),
            (
                store.get("tenant-a", "same-id").state,
                store.get("tenant-b", "same-id").state,
            ),
        )
        _equal(
            (2, 1),
            (
                len(store.history("tenant-a", "same-id")),
                len(store.history("tenant-b", "same-id")),
            ),
        )
        _equal({"tenant-b"}, {r.tenant_id for r in store.history("tenant-b", "same-id")})
        _equal(None, store.find("tenant-b", "same-id", "key-1"))
        with _raises(CaseNotFoundError):
            store.get("tenant-c", "same-id")

    # -- optimistic concurrency ------------------------------------------------------------

    def test_stale_append_is_refused_and_stores_nothing(self) -> None:
        """Of two writers that read version 1, the later one conflicts and stores nothing."""
        store = self.make_store()
        opened, ours, theirs = _rivals()
        store.create(*opened)
        store.append(*ours, expected_version=1)
        with _raises(ConcurrencyConflict):
            store.append(*theirs, expected_version=1)
        _equal(ours[0], store.get(TENANT, CASE))
        _equal((opened[1], ours[1]), store.history(TENANT, CASE))

    def test_append_ahead_of_the_case_is_refused(self) -> None:
        """An append that expects a version the case has not reached is a ConcurrencyConflict."""
        store = self.make_store()
        pairs = _records(3)
        store.create(*pairs[0])
        store.append(*pairs[1], expected_version=1)
        with _raises(ConcurrencyConflict):
            store.append(*pairs[3], expected_version=3)
        _equal(pairs[1][0], store.get(TENANT, CASE))
        _equal(2, len(store.history(TENANT, CASE)))

    def test_append_to_a_missing_case_creates_nothing(self) -> None:
        """Appending to a case never created is refused, and no case comes of it."""
        store = self.make_store()
        _, (case, record) = _records(1)
        with _raises(CaseNotFoundError, ConcurrencyConflict):
            store.append(case, record, expected_version=1)
        with _raises(CaseNotFoundError):
            store.get(TENANT, CASE)
        with _raises(CaseNotFoundError):
            store.history(TENANT, CASE)

    def test_stale_command_is_refused(self) -> None:
        """A command decided on an old version is refused by the workflow and stores nothing."""
        store = self.make_store()
        walk = _Walk(store)
        walk.walk(1)
        before = (store.get(TENANT, CASE), store.history(TENANT, CASE))
        with _raises(ConcurrencyConflict):
            walk.fire("start_rapid_review", expected_version=1)
        _equal(before, (store.get(TENANT, CASE), store.history(TENANT, CASE)))

    def test_retry_helper_rereads_after_a_conflict(self) -> None:
        """fire_with_retry re-reads the case and fires again when another writer got in first."""
        store = self.make_store()
        walk = _Walk(store)
        walk.walk(1)
        at = walk.when.add(days=1)
        calls: list[int] = []

        def build(case: Case) -> Command:
            calls.append(case.version)
            if len(calls) == 1:  # another writer takes a step between our read and our write
                walk.fire("inform_safeguarding_partners")
            when = walk.when.add(hours=1) if len(calls) > 1 else at
            return Command(
                TENANT,
                CASE,
                "start_rapid_review",
                actor="user-1",
                role=_ROLES["start_rapid_review"],
                occurred_at=when,
            )

        out = walk.workflow.fire_with_retry(TENANT, CASE, build)
        _equal(([2, 3], "rapid_review"), (calls, out.case.state))
        _equal(out.case, store.get(TENANT, CASE))
        with _raises(ConfigurationError):
            walk.workflow.fire_with_retry(TENANT, CASE, build, attempts=0)

        def always_beaten(case: Case) -> Command:
            walk.fire("inform_safeguarding_partners")  # someone else always gets in first
            return walk.command("inform_safeguarding_partners", days=0)

        with _raises(ConcurrencyConflict):
            walk.workflow.fire_with_retry(TENANT, CASE, always_beaten, attempts=2)
        _verifies(store.history(TENANT, CASE))

    def test_racing_writers_have_one_winner(self) -> None:
        """Eight threads fire at one version, 20 rounds: one winner a round, the rest conflict."""
        store = self.make_store()
        walk = _Walk(store)
        walk.walk(1)
        for _ in range(20):
            command = walk.command("inform_safeguarding_partners")
            version = store.get(TENANT, CASE).version
            results: list[str] = []
            barrier = threading.Barrier(8)

            def run(
                i: int,
                command: Command = command,
                version: int = version,
                results: list[str] = results,
                barrier: threading.Barrier = barrier,
            ) -> None:
                racer = Command(
                    TENANT,
                    CASE,
                    command.event,
                    actor=f"user-{i}",
                    role=command.role,
                    occurred_at=command.occurred_at,
                    payload=command.payload,
                    expected_version=version,
                )
                barrier.wait()
                try:
                    walk.workflow.fire(racer)
                    results.append("won")
                except ConcurrencyConflict:
                    results.append("conflict")

            threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            _equal((1, 7), (results.count("won"), results.count("conflict")))
        history = store.history(TENANT, CASE)
        _equal((22, 22), (len(history), store.get(TENANT, CASE).version))
        _verifies(history)

    # -- idempotency keys ------------------------------------------------------------------

    def test_find_returns_the_record_of_a_key(self) -> None:
        """
        A keyed command's record is found by its key, asked for on any of the tenant's cases.

        A key names one command of a tenant, so asking on another case of the tenant finds
        the same record (of its own case); another key, or the key in another tenant, finds None.
        """
        store = self.make_store()
        walk = _Walk(store, tenants=(TENANT, "other-tenant"))
        walk.open()
        walk.open("other-case")
        walk.open(tenant="other-tenant")
        keyed = walk.fire("notify_panel", idempotency_key="req-42")
        walk.fire("start_rapid_review")
        _equal(keyed.record, store.find(TENANT, CASE, "req-42"))
        _equal("req-42", store.history(TENANT, CASE)[1].idempotency_key)
        _equal(keyed.record, store.find(TENANT, "other-case", "req-42"))
        _equal(
            (None, None),
            (
                store.find(TENANT, CASE, "req-43"),
                store.find("other-tenant", CASE, "req-42"),
            ),
        )

    def test_load_returns_the_case_and_the_record_of_a_key(self) -> None:
        """Loading gives the latest case and the keyed record, or None without a key or a match."""
        store = self.make_store()
        walk = _Walk(store)
        walk.open()
        keyed = walk.fire("notify_panel", idempotency_key="req-42")
        latest = walk.fire("start_rapid_review").case
        _equal((latest, keyed.record), store.load(TENANT, CASE, "req-42"))
        _equal((latest, None), store.load(TENANT, CASE, None))
        _equal((latest, None), store.load(TENANT, CASE, "req-43"))

    def test_idempotent_retry_returns_the_first_outcome(self) -> None:
        """A retry with the same idempotency key returns the first outcome; nothing twice."""
        store = self.make_store()
        walk = _Walk(store)
        walk.open()
        keyed = walk.command("notify_panel", idempotency_key="req-42")
        first = walk.workflow.fire(keyed)
        walk.fire("start_rapid_review")
        again = walk.workflow.fire(keyed)  # the acknowledgement was lost; the host retries
        _equal((first.record, first.case), (again.record, again.case))
        _equal(_event_id(first), _event_id(again))
        _equal(3, len(store.history(TENANT, CASE)))

    def test_a_retry_in_another_form_returns_the_first_outcome(self) -> None:
        """
        The same command written another way is a retry: the first outcome, nothing stored.

        ``occurred_at`` in another time zone at the same instant, a list of references as a
        tuple, and an ``expected_version`` the case has since moved past (as
        ``fire_with_retry`` sets it) all leave the command the one first stored.
        """
        store = self.make_store()
        walk = _Walk(store)
        walk.walk(1)
        keyed = walk.command("inform_safeguarding_partners", idempotency_key="req-7")
        first = walk.workflow.fire(keyed)
        walk.fire("start_rapid_review")
        again = attrs.evolve(
            keyed,
            occurred_at=keyed.occurred_at.in_timezone("Europe/London"),
            payload={"areas": tuple(keyed.payload["areas"])},
            expected_version=3,
        )
        _equal(first, walk.workflow.fire(again))
        _equal(4, len(store.history(TENANT, CASE)))

    def test_a_key_reused_by_another_command_is_refused(self) -> None:
        """
        A key names one command: a different one under it is refused, naming the first use.

        A different step, payload, actor, role or ``occurred_at`` each makes it another
        command. The error names the record the key first stored by its sequence number,
        never the key or the command's values, and nothing of the command is stored.
        """
        store = self.make_store()
        walk = _Walk(store)
        walk.open()
        keyed = walk.command("notify_panel", idempotency_key="req-42")
        walk.workflow.fire(keyed)
        walk.fire("inform_safeguarding_partners")
        before = (store.get(TENANT, CASE), store.history(TENANT, CASE))
        others = {
            "event": attrs.evolve(keyed, event="start_rapid_review"),
            "payload": attrs.evolve(keyed, payload={"notification_ref": "sin-99"}),
            "actor": attrs.evolve(keyed, actor="user-99"),
            "role": attrs.evolve(keyed, role="safeguarding_partners"),
            "occurred_at": attrs.evolve(keyed, occurred_at=keyed.occurred_at.add(minutes=1)),
        }
        for field, command in others.items():
            error = _reused(functools.partial(walk.workflow.fire, command))
            _equal((CASE, 2, (field,)), (error.case_id, error.sequence, error.differs))
            _equal(("idempotency_key_reused", "idempotency_key"), (error.code, error.field))
            _equal(
                "[idempotency_key_reused] this idempotency key was first used by record 2 of "
                "this case, for a different command (it differs in: "
                f"{field}); give each command a key of its own",
                str(error),
            )
        _equal(before, (store.get(TENANT, CASE), store.history(TENANT, CASE)))

    def test_append_refuses_a_second_record_under_a_key(self) -> None:
        """
        Two writers that each found a key unused: the second record under it conflicts.

        On another case of the tenant too, as when two commands race with one key; the
        loser stores nothing, and its retry then meets `IdempotencyKeyReused`.
        """
        store = self.make_store()
        pairs: list[_Pair] = []
        for case_id in (CASE, "other-case"):  # each made on a scratch store of its own
            walk = _Walk(MemoryStore())
            outcomes = [walk.open(case_id)]
            outcomes.append(walk.fire("notify_panel", case_id=case_id, idempotency_key="k"))
            pairs += _stored(outcomes)
        (a_opened, a_keyed), (b_opened, b_keyed) = pairs[:2], pairs[2:]
        store.create(*a_opened)
        store.create(*b_opened)
        store.append(*a_keyed, expected_version=1)
        with _raises(ConcurrencyConflict):
            store.append(*b_keyed, expected_version=1)
        _equal(
            (b_opened[0], (b_opened[1],)),
            (store.get(TENANT, "other-case"), store.history(TENANT, "other-case")),
        )
        _equal(a_keyed[1], store.find(TENANT, "other-case", "k"))

    def test_a_key_is_one_command_across_the_tenants_cases(self) -> None:
        """
        A key first used on one case is refused on another case of the tenant, not echoing it.

        Keys are scoped to the tenant, not the case: the same key in another tenant is
        another key, and the command there is taken.
        """
        store = self.make_store()
        walk = _Walk(store, tenants=(TENANT, "other-tenant"))
        walk.open()
        walk.open("other-case")
        walk.open(tenant="other-tenant")
        keyed = walk.command("notify_panel", idempotency_key="req-42")
        walk.workflow.fire(keyed)
        error = _reused(lambda: walk.workflow.fire(attrs.evolve(keyed, case_id="other-case")))
        _equal((CASE, 2, ("case_id",)), (error.case_id, error.sequence, error.differs))
        _equal(
            "[idempotency_key_reused] this idempotency key was first used by record 2 of "
            "another case of the tenant, for a different command (it differs in: case_id); "
            "give each command a key of its own",
            str(error),
        )
        _equal(1, len(store.history(TENANT, "other-case")))
        elsewhere = walk.workflow.fire(attrs.evolve(keyed, tenant_id="other-tenant"))
        _equal(("notified", 2), (elsewhere.case.state, elsewhere.case.version))
        _equal(2, len(store.history(TENANT, CASE)))

    # -- the transaction scope -------------------------------------------------------------

    def test_transaction_stores_what_was_written_in_it(self) -> None:
        """Writes in a transaction scope are read back inside it and stored after it."""
        store = self.make_store()
        (first, opening), (second, record) = _records(1)
        store.create(first, opening)
        with store.transaction() as scope:
            _equal((first, None), scope.load(TENANT, CASE, None))
            scope.append(second, record, expected_version=1)
            _equal(second, scope.get(TENANT, CASE))
        _equal(second, store.get(TENANT, CASE))
        _equal((opening, record), store.history(TENANT, CASE))

    def test_leaving_the_transaction_by_an_exception_stores_nothing(self) -> None:
        """A scope left by an exception after its reads stores nothing, and the next one works."""
        store = self.make_store()
        (first, opening), (second, record) = _records(1)
        store.create(first, opening)
        with _raises(_Abandoned), store.transaction() as scope:
            scope.load(TENANT, CASE, "req-1")
            raise _Abandoned
        _equal(first, store.get(TENANT, CASE))
        _equal((opening,), store.history(TENANT, CASE))
        with store.transaction() as scope:
            scope.append(second, record, expected_version=1)
        _equal((opening, record), store.history(TENANT, CASE))

    def test_a_conflict_in_the_transaction_stores_nothing(self) -> None:
        """A stale append in a scope raises ConcurrencyConflict out of it; nothing of it stays."""
        store = self.make_store()
        opened, ours, theirs = _rivals()
        store.create(*opened)
        store.append(*ours, expected_version=1)
        with _raises(ConcurrencyConflict), store.transaction() as scope:
            scope.load(TENANT, CASE, None)
            scope.append(*theirs, expected_version=1)
        _equal(ours[0], store.get(TENANT, CASE))
        _equal((opened[1], ours[1]), store.history(TENANT, CASE))
        walk = _Walk(store)
        walk.when = pendulum.datetime(2024, 1, 7, 10, tz="UTC")
        _equal("rapid_review", walk.fire("start_rapid_review").case.state)

    def test_a_refused_command_stores_nothing(self) -> None:
        """A command a guard refuses inside its scope leaves the case and history as they were."""
        store = self.make_store()
        walk = _Walk(store)
        walk.walk(3)
        before = (store.get(TENANT, CASE), store.history(TENANT, CASE))
        with _raises(TransitionRefused):
            walk.fire("submit_rapid_review", rationale_ref=None)
        _equal(before, (store.get(TENANT, CASE), store.history(TENANT, CASE)))
        _equal("rapid_review_submitted", walk.fire("submit_rapid_review").case.state)

    # -- the identifier register ------------------------------------------------------------

    def test_register_rows_round_trip_with_their_record(self) -> None:
        """A register row is stored with its record, replaced by the next, and per case."""
        store = self.make_store()
        pairs = _records(3)
        store.create(*pairs[0])
        _equal(None, store.register_row(TENANT, CASE))
        store.append_with_register(*pairs[1], expected_version=1, register=_register(1))
        _equal(_register(1), store.register_row(TENANT, CASE))
        store.append(*pairs[2], expected_version=2)  # an ordinary command leaves it
        _equal(_register(1), store.register_row(TENANT, CASE))
        with store.transaction() as scope:
            scope.load(TENANT, CASE, None)
            scope.append_with_register(*pairs[3], expected_version=3, register=_register(7))
        _equal(_register(7), store.register_row(TENANT, CASE))
        _equal(tuple(r for _, r in pairs), store.history(TENANT, CASE))
        _verifies(store.history(TENANT, CASE))
        _equal(None, store.register_row("another-tenant", CASE))
        _equal(None, store.register_row(TENANT, "another-case"))

    def test_a_stale_append_with_a_register_stores_neither(self) -> None:
        """A register change that lost a race leaves neither its record nor its row."""
        store = self.make_store()
        opened, ours, theirs = _rivals()
        store.create(*opened)
        store.append(*ours, expected_version=1)
        with _raises(ConcurrencyConflict):
            store.append_with_register(*theirs, expected_version=1, register=_register(3))
        with _raises(ConcurrencyConflict), store.transaction() as scope:
            scope.load(TENANT, CASE, None)
            scope.append_with_register(*theirs, expected_version=1, register=_register(3))
        _equal(None, store.register_row(TENANT, CASE))
        _equal((opened[1], ours[1]), store.history(TENANT, CASE))

    def test_a_register_row_is_deleted_with_its_record(self) -> None:
        """None deletes the case's row with the record that announces it (a disposal)."""
        store = self.make_store()
        pairs = _records(3)
        store.create(*pairs[0])
        store.append_with_register(*pairs[1], expected_version=1, register=_register(1))
        with store.transaction() as scope:
            scope.load(TENANT, CASE, None)
            scope.append_with_register(*pairs[2], expected_version=2, register=None)
        _equal(None, store.register_row(TENANT, CASE))
        _equal([], [c for c, _ in store.register_rows(TENANT) if c == CASE])
        _equal(tuple(r for _, r in pairs[:3]), store.history(TENANT, CASE))
        _verifies(store.history(TENANT, CASE))

    def test_register_rows_lists_a_tenants_registers_in_case_order(self) -> None:
        """Every case of the tenant with a register, by case id; other tenants never."""
        store = self.make_store()
        scratch = _Walk(MemoryStore(), tenants=(TENANT, "another-tenant"))
        cases = (
            (TENANT, "case-r2", 2),
            (TENANT, "case-r1", 1),
            (TENANT, "case-r3", None),
            ("another-tenant", "case-r0", 9),
        )
        for tenant, case_id, n in cases:
            opened = scratch.open(case_id, tenant)
            fired = scratch.fire("notify_panel", case_id=case_id, tenant=tenant)
            first, second = _stored([opened, fired])
            store.create(*first)
            if n is None:
                store.append(*second, expected_version=1)
            else:
                store.append_with_register(*second, expected_version=1, register=_register(n))
        _equal(
            [("case-r1", _register(1)), ("case-r2", _register(2))],
            list(store.register_rows(TENANT)),
        )

    # -- whole workflows -------------------------------------------------------------------

    def test_walk_rebuild_verify(self) -> None:
        """A full walk stores a case equal to its rebuilt history, whose chain verifies."""
        store = self.make_store()
        outcomes = _Walk(store).walk()
        case = store.get(TENANT, CASE)
        history = store.history(TENANT, CASE)
        # Every step, the opening, and the leak check recorded before publishing.
        _equal(("closed", len(USUAL_PATH) + 2), (case.state, case.version))
        _equal(outcomes[-1].case, case)
        _equal(list(range(1, case.version + 1)), [r.sequence for r in history])
        _verifies(history)
        _equal(case, rebuild(history))

    def test_every_kind_of_record_round_trips(self) -> None:
        """Opening, new facts, a step, a correction and a recomputation store and rebuild."""
        store = self.make_store()
        walk = _Walk(store)
        looked_after = [Child(age=15, harm="death", looked_after_by=AUTHORITY)]
        walk.open(facts=_incident(abuse_or_neglect="not_suspected", children=looked_after))
        walk.clock.set(pendulum.datetime(2024, 1, 16, 12, tz="UTC"))
        walk.when = pendulum.datetime(2024, 1, 16, 9, tz="UTC")
        suspected = _incident(
            children=looked_after, abuse_or_neglect_since=pendulum.date(2024, 1, 15)
        )
        walk.workflow.update_facts(TENANT, CASE, suspected, actor="user-1")
        walk.fire("notify_panel")
        walk.workflow.correct(
            TENANT,
            CASE,
            corrects=3,
            occurred_at=walk.when.subtract(hours=3),
            actor="user-2",
            role=_ROLES["notify_panel"],
            reason_ref="memo-1",
        )
        addition = HolidayAddition(pendulum.date(2024, 1, 19), "Proclaimed (fictional)")
        walk.workflow.configure(TenantSettings(TENANT, calendar_additions=[addition]))
        recomputed = walk.workflow.recompute_deadlines(TENANT, CASE, actor="scheduler")
        _equal(5, _stored([recomputed])[0][1].sequence)
        last = walk.fire("withdraw")
        history = store.history(TENANT, CASE)
        kinds = ["opened", "facts_updated", "step", "correction", "deadlines_recomputed", "step"]
        _equal(kinds, [r.kind for r in history])
        _equal(last.case, store.get(TENANT, CASE))
        _verifies(history)
        _equal(store.get(TENANT, CASE), rebuild(history))

    # -- what is due -----------------------------------------------------------------------

    def test_overdue_rows_carry_the_case_and_working_days_late(self) -> None:
        """Overdue rows name the authority, state, lifecycle, responsible role and days late."""
        store = self.make_store()
        walk = _Walk(store)
        walk.open()  # aware Friday 5 January 2024: both notifications due Friday 12 January
        as_of = pendulum.date(2024, 1, 16)  # Monday 15 and Tuesday 16: 2 working days late
        rows = walk.workflow.overdue(TENANT, as_of)
        _equal(
            [
                (TENANT, CASE, kind, pendulum.date(2024, 1, 12), AUTHORITY, "incident_recorded")
                for kind in ("inform_safeguarding_partners", "notify_panel")
            ],
            [(r.tenant_id, r.case_id, r.kind, r.due, r.local_authority, r.state) for r in rows],
        )
        _equal(
            [("england", 2, 0, ("local_authority",), False)] * 2,
            [
                (r.lifecycle, r.working_days_late, r.working_days_left, r.responsible, r.projected)
                for r in rows
            ],
        )
        _equal(("NOT-05", "NOT-11"), rows[0].rule_ids)
        # The store answers alike when given the calendar and lifecycle itself.
        _equal(rows, store.overdue(TENANT, as_of, lifecycles=[LIFECYCLE]))
        # Without the lifecycle a row names no responsible role; the rest is the same.
        _equal([attrs.evolve(r, responsible=()) for r in rows], store.overdue(TENANT, as_of))
        # An aware datetime counts as its date in Europe/London: 16 January there.
        evening = pendulum.datetime(2024, 1, 15, 23, 30, tz="America/New_York")
        _equal(rows, walk.workflow.overdue(TENANT, evening))
        _equal(
            ["inform_safeguarding_partners"],
            [r.kind for r in store.overdue(TENANT, as_of, rule_id="NOT-05")],
        )
        _equal([], store.overdue(TENANT, pendulum.date(2024, 1, 12)))  # due that day: not late

    def test_met_deadlines_leave_the_overdue_rows_and_the_state_follows(self) -> None:
        """A deadline met by a step is no longer overdue; the rows show the case's new state."""
        store = self.make_store()
        walk = _Walk(store)
        walk.open()
        walk.fire("notify_panel")
        rows = walk.workflow.overdue(TENANT, pendulum.date(2024, 1, 29))
        _equal(
            [
                ("inform_safeguarding_partners", "notified", ("local_authority",), 11),
                ("rapid_review", "notified", ("safeguarding_partners",), 1),
            ],
            [(r.kind, r.state, r.responsible, r.working_days_late) for r in rows],
        )

    def test_due_soon_counts_working_days_left(self) -> None:
        """Due-soon rows fall within the tenant's working days and say how many are left."""
        store = self.make_store()
        walk = _Walk(store)
        walk.open()
        monday = pendulum.date(2024, 1, 8)
        rows = walk.workflow.due_soon(TENANT, monday, working_days=5)
        _equal(
            [("inform_safeguarding_partners", 4, -4), ("notify_panel", 4, -4)],
            [(r.kind, r.working_days_left, r.working_days_late) for r in rows],
        )
        _equal(rows, store.due_soon(TENANT, monday, working_days=5, lifecycles=[LIFECYCLE]))
        _equal([], walk.workflow.due_soon(TENANT, monday, working_days=3))
        _equal(
            ["inform_safeguarding_partners", "notify_panel", "rapid_review"],
            [r.kind for r in walk.workflow.due_soon(TENANT, monday, working_days=14)],
        )

    def test_working_days_late_skip_bank_holidays(self) -> None:
        """Days late count on England and Wales's real bank holidays: Easter, Christmas."""
        store = self.make_store()
        walk = _Walk(store)
        walk.clock.set(pendulum.datetime(2024, 4, 3, 12, tz="UTC"))
        easter = pendulum.datetime(2024, 3, 21, 9, tz="Europe/London")  # due Thursday 28 March
        christmas = pendulum.datetime(2023, 12, 15, 9, tz="Europe/London")  # due Friday 22 Dec
        walk.open("case-easter", facts=_incident(la_aware_at=easter))
        walk.open("case-christmas", facts=_incident(la_aware_at=christmas))
        # Good Friday (29 March) and Easter Monday (1 April) do not count: 1 day late on
        # Tuesday 2 April. Christmas Day, Boxing Day and New Year's Day do not count either:
        # 4 days late on Tuesday 2 January 2024 (27, 28 and 29 December, 2 January).
        easter_rows = store.overdue(TENANT, pendulum.date(2024, 4, 2), rule_id="NOT-04")
        _equal(
            [("case-easter", pendulum.date(2024, 3, 28), 1)],
            [
                (r.case_id, r.due, r.working_days_late)
                for r in easter_rows
                if r.case_id == "case-easter"
            ],
        )
        christmas_rows = walk.workflow.overdue(TENANT, pendulum.date(2024, 1, 2), rule_id="NOT-04")
        _equal(
            [("case-christmas", pendulum.date(2023, 12, 22), 4)],
            [(r.case_id, r.due, r.working_days_late) for r in christmas_rows],
        )
        # A tenant's own holiday counts too: one proclaimed on Tuesday 2 April leaves none.
        proclaimed = HolidayAddition(pendulum.date(2024, 4, 2), "Proclaimed (fictional)")
        walk.workflow.configure(TenantSettings(TENANT, calendar_additions=[proclaimed]))
        _equal(
            [0, 0],
            [
                r.working_days_late
                for r in walk.workflow.overdue(TENANT, pendulum.date(2024, 4, 2))
                if r.case_id == "case-easter"
            ],
        )

    def test_overdue_spans_tenants_in_order_and_pages_stably(self) -> None:
        """A regional view merges tenants by due date, tenant and case; pages never skip rows."""
        store = self.make_store()
        walk = _Walk(store, tenants=("tenant-a", "tenant-b", "tenant-c"))
        thursday = pendulum.datetime(2024, 1, 4, 9, tz="Europe/London")  # due Thursday 11 Jan
        walk.open("case-2", "tenant-b", _incident(la_aware_at=thursday))
        walk.open("case-1", "tenant-b")
        walk.open("case-3", "tenant-a", _incident(la_aware_at=thursday))
        walk.open("case-9", "tenant-c", _incident(la_aware_at=thursday))
        as_of = pendulum.date(2024, 1, 16)
        rows = walk.workflow.overdue(tenant_ids=["tenant-b", "tenant-a"], as_of=as_of)
        expected = [
            (pendulum.date(2024, 1, 11), "tenant-a", "case-3", "inform_safeguarding_partners"),
            (pendulum.date(2024, 1, 11), "tenant-a", "case-3", "notify_panel"),
            (pendulum.date(2024, 1, 11), "tenant-b", "case-2", "inform_safeguarding_partners"),
            (pendulum.date(2024, 1, 11), "tenant-b", "case-2", "notify_panel"),
            (pendulum.date(2024, 1, 12), "tenant-b", "case-1", "inform_safeguarding_partners"),
            (pendulum.date(2024, 1, 12), "tenant-b", "case-1", "notify_panel"),
        ]
        _equal(expected, [r.key for r in rows])
        _equal([3, 3, 3, 3, 2, 2], [r.working_days_late for r in rows])
        for size in (1, 2, 4):
            pages: list[Any] = []
            after = None
            while True:
                page = store.overdue(
                    tenant_ids=("tenant-a", "tenant-b"), as_of=as_of, limit=size, after=after
                )
                if not page:
                    break
                pages += [r.key for r in page]
                after = page[-1].key
            _equal(expected, pages)
        # Every tenant of the workflow when none is named; one tenant alone keeps its rows.
        _equal(8, len(walk.workflow.overdue(as_of=as_of)))
        _equal(expected[2:], [r.key for r in store.overdue("tenant-b", as_of)])
        _equal(
            expected[3:],
            [
                r.key
                for r in store.overdue("tenant-b", as_of, after=expected[2][:1] + expected[2][2:])
            ],
        )

    def test_deadline_queries_refuse_malformed_arguments(self) -> None:
        """Naive datetimes, text dates, both tenant forms, a bad limit: library errors."""
        store = self.make_store()
        walk = _Walk(store)
        walk.open()
        day = pendulum.date(2024, 1, 16)
        calls: list[Callable[[], object]] = [
            lambda: store.overdue(TENANT, pendulum.naive(2024, 1, 16)),
            lambda: store.overdue(TENANT, "2024-01-16"),  # type: ignore[arg-type]
            lambda: store.overdue(TENANT),
            lambda: store.overdue(TENANT, day, tenant_ids=[TENANT]),
            lambda: store.overdue(tenant_ids=TENANT, as_of=day),
            lambda: store.overdue(tenant_ids=[], as_of=day),
            lambda: store.overdue(TENANT, day, limit=0),
            lambda: store.overdue(tenant_ids=[TENANT, "other"], as_of=day, after=(day, CASE, "x")),
            lambda: store.overdue(TENANT, day, after=("2024-01-01", TENANT, CASE, "x")),  # type: ignore[arg-type]
            lambda: store.due_soon(TENANT, day, working_days=-1),
            lambda: store.due_soon(TENANT, day, working_days=1, calendar="england"),  # type: ignore[arg-type]
        ]
        for call in calls:
            with _raises(InvalidInputError):
                call()
