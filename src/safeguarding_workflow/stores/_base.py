"""The case store interface: what every store, the library's or a host's, implements."""

from __future__ import annotations

import abc
import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

import attrs
import pendulum

from .._calendar import WorkingDayCalendar
from .._case import Case
from .._dates import as_date
from .._lifecycle import Lifecycle
from ..exceptions import ConfigurationError, InvalidInputError
from ..history._chain import HistoryRecord

__all__ = ["CaseStore", "DueDeadline", "RegisterRow", "responsible_roles"]

#: The most rows one page of an overdue or due-soon query may hold.
MAX_LIMIT: Final = 10_000
#: The most tenants one overdue or due-soon query may span.
MAX_TENANTS: Final = 1_000

#: What the queries take for working days: one calendar for every tenant, or each
#: tenant's (``Workflow.calendar``), or None for England and Wales's bank holidays.
Calendars = WorkingDayCalendar | Callable[[str], WorkingDayCalendar] | None
#: A page key: ``(due, tenant_id, case_id, kind)``, or ``(due, case_id, kind)`` for one tenant.
PageKey = tuple[dt.date, str, str, str] | tuple[dt.date, str, str]


class CaseStore(abc.ABC):
    """
    Where cases and their histories live.

    A store keeps, per tenant and case, the latest case record and the history
    records in order. `create()` and `append()` store a case record and
    its history record together or not at all, and `append()` refuses with
    `ConcurrencyConflict` when the case
    has moved on from the version the command read.

    A command reads the case and writes its next record inside
    `transaction()`; a store whose reads and writes can share one database
    transaction (`SqlStore`) makes the scope one
    transaction, so a command costs one commit. The defaults suit a store without
    transactions: the scope is the store itself.

    Added in version 0.1.0.
    """

    @contextmanager
    def transaction(self) -> Iterator[CaseStore]:
        """
        A scope for one command: reads and the write inside it share one transaction.

        Yields the store to read and write through. Leaving the scope by an
        exception stores nothing of the command.

        Added in version 0.1.0.
        """
        yield self

    def after_commit(self, record: HistoryRecord, callback: Callable[[], object]) -> None:
        """
        Run *callback* once *record*, which this store wrote, has committed.

        The workflow hands it the delivery of each command's event once the command's
        scope has closed, so subscribers never hear of a record that is not stored. The
        default runs it at once: a store that commits its own writes has committed them
        by then. A store that writes inside its host's transaction (`SqlStore.bound()`)
        holds it until the host commits, and drops it if the record never commits.

        Added in version 0.1.0.
        """
        callback()

    def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        """
        The latest record of a case, and the record an idempotency key produced, if any.

        The keyed record is `find()`'s: the tenant's, on whichever case. The default
        calls `get()` and `find()`; a store may answer both at once.

        Added in version 0.1.0.
        """
        case = self.get(tenant_id, case_id)
        if idempotency_key is None:
            return case, None
        return case, self.find(tenant_id, case_id, idempotency_key)

    def _served_unread(self) -> bool:
        """
        Whether the case `load` last gave was one the store kept, given without reading it.

        A store may serve a command the case it kept from its last write, unread, when its
        write checks that the stored case is still that one (`SqlStore` does). The workflow
        asks this when such a command is refused or loses its race: if so, it calls `load`
        again in the same transaction, which then reads the stored case, and the command is
        decided again on it. The default: never.
        """
        return False

    @abc.abstractmethod
    def get(self, tenant_id: str, case_id: str) -> Case:
        """The latest record of a case; `CaseNotFoundError` if none."""

    @abc.abstractmethod
    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """A case's history records, in order; `CaseNotFoundError` if none."""

    def record(self, tenant_id: str, case_id: str, sequence: int) -> HistoryRecord:
        """
        One of a case's history records, by its sequence number (the opening record is 1).

        A correction reads the record it corrects this way, and nothing else of the
        history, so it costs the same however long the case. The default reads the whole
        history and picks the record, so every store has it; a store that can read one
        record by its key (the SQL and memory stores do) overrides it.

        Added in version 0.1.0.

        Raises:
            CaseNotFoundError: no such case.
            InvalidInputError: the case has no record of that sequence number.

        """
        history = self.history(tenant_id, case_id)
        if type(sequence) is not int or not 1 <= sequence <= len(history):
            raise InvalidInputError("'sequence' names no record of the case", field="sequence")
        return history[sequence - 1]

    @abc.abstractmethod
    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        """
        The record a command with this idempotency key produced in the tenant, if any.

        A key names one command of a tenant, so the record is found whichever of the
        tenant's cases it is on (*case_id* is the case the new command names; the record
        may be another's), and never in another tenant. `append()` refuses a second record
        under a key of the tenant with `ConcurrencyConflict`. The workflow compares the
        record with the command: a retry of the same command returns its first outcome,
        and any other is refused with `IdempotencyKeyReused`.
        """

    @abc.abstractmethod
    def create(self, case: Case, record: HistoryRecord) -> None:
        """Store a new case and its first record; `CaseExistsError` if it exists."""

    @abc.abstractmethod
    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """Store a case's new record and next history record, if still at *expected_version*."""

    # -- the identifier register -------------------------------------------------------------

    def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        """
        The case's identifier register as stored (sealed, its data key wrapped), or None.

        None when the case has no register (or no such case). The row sits outside the
        hash chain: the history holds only that an entry changed, and a keyed digest.
        The memory and SQL stores keep registers; a store of the host's own that does not
        is refused only by the register's commands.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the store keeps no identifier registers.

        """
        raise ConfigurationError(
            "this store keeps no identifier registers: implement CaseStore.register_row "
            "and CaseStore.append_with_register",
            field="store",
        )

    def case_ids(self, tenant_id: str) -> Sequence[str]:
        """
        Every case id of a tenant, in order: what a migration of open cases walks.

        The memory and SQL stores list them; a store of the host's own that does not is
        refused only by `Workflow.migrate`.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the store cannot list a tenant's cases.

        """
        raise ConfigurationError(
            "this store cannot list a tenant's cases: implement CaseStore.case_ids",
            field="store",
        )

    def register_rows(self, tenant_id: str) -> Iterator[tuple[str, RegisterRow]]:
        """
        Every register of a tenant, as ``(case_id, row)`` pairs in case id order.

        What a subject access request reads: the person asked about may be in any
        case of the tenant. Cases without a register (or whose register was disposed
        of) are not listed.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the store keeps no identifier registers.

        """
        raise ConfigurationError(
            "this store keeps no identifier registers: implement CaseStore.register_row, "
            "CaseStore.register_rows and CaseStore.append_with_register",
            field="store",
        )

    def append_with_register(
        self,
        case: Case,
        record: HistoryRecord,
        expected_version: int,
        register: RegisterRow | None,
    ) -> None:
        """
        `append()`, and the case's register row replaced by *register*, together or not at all.

        What the workflow calls for a command that changes the register: the history
        record announcing the change and the new sealed register commit in one
        transaction (the command's, or the host's), so a failed or refused command leaves
        neither. Ordinary commands call `append()` alone. *register* None deletes the
        case's row, the only stored copy of its wrapped data key (a disposal): a store
        should leave no recoverable copy of the deleted bytes behind (see the SQL store's
        secure deletion).

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the store keeps no identifier registers.
            ConcurrencyConflict: the case has moved on; nothing is stored.

        """
        raise ConfigurationError(
            "this store keeps no identifier registers: implement CaseStore.register_row "
            "and CaseStore.append_with_register",
            field="store",
        )

    # -- what is due -------------------------------------------------------------------------

    def _due_rows(
        self,
        tenant_id: str,
        first: pendulum.Date | None,
        last: pendulum.Date,
        *,
        after: tuple[pendulum.Date, str, str] | None,
        rule_id: str | None,
        limit: int,
    ) -> list[DueRow]:
        """
        `deadlines_due()`'s rows as tuples, each beginning with its key: what `_due` merges.

        The library's stores build the tuples straight from their own rows, so a page
        makes each `DueDeadline` once; this default takes them from `deadlines_due()`.
        """
        return [
            (
                r.due,
                r.tenant_id,
                r.case_id,
                r.kind,
                r.rule_ids,
                r.projected,
                r.local_authority,
                r.state,
                r.lifecycle,
                r.local_authority_given,
            )
            for r in self.deadlines_due(
                tenant_id, first, last, after=after, rule_id=rule_id, limit=limit
            )
        ]

    def deadlines_due(
        self,
        tenant_id: str,
        first: pendulum.Date | None,
        last: pendulum.Date,
        *,
        after: tuple[pendulum.Date, str, str] | None = None,
        rule_id: str | None = None,
        limit: int = 100,
    ) -> Sequence[DueDeadline]:
        """
        Open deadlines of one tenant due from *first* (None: any day) to *last*, both included.

        The one read behind `overdue()` and `due_soon()`, which call it once per tenant
        and do the rest (checking their arguments, merging tenants, working days and the
        responsible roles). A store answers it in the order of the key ``(due, case_id,
        kind)``, only rows after *after* in that order, at most *limit* of them, and only
        deadlines that are open and have a due date; *rule_id* keeps those that cite that
        rule. Each row carries the case's local authority, state and lifecycle, and
        leaves ``working_days_late`` (None) and ``responsible`` (empty) at their defaults.

        The memory and SQL stores answer it; a store of the host's own that keeps no
        index of deadlines may leave it out, and then only these queries are refused.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the store does not answer deadline queries.

        """
        raise ConfigurationError(
            "this store does not answer deadline queries: implement CaseStore.deadlines_due",
            field="store",
        )

    def overdue(
        self,
        tenant_id: str | None = None,
        as_of: dt.date | None = None,
        *,
        tenant_ids: Iterable[str] | None = None,
        limit: int = 100,
        after: PageKey | None = None,
        rule_id: str | None = None,
        due_by: dt.date | None = None,
        calendar: Calendars = None,
        lifecycles: Iterable[Lifecycle] = (),
    ) -> list[DueDeadline]:
        """
        Open deadlines due before *as_of* (or, with *due_by*, from *as_of* to it), oldest first.

        Of one tenant (*tenant_id*) or of several (*tenant_ids*, a regional view),
        ordered by due date, then tenant, then case, then kind. Pages by that key: pass
        the last row's `DueDeadline.key` as *after* for the next page; a page after
        a key never repeats or skips a row, whichever tenants the rows belong to.

        Each row carries the case's local authority, state and lifecycle, its working
        days late counted on the tenant's calendar (`DueDeadline`), and the roles that
        meet it in its lifecycle, if the lifecycle is among *lifecycles*
        (`responsible_roles`). `Workflow.overdue` passes the tenants' own calendars
        and the pack's lifecycle.

        Example:
            ```python
            store.overdue("tenant-1", pendulum.date(2024, 6, 1))
            store.overdue(tenant_ids=["tenant-1", "tenant-2"], as_of=sw.today(clock))
            ```

        Added in version 0.1.0.

        Args:
            tenant_id: The tenant; give it or *tenant_ids*, not both.
            as_of: The day to look from: a date, or an aware datetime (its date in
                Europe/London). A deadline due that day is not yet overdue.
            tenant_ids: Several tenants, for a regional view (at most 1,000).
            limit: The most rows to return, from 1 to 10,000.
            after: The key of the last row of the previous page.
            rule_id: Only deadlines that cite this rule.
            due_by: Instead of what is overdue, what falls due from *as_of* to this day.
            calendar: The working-day calendar, or a callable giving each tenant's; by
                default England and Wales's bank holidays.
            lifecycles: The lifecycles whose steps name the responsible roles.

        Raises:
            InvalidInputError: a malformed argument (named by ``field``; its value is
                never repeated).
            StoreError: the database could not answer.

        """
        start = self._check_as_of(as_of)
        end = None if due_by is None else as_date(due_by, "due_by")
        tenants = _tenants(tenant_id, tenant_ids)
        calendars = _calendars(calendar)
        if end is None:
            if start == dt.date.min:
                return []
            last = {t: start.subtract(days=1) for t in tenants}
            first: pendulum.Date | None = None
        else:
            last = dict.fromkeys(tenants, end)
            first = start
        return self._due(tenants, first, last, start, calendars, lifecycles, limit, after, rule_id)

    def due_soon(
        self,
        tenant_id: str | None = None,
        as_of: dt.date | None = None,
        *,
        working_days: int,
        calendar: Calendars = None,
        tenant_ids: Iterable[str] | None = None,
        limit: int = 100,
        after: PageKey | None = None,
        rule_id: str | None = None,
        lifecycles: Iterable[Lifecycle] = (),
    ) -> list[DueDeadline]:
        """
        Open deadlines due from *as_of* to the *working_days*-th working day after it.

        The working day is the tenant's own: each tenant's window ends on its calendar
        (``add_working_days(as_of, working_days)``, so 0 means as far as the next working
        day). Same tenants, order, paging, filters and rows as `overdue()`; a row's
        `DueDeadline.working_days_left` says how long is left.

        Added in version 0.1.0.

        Raises:
            InvalidInputError: a malformed argument, or *working_days* below 0.
            StoreError: the database could not answer.

        """
        if type(working_days) is not int or working_days < 0:
            raise InvalidInputError(
                "'working_days' must be a whole number >= 0", field="working_days"
            )
        start = self._check_as_of(as_of)
        tenants = _tenants(tenant_id, tenant_ids)
        calendars = _calendars(calendar)
        last = {t: calendars(t).add_working_days(start, working_days) for t in tenants}
        return self._due(tenants, start, last, start, calendars, lifecycles, limit, after, rule_id)

    @staticmethod
    def _check_as_of(as_of: object) -> pendulum.Date:
        if as_of is None:
            raise InvalidInputError(
                "'as_of' must be a date or a timezone-aware datetime", field="as_of"
            )
        return as_date(as_of, "as_of")

    def _due(
        self,
        tenants: tuple[str, ...],
        first: pendulum.Date | None,
        last: Mapping[str, pendulum.Date],
        as_of: pendulum.Date,
        calendars: Callable[[str], WorkingDayCalendar],
        lifecycles: Iterable[Lifecycle],
        limit: object,
        after: object,
        rule_id: object,
    ) -> list[DueDeadline]:
        """
        Each tenant's page from `deadlines_due`, merged in key order and cut to *limit*.

        Each tenant's read is index-driven and stops at *limit*; the first *limit* rows of
        the merge are the first *limit* of all the tenants' rows, in the same order.
        """
        if type(limit) is not int or not 1 <= limit <= MAX_LIMIT:
            raise InvalidInputError("'limit' must be from 1 to 10000", field="limit")
        if rule_id is not None and (type(rule_id) is not str or "\x00" in rule_id):
            raise InvalidInputError("'rule_id' must be a string", field="rule_id")
        key = _page_key(after, tenants)
        roles = _roles_by_lifecycle(lifecycles)
        pages = []
        for tenant in tenants:
            window = _tenant_window(tenant, first, key)
            if window is None:
                continue
            low, page_after = window
            if low is not None and low > last[tenant]:
                continue
            rows = self._due_rows(
                tenant, low, last[tenant], after=page_after, rule_id=rule_id, limit=limit
            )
            # A row's tuple begins with its key (due, tenant, case, kind), unique to it.
            pages.append(rows if len(tenants) == 1 else sorted(rows))
        merged = pages[0] if len(pages) == 1 else list(heapq.merge(*pages))
        late = {t: _late_counter(calendars(t), as_of) for t in tenants}  # each tenant's once
        return [
            DueDeadline(
                tenant,
                case_id,
                kind,
                due,
                rule_ids,
                projected,
                local_authority=authority,
                state=state,
                lifecycle=lifecycle,
                working_days_late=late[tenant](due),
                responsible=roles.get(lifecycle, _NONE).get(kind, ()),
                local_authority_given=given,
            )
            for (
                due,
                tenant,
                case_id,
                kind,
                rule_ids,
                projected,
                authority,
                state,
                lifecycle,
                given,
            ) in merged[:limit]
        ]


