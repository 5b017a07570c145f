"""
A fictional partnership's case system: a small web API on the library, with FastAPI.

It records an incident and shows the duties it raises, with their citations; lists the
steps a user could take now (the dry run behind the buttons); fires a step, or checks it
first; lists overdue deadlines across the partnership's tenants; relays stored events to
a webhook through the outbox; and answers every library error as an RFC 9457 problem
details document. Everything is fictional: the users, the cases and the webhook.

Run it as a script to drive the API in-process with FastAPI's test client and print each
answer (``python examples/fastapi_host.py``), or serve it
(``uvicorn fastapi_host:app`` from this folder: it then keeps cases in
``fastapi_host.db``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import attrs
import httpx2 as httpx
import pendulum
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

import safeguarding_workflow as sw
from safeguarding_workflow.stores import OutboxRelay

TENANTS = ("fictional-north", "fictional-south")
BARNSLEY, LEEDS = "E08000016", "E08000035"
WEBHOOK = "https://webhook.fictional.invalid/events"


# -- the host's own users ------------------------------------------------------------------


@attrs.frozen
class User:
    """A user of the host, as its own directory knows them (opaque ids only)."""

    actor: str
    roles: frozenset[str]
    authority: str


#: The host's user directory: who holds which roles, for which authority. Fictional.
USERS = {
    "u-la-barnsley": User("u-la-barnsley", frozenset({"local_authority"}), BARNSLEY),
    "u-partners-barnsley": User(
        "u-partners-barnsley", frozenset({"safeguarding_partners"}), BARNSLEY
    ),
    "u-la-leeds": User("u-la-leeds", frozenset({"local_authority"}), LEEDS),
}


def same_authority(actor: str, roles: frozenset[str], case: sw.Case, step: str) -> bool:
    """The workflow's authoriser: a user acts only on their own authority's cases."""
    user = USERS.get(actor)
    return user is not None and user.authority in case.authority_codes


# -- errors as problem details (RFC 9457) -------------------------------------------------

#: HTTP status by library error, most specific first.
STATUS: tuple[tuple[type[sw.SafeguardingWorkflowError], int], ...] = (
    (sw.UnknownTenantError, 404),
    (sw.CaseNotFoundError, 404),
    (sw.RoleNotPermitted, 403),  # NotAuthorised too
    (sw.StepNotAvailable, 409),
    (sw.TransitionRefused, 409),
    (sw.ConcurrencyConflict, 409),
    (sw.CaseExistsError, 409),
    (sw.InvalidInputError, 422),  # UnknownEventError, IdempotencyKeyReused too
    (sw.ConfigurationError, 500),
)


def problem(error: sw.SafeguardingWorkflowError) -> JSONResponse:
    """A library error as ``application/problem+json``: its message names no value."""
    status = next((s for cls, s in STATUS if isinstance(error, cls)), 500)
    body: dict[str, Any] = {
        "type": f"urn:safeguarding-workflow:problem:{error.code}",
        "title": error.code.replace("_", " "),
        "status": status,
        "detail": str(error),
        "code": error.code,
        "field": error.field,
        "rule_ids": list(error.rule_ids),
    }
    if isinstance(error, sw.TransitionRefused):
        body["reasons"] = [r.to_dict() for r in error.reasons]
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


# -- the application -----------------------------------------------------------------------


def current_user(x_user: Annotated[str, Header()]) -> User:
    """The request's user, from the host's own authentication (a header, in this sketch)."""
    user = USERS.get(x_user)
    if user is None:  # answered as a problem, like the library's own refusals
        raise sw.NotAuthorised("unknown user", case_id="", event="", reasons=(), field="x-user")
    return user


UserDep = Annotated[User, Depends(current_user)]


def create_app(
    workflow: sw.Workflow, webhook: Callable[[httpx.Request], httpx.Response] | None = None
) -> FastAPI:
    """
    The host's API over *workflow* (whose store is a `SqlStore`).

    *webhook* answers the relay's requests in place of the network (tests, the demo).
    """
    app = FastAPI(title="Fictional partnership case system")
    store = workflow.store
    assert isinstance(store, sw.SqlStore)
    transport = None if webhook is None else httpx.MockTransport(webhook)
    client = httpx.Client(transport=transport, timeout=10)

    def post_event(event: sw.CloudEvent) -> None:
        """The relay's handler: returning means delivered, raising means try again later."""
        response = client.post(
            WEBHOOK,
            content=event.to_json(),
            headers={"content-type": "application/cloudevents+json"},
        )
        response.raise_for_status()

    relay = OutboxRelay(store, post_event, clock=workflow.clock, relay_id="fastapi-host")

    @app.exception_handler(sw.SafeguardingWorkflowError)
    async def _problem(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, sw.SafeguardingWorkflowError)
        return problem(error)

    @app.post("/tenants/{tenant_id}/cases", status_code=201)
    def record_incident(tenant_id: str, body: dict[str, Any], user: UserDep) -> dict[str, Any]:
        """Record an incident and open its case: the duties come with their citations."""
        outcome = workflow.open(
            tenant_id,
            sw.Incident.from_dict(body.get("incident")),
            local_authority=str(body.get("local_authority", "")),
            actor=user.actor,
            roles=user.roles,
            case_id=body.get("case_id"),
        )
        return {"case": outcome.case.to_dict()}

    @app.get("/tenants/{tenant_id}/cases/{case_id}")
    def show_case(tenant_id: str, case_id: str, user: UserDep) -> dict[str, Any]:
        """A case, its deadlines carrying their citations, basis and verification."""
        return {"case": workflow.case(tenant_id, case_id).to_dict()}

    @app.get("/tenants/{tenant_id}/cases/{case_id}/steps")
    def buttons(tenant_id: str, case_id: str, user: UserDep) -> dict[str, Any]:
        """The steps this user could take now: the dry run behind the buttons."""
        case = workflow.case(tenant_id, case_id)
        options = workflow.available(case, user.roles, actor=user.actor)
        return {"version": case.version, "steps": [o.to_dict() for o in options]}

    @app.post("/tenants/{tenant_id}/cases/{case_id}/steps/{event}")
    def take_step(
        tenant_id: str,
        case_id: str,
        event: str,
        body: dict[str, Any],
        user: UserDep,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Fire a step (or, with ``?dry_run=true``, say why it would be refused)."""
        command = sw.Command.from_dict(
            {
                **body,
                "tenant_id": tenant_id,
                "case_id": case_id,
                "event": event,
                "actor": user.actor,
                "roles": sorted(user.roles),
            }
        )
        if dry_run:
            return {"reasons": [r.to_dict() for r in workflow.check(command)]}
        outcome = workflow.fire(command)
        return {
            "case": outcome.case.to_dict(),
            "record": None if outcome.record is None else outcome.record.to_dict(),
        }

    @app.get("/overdue")
    def overdue(
        user: UserDep, tenant: Annotated[list[str] | None, Query()] = None
    ) -> dict[str, Any]:
        """Overdue deadlines across tenants (a regional view), oldest first."""
        rows = workflow.overdue(tenant_ids=tenant or TENANTS)
        return {"overdue": [r.to_dict() for r in rows]}

    @app.post("/admin/relay")
    def relay_now() -> dict[str, Any]:
        """Relay what is waiting (a scheduler would do this every few seconds)."""
        report = relay.run_until_idle()
        return {"delivered": report.delivered, "failed": report.failed, "dead": report.dead}

    return app


def make_workflow(database: str, clock: sw.typing.Clock | None = None) -> sw.Workflow:
    """The host's workflow: the England pack, two tenants, a SQLite file, the authoriser."""
    store = sw.SqlStore.sqlite(database)
    store.create_schema()
    return sw.Workflow(
        sw.england.PACK,
        clock=clock or sw.SystemClock(),
        settings=[sw.TenantSettings(t) for t in TENANTS],
        store=store,
        authoriser=same_authority,
    )


def __getattr__(name: str) -> Any:
    """``app``, built on first use (``uvicorn fastapi_host:app``), on ``fastapi_host.db``."""
    if name == "app":
        return create_app(make_workflow("fastapi_host.db"))
    raise AttributeError(name)


# -- the demo: the API driven in-process ---------------------------------------------------


def fictional_incident() -> dict[str, Any]:
    """A fictional death in Barnsley, neglect suspected, known on 5 January 2024."""
    return {
        "children": [{"age": 4, "harm": "death", "normally_resident_in": BARNSLEY}],
        "location": {"place": "england", "local_authority": BARNSLEY},
        "abuse_or_neglect": "suspected",
        "la_aware_at": "2024-01-05T09:00:00+00:00",
    }


@attrs.define
class Webhook:
    """A fictional webhook that keeps what it receives."""

    received: list[dict[str, Any]] = attrs.field(factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Receive one event."""
        self.received.append(json.loads(request.content))
        return httpx.Response(204)


def demo(folder: Path) -> Iterator[tuple[str, int, Any]]:
    """Drive the API through one fictional case; yield each call, its status and answer."""
    from safeguarding_workflow.testing import FrozenClock

    clock = FrozenClock(pendulum.datetime(2024, 1, 5, 12, tz="UTC"))
    webhook = Webhook()
    app = create_app(make_workflow(str(folder / "cases.db"), clock), webhook)
    http = TestClient(app)
    la = {"x-user": "u-la-barnsley"}
    base = "/tenants/fictional-north/cases"

    def call(method: str, url: str, **kwargs: Any) -> tuple[str, int, Any]:
        response = http.request(method, url, **kwargs)
        return f"{method} {url}", response.status_code, response.json()

    opening = {"case_id": "case-1", "incident": fictional_incident(), "local_authority": BARNSLEY}
    yield call("POST", base, json=opening, headers=la)
    yield call("GET", f"{base}/case-1/steps", headers=la)
    step = {"occurred_at": "2024-01-05T11:00:00Z", "payload": {"notification_ref": 7}}
    yield call("POST", f"{base}/case-1/steps/notify_panel?dry_run=true", json=step, headers=la)
    step["payload"] = {"notification_ref": "sin-1"}
    leeds = {"x-user": "u-la-leeds"}
    yield call("POST", f"{base}/case-1/steps/notify_panel", json=step, headers=leeds)
    yield call("POST", f"{base}/case-1/steps/notify_panel", json=step, headers=la)
    yield call("POST", f"{base}/case-1/steps/close", json=step, headers=la)
    clock.set(pendulum.datetime(2024, 3, 1, 12, tz="UTC"))
    yield call("GET", "/overdue", headers=la)
    yield call("POST", "/admin/relay")
    yield "webhook received", 200, [e["type"] for e in webhook.received]


def main() -> None:
    """Run the demo in a temporary folder and print each call with its answer."""
    with tempfile.TemporaryDirectory() as folder:
        for call, status, answer in demo(Path(folder)):
            print(f"{call} -> {status}")
            print("   ", json.dumps(answer)[:300])


if __name__ == "__main__":
    main()
