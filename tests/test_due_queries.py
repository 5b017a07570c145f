"""
What is overdue and due soon: the Workflow's queries, today, dates, roles and the SQL plan.

Today in Europe/London, the dates the entry points accept, who answers for a deadline,
and the SQL plan behind the rows.

The rows themselves, on every store, are the store contract's
(``safeguarding_workflow.testing.StoreContract``, the ``what is due`` tests).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.stores import IdempotentConsumer, OutboxRelay, SqlStore
from safeguarding_workflow.stores._base import responsible_roles
from safeguarding_workflow.testing import FrozenClock

from .helpers import BARNSLEY, TENANT, Driver, death_in_barnsley


class TestToday:
    def test_today_is_the_date_in_london(self) -> None:
        """Late on 30 June in UTC is already 1 July in London (summer time); in winter, not."""
        summer = FrozenClock(pendulum.datetime(2024, 6, 30, 23, 30, tz="UTC"))
        winter = FrozenClock(pendulum.datetime(2024, 12, 30, 23, 30, tz="UTC"))
        assert (pendulum.date(2024, 7, 1), pendulum.date(2024, 12, 30)) == (
            sw.today(summer),
            sw.today(winter),
        )
        assert pendulum.Date is type(sw.today(summer))

    def test_a_naive_clock_is_refused(self) -> None:
        """A clock answering a naive datetime is the host's misconfiguration."""

        class Naive:
            def now(self) -> dt.datetime:
                return dt.datetime(2024, 1, 1, 12)  # naive on purpose

        with pytest.raises(sw.ConfigurationError) as info:
            sw.today(Naive())  # type: ignore[arg-type]
        assert "clock" == info.value.field


class TestWorkflowQueries:
    def test_as_of_defaults_to_today_on_the_workflows_clock(self) -> None:
        """Without as_of, the workflow asks as of today in London, by its own clock."""
        d = Driver()
        d.open()  # both notifications due Friday 12 January 2024
        d.clock.set(pendulum.datetime(2024, 1, 16, 9, tz="UTC"))
        rows = d.workflow.overdue(TENANT)
        assert [2, 2] == [r.working_days_late for r in rows]
        d.clock.set(pendulum.datetime(2024, 1, 12, 9, tz="UTC"))
        assert [] == d.workflow.overdue(TENANT)
        soon = d.workflow.due_soon(TENANT, working_days=0)
        assert [("inform_safeguarding_partners", 0), ("notify_panel", 0)] == [
            (r.kind, r.working_days_left) for r in soon
        ]

    def test_unknown_tenants_are_refused_before_reading(self) -> None:
        """A tenant the workflow has no settings for, alone or among others: one error."""
        d = Driver()
        day = pendulum.date(2024, 1, 16)
        for call in (
            lambda: d.workflow.overdue("no-such-tenant", day),
            lambda: d.workflow.overdue(tenant_ids=[TENANT, "no-such-tenant"], as_of=day),
            lambda: d.workflow.due_soon("no-such-tenant", day, working_days=2),
        ):
            with pytest.raises(sw.UnknownTenantError) as info:
                call()
            assert "no-such-tenant" not in str(info.value)

    def test_each_tenant_counts_on_its_own_calendar(self) -> None:
        """Two tenants, one with a proclaimed holiday: their rows count days late apart."""
        proclaimed = sw.HolidayAddition(pendulum.date(2024, 1, 15), "Proclaimed (fictional)")
        settings = [
            sw.TenantSettings("tenant-plain"),
            sw.TenantSettings("tenant-holiday", calendar_additions=[proclaimed]),
        ]
        clock = FrozenClock(pendulum.datetime(2024, 1, 5, 12, tz="UTC"))
        workflow = sw.Workflow(sw.england.PACK, clock=clock, settings=settings)
        aware = pendulum.datetime(2024, 1, 4, 9, tz="Europe/London")  # due Thursday 11 January
        for tenant in ("tenant-plain", "tenant-holiday"):
            workflow.open(
                tenant,
                death_in_barnsley(la_aware_at=aware),
                local_authority=BARNSLEY,
                actor="user-1",
                case_id="case-1",
            )
        rows = workflow.overdue(as_of=pendulum.date(2024, 1, 16))
        # Friday 12, Monday 15 and Tuesday 16; Monday 15 is a holiday for one tenant.
        assert [2, 2, 3, 3] == [r.working_days_late for r in rows]
        assert ["tenant-holiday"] * 2 + ["tenant-plain"] * 2 == [r.tenant_id for r in rows]
        # Aware on Monday 8 January: due Monday 15 for one tenant, Tuesday 16 for the other.
        # On Monday 15, "0 working days on" reaches Tuesday 16 on the holiday tenant's
        # calendar only: each tenant's window ends on its own.
        clock.set(pendulum.datetime(2024, 1, 15, 12, tz="UTC"))
        monday = pendulum.datetime(2024, 1, 8, 9, tz="Europe/London")
        for tenant in ("tenant-plain", "tenant-holiday"):
            workflow.open(
                tenant,
                death_in_barnsley(la_aware_at=monday),
                local_authority=BARNSLEY,
                actor="user-1",
                case_id="case-2",
            )
        soon = workflow.due_soon(tenant_ids=["tenant-plain", "tenant-holiday"], working_days=0)
        assert [
            (pendulum.date(2024, 1, 15), "tenant-plain", 0),
            (pendulum.date(2024, 1, 15), "tenant-plain", 0),
            (pendulum.date(2024, 1, 16), "tenant-holiday", 1),
            (pendulum.date(2024, 1, 16), "tenant-holiday", 1),
        ] == [(r.due, r.tenant_id, r.working_days_left) for r in soon]

    def test_rows_hold_no_personal_data(self) -> None:
        """A row's fields are ids, codes, dates, rules, roles and counts: nothing of a child."""
        allowed = {
            "tenant_id",
            "case_id",
            "kind",
            "due",
            "rule_ids",
            "projected",
            "local_authority",
            "local_authority_given",
            "state",
            "lifecycle",
            "working_days_late",
            "responsible",
        }
        names = {a.name for a in sw.DueDeadline.__attrs_attrs__}
        assert set() == names - allowed
        assert 11 <= len(names)