def _check_kek_id(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not str or not 1 <= len(value) <= 128 or not value.isascii():
        raise InvalidInputError("'RegisterRow.kek_id' must be a key id", field="RegisterRow.kek_id")


def _check_blob(_instance: Any, attribute: Any, value: Any) -> None:
    if type(value) is not bytes or not value:
        field = f"RegisterRow.{attribute.name}"
        raise InvalidInputError(f"{field!r} must be non-empty bytes", field=field)


def _blob_repr(value: bytes) -> str:
    return f"<{len(value)} bytes>"


@attrs.frozen
class RegisterRow:
    """
    A case's identifier register as a store keeps it: sealed, beside its wrapped data key.

    Outside the hash chain, one per case, under the case's tenant. Nothing in it is
    readable without the host's key provider: the register is sealed with the case's
    data key (`safeguarding_workflow.personal.seal_register`), which is stored only
    wrapped under a key-encryption key.

    Added in version 0.1.0.

    Attributes:
        kek_id: The key-encryption key that wrapped the data key.
        wrapped_key: The wrapped data key (`WrappedKey.blob`).
        sealed: The sealed register.

    """

    kek_id: str = attrs.field(validator=_check_kek_id)
    wrapped_key: bytes = attrs.field(validator=_check_blob, repr=_blob_repr)
    sealed: bytes = attrs.field(validator=_check_blob, repr=_blob_repr)


#: A row of a deadline query as `CaseStore._due_rows` gives it: the key (due date,
#: tenant, case, kind), then rule ids, projected, authority, state, lifecycle and the
#: authority code the host gave.
DueRow = tuple[pendulum.Date, str, str, str, tuple[str, ...], bool, str, str, str, "str | None"]
#: No responsible roles: the lifecycle was not given to the query.
_NONE: Final[Mapping[str, tuple[str, ...]]] = {}


@attrs.frozen
class DueDeadline:
    """
    One row of an overdue or due-soon query: enough to act on without loading the case.

    No personal data: opaque ids, the authority's code, the state and the rules.

    Added in version 0.1.0.

    Attributes:
        tenant_id: The tenant whose case it is.
        case_id: The case.
        kind: The deadline's kind, e.g. ``"notify_panel"``.
        due: Its due date.
        rule_ids: The rules behind it.
        projected: Whether the due date rests on rule-projected holidays (DEC-02).
        local_authority: GSS code of the authority whose case it is.
        local_authority_given: The earlier code the host gave for that authority when
            it opened the case, if a recode has replaced it since
            (`Case.local_authority_given`); None otherwise. Match a host's own code
            against both.
        state: The case's lifecycle state.
        lifecycle: The name of the lifecycle the case follows.
        working_days_late: Working days after the due date, up to and including the
            query's ``as_of``, on the tenant's calendar (bank holidays and weekends do
            not count): 1 the day after a Monday deadline, 1 on the Tuesday after
            a Thursday deadline when Good Friday and Easter Monday fall between. 0 or
            less when not late: a due-soon row holds minus its working days left. None
            when *as_of* or the due date lies outside the years the calendar answers
            for (a calendar built with ``project_until`` answers for more); the row is
            still listed.
        responsible: The roles whose steps meet it in the case's lifecycle (e.g.
            ``("local_authority",)``), in the lifecycle's order; empty when the query
            was not given the lifecycle (see `responsible_roles`).

    """

    tenant_id: str
    case_id: str
    kind: str
    due: pendulum.Date
    rule_ids: tuple[str, ...]
    projected: bool
    local_authority: str = attrs.field(default="", kw_only=True)
    state: str = attrs.field(default="", kw_only=True)
    lifecycle: str = attrs.field(default="", kw_only=True)
    working_days_late: int | None = attrs.field(default=None, kw_only=True)
    responsible: tuple[str, ...] = attrs.field(default=(), kw_only=True)
    local_authority_given: str | None = attrs.field(default=None, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        """
        The row as JSON values: its fields, the due date as ``YYYY-MM-DD``, lists for tuples.

        Added in version 0.1.0.
        """
        return {
            "tenant_id": self.tenant_id,
            "case_id": self.case_id,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "rule_ids": list(self.rule_ids),
            "projected": self.projected,
            "local_authority": self.local_authority,
            "state": self.state,
            "lifecycle": self.lifecycle,
            "working_days_late": self.working_days_late,
            "working_days_left": self.working_days_left,
            "responsible": list(self.responsible),
        }

    @property
    def working_days_left(self) -> int | None:
        """
        Working days after ``as_of`` up to and including the due date; 0 once it is due.

        None when ``working_days_late`` is.

        Added in version 0.1.0.
        """
        late = self.working_days_late
        return None if late is None else max(0, -late)

    @property
    def key(self) -> tuple[pendulum.Date, str, str, str]:
        """
        The row's place in the order, ``(due, tenant_id, case_id, kind)``: pass it as ``after``.

        Added in version 0.1.0.
        """
        return (self.due, self.tenant_id, self.case_id, self.kind)


def responsible_roles(lifecycle: Lifecycle) -> dict[str, tuple[str, ...]]:
    """
    Who answers for each kind of deadline in *lifecycle*: the roles of the steps that meet it.

    A deadline is met by a step that names its kind in ``meets``; the roles that may take
    such a step are the ones who must act before it falls due. So the responsible party
    of a kind is the union of those steps' roles, in the order the lifecycle names them.
    In England's lifecycle each kind has one: the local authority notifies the Panel,
    informs the partners and notifies the Secretary of State and Ofsted; the
    safeguarding partners hold the rapid review, send the report and publish it. This
    matches the ``responsible`` party of the pack's duties (`Duty.responsible`) for the
    kinds an assessment raises, and also covers the kinds the lifecycle opens itself,
    which no duty names. A kind that no step meets has no entry.

    Added in version 0.1.0.
    """
    if not isinstance(lifecycle, Lifecycle):
        raise InvalidInputError("'lifecycles' must hold Lifecycle objects", field="lifecycles")
    roles: dict[str, list[str]] = {}
    for step in lifecycle.steps:
        for kind in step.meets:
            named = roles.setdefault(kind, [])
            named.extend(r for r in step.roles if r not in named)
    return {kind: tuple(named) for kind, named in roles.items()}


_ENGLAND_AND_WALES: list[WorkingDayCalendar] = []


def _calendars(calendar: object) -> Callable[[str], WorkingDayCalendar]:
    """Each tenant's calendar from what the query was given (see `Calendars`)."""
    if calendar is None:
        if not _ENGLAND_AND_WALES:
            _ENGLAND_AND_WALES.append(WorkingDayCalendar.england_and_wales())
        calendar = _ENGLAND_AND_WALES[0]
    if isinstance(calendar, WorkingDayCalendar):
        one = calendar
        return lambda _tenant: one
    if not callable(calendar):
        raise InvalidInputError(
            "'calendar' must be a WorkingDayCalendar or a callable giving one per tenant",
            field="calendar",
        )

    def of(tenant: str) -> WorkingDayCalendar:
        found = calendar(tenant)
        if not isinstance(found, WorkingDayCalendar):
            raise ConfigurationError(
                "'calendar' must give a WorkingDayCalendar for each tenant", field="calendar"
            )
        return found

    return of


def _tenant_id(value: object, field: str) -> str:
    if type(value) is not str or not value or "\x00" in value:
        raise InvalidInputError(f"{field!r} must be a tenant id (a string)", field=field)
    return value


def _tenants(tenant_id: object, tenant_ids: object) -> tuple[str, ...]:
    """The tenants of a query, sorted, once each: *tenant_id* or *tenant_ids*, exactly one."""
    if (tenant_id is None) == (tenant_ids is None):
        raise InvalidInputError("give 'tenant_id' or 'tenant_ids', not both", field="tenant_ids")
    if tenant_ids is None:
        return (_tenant_id(tenant_id, "tenant_id"),)
    if isinstance(tenant_ids, str | bytes) or not isinstance(tenant_ids, Iterable):
        raise InvalidInputError(
            "'tenant_ids' must be a collection of tenant ids", field="tenant_ids"
        )
    tenants = tuple(sorted({_tenant_id(t, "tenant_ids") for t in tenant_ids}))
    if not 1 <= len(tenants) <= MAX_TENANTS:
        raise InvalidInputError("'tenant_ids' must name 1 to 1000 tenants", field="tenant_ids")
    return tenants


def _page_key(
    after: object, tenants: tuple[str, ...]
) -> tuple[pendulum.Date, str, str, str] | None:
    """*after* as a whole key; a key without its tenant only for a query of one tenant."""
    if after is None:
        return None
    if isinstance(after, tuple) and len(after) == 3 and len(tenants) == 1:
        after = (after[0], tenants[0], after[1], after[2])
    if not isinstance(after, tuple) or len(after) != 4:
        raise InvalidInputError(
            "'after' must be a row's key (due, tenant_id, case_id, kind)", field="after"
        )
    due, *rest = after
    if isinstance(due, dt.datetime) or not isinstance(due, dt.date):
        raise InvalidInputError("'after' must start with a date", field="after")
    if any(type(part) is not str or "\x00" in part for part in rest):
        raise InvalidInputError("'after' must hold strings after its date", field="after")
    return (as_date(due, "after"), rest[0], rest[1], rest[2])


def _tenant_window(
    tenant: str,
    first: pendulum.Date | None,
    key: tuple[pendulum.Date, str, str, str] | None,
) -> tuple[pendulum.Date | None, tuple[pendulum.Date, str, str] | None] | None:
    """
    A tenant's lower bound and page key, for rows after *key* in ``(due, tenant, ...)`` order.

    A tenant after the key's takes rows due on the key's day or later; one before it,
    rows due after that day (None: there are none); the key's own tenant, rows after its
    ``(due, case, kind)``.
    """
    if key is None:
        return first, None
    due, key_tenant, case_id, kind = key
    if tenant == key_tenant:
        return first, (due, case_id, kind)
    if tenant > key_tenant:
        low = due
    elif due >= dt.date.max:
        return None
    else:
        low = due.add(days=1)
    return (low if first is None or low > first else first), None


def _row_key(row: DueDeadline) -> tuple[pendulum.Date, str, str, str]:
    return (row.due, row.tenant_id, row.case_id, row.kind)


def _roles_by_lifecycle(lifecycles: object) -> dict[str, dict[str, tuple[str, ...]]]:
    if isinstance(lifecycles, Lifecycle):
        lifecycles = (lifecycles,)
    if isinstance(lifecycles, str) or not isinstance(lifecycles, Iterable):
        raise InvalidInputError("'lifecycles' must hold Lifecycle objects", field="lifecycles")
    return {lc.name: responsible_roles(lc) for lc in lifecycles}


def _late_counter(
    calendar: WorkingDayCalendar, as_of: pendulum.Date
) -> Callable[[pendulum.Date], int | None]:
    """
    Working days after a due date up to and including *as_of*, on *calendar*.

    None for a date beyond the calendar's years (or when *as_of* is). *as_of* is looked
    up once for a whole page, and each due date with one list look-up.
    """
    to = calendar._counter()
    end = to(as_of)
    if end is None:
        return lambda due: None

    def late(due: pendulum.Date) -> int | None:
        start = to(due)
        return None if start is None else end - start

    return late