class TestResponsibleRoles:
    def test_englands_kinds_and_their_roles(self) -> None:
        """The roles of the steps that meet each kind, in England's lifecycle."""
        la, partners = ("local_authority",), ("safeguarding_partners",)
        assert {
            "notify_panel": la,
            "inform_safeguarding_partners": la,
            "notify_secretary_of_state_and_ofsted": la,
            "rapid_review": partners,
            "send_report_to_panel_and_sos": partners,
            "local_review_publication": partners,
        } == responsible_roles(sw.england.LIFECYCLE)

    def test_the_lifecycle_agrees_with_the_duties(self) -> None:
        """For every kind an assessment raises, the lifecycle's role is the duty's holder."""
        roles = responsible_roles(sw.england.LIFECYCLE)
        looked_after = [sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)]
        for facts in (death_in_barnsley(), death_in_barnsley(children=looked_after)):
            assessment = sw.england.assess(facts, local_authority=BARNSLEY)
            assert assessment.duties
            for duty in assessment.duties:
                assert (duty.responsible.role,) == roles[duty.kind]

    def test_a_kind_met_by_steps_of_several_roles_names_them_all(self) -> None:
        """Roles are gathered from every step that meets the kind, once each, in order."""
        lifecycle = sw.Lifecycle(
            name="fictional",
            version="1",
            states=("open", "done"),
            initial="open",
            terminal=("done",),
            roles=("clerk", "manager"),
            guards={},
            steps=(
                sw.Step("finish", ("open",), "done", ("clerk",), meets=("reply",)),
                sw.Step("escalate", ("open",), "done", ("manager", "clerk"), meets=("reply",)),
            ),
        )
        assert {"reply": ("clerk", "manager")} == responsible_roles(lifecycle)


class TestSqlQuery:
    def test_the_plan_walks_the_open_deadlines_index(self, tmp_path: Path) -> None:
        """SQLite reads the partial index in order and each case row by its key: no sort."""
        store = SqlStore.sqlite(str(tmp_path / "plan.db"))
        Driver(store=store).walk_to("rapid_review")
        store.overdue(TENANT, pendulum.date(2024, 6, 1))  # compiles the statement's shape
        query = next(iter(store._shared.overdue_queries.values()))
        params = query.params({"k_tenant": TENANT, "k_last": "2024-05-31", "k_limit": 100})
        with sqlite3.connect(tmp_path / "plan.db") as connection:
            plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {query.sql}", params)]
            connection.execute("ANALYZE")  # statistics that favour a scan of one case row
            analysed = [
                row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {query.sql}", params)
            ]
        store.engine.dispose()
        assert [
            (
                "SEARCH sw_deadlines USING INDEX sw_deadlines_open_due"
                " (tenant_id=? AND due>? AND due<?)"
            ),
            "SEARCH sw_cases USING INDEX sqlite_autoindex_sw_cases_1 (tenant_id=? AND case_id=?)",
        ] == plan
        # Whatever the statistics, the index drives and nothing is sorted.
        assert plan[0] == analysed[0]
        assert not [step for step in analysed if "B-TREE" in step]

    def test_purge_takes_aware_datetimes_dates_and_the_old_text(self, tmp_path: Path) -> None:
        """delivered_before: an aware datetime in any zone, a date, or UTC text as before."""
        store = SqlStore.sqlite(str(tmp_path / "purge.db"))
        d = Driver(store=store)
        d.open()
        d.fire("notify_panel", days=0)
        d.clock.set(pendulum.datetime(2024, 2, 1, 12, tz="UTC"))  # delivered at noon UTC
        consumer = IdempotentConsumer.for_store(lambda _e: None, store, "mailer")
        OutboxRelay(store, consumer, clock=d.clock).run_until_idle()
        # 12:30 in London is 12:30 UTC in winter; 13:00 in Paris is noon UTC: not before.
        assert 0 == store.purge_outbox(pendulum.datetime(2024, 2, 1, 13, tz="Europe/Paris"))
        assert 0 == store.purge_outbox(pendulum.date(2024, 2, 1))
        assert 0 == store.purge_outbox("2024-02-01T11:59:59.000000Z")
        for bad in (dt.datetime(2024, 3, 1), "1 March 2024", 20240301):
            with pytest.raises(sw.InvalidInputError) as info:
                store.purge_outbox(bad)  # type: ignore[arg-type]
            assert "delivered_before" == info.value.field
        assert 2 == store.purge_outbox(pendulum.datetime(2024, 2, 1, 12, 30, tz="Europe/London"))
        store.engine.dispose()
