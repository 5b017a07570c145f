"""The FastAPI example host (examples/fastapi_host.py), end to end with FastAPI's test client."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pendulum
import pytest
from fastapi.testclient import TestClient

from safeguarding_workflow.testing import FrozenClock

ROOT = Path(__file__).parent.parent


def _load() -> Any:
    spec = importlib.util.spec_from_file_location(
        "fastapi_host", ROOT / "examples" / "fastapi_host.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fastapi_host"] = module
    spec.loader.exec_module(module)
    return module


host = _load()
LA = {"x-user": "u-la-barnsley"}
PARTNERS = {"x-user": "u-partners-barnsley"}
LEEDS_LA = {"x-user": "u-la-leeds"}
CASES = "/tenants/fictional-north/cases"


class Hook:
    """A webhook that fails while told to, and keeps what it received."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.failing = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.failing:
            return httpx.Response(503)
        self.received.append(httpx.Response(200, content=request.content).json())
        return httpx.Response(204)


@pytest.fixture(name="env")
def _env(tmp_path: Path) -> Iterator[tuple[TestClient, FrozenClock, Hook]]:
    clock = FrozenClock(pendulum.datetime(2024, 1, 5, 12, tz="UTC"))
    hook = Hook()
    workflow = host.make_workflow(str(tmp_path / "cases.db"), clock)
    with TestClient(host.create_app(workflow, hook)) as client:
        yield client, clock, hook
    workflow.store.engine.dispose()


def _open(client: TestClient, case_id: str = "case-1", tenant: str = "fictional-north") -> Any:
    return client.post(
        f"/tenants/{tenant}/cases",
        json={
            "case_id": case_id,
            "incident": host.fictional_incident(),
            "local_authority": host.BARNSLEY,
        },
        headers=LA,
    )


def _step(
    payload: dict[str, Any], at: str = "2024-01-05T11:00:00Z", **extra: Any
) -> dict[str, Any]:
    return {"occurred_at": at, "payload": payload, **extra}


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:safeguarding-workflow:problem:{code}"
    return body


def test_recording_an_incident_shows_its_duties_with_citations(env: Any) -> None:
    client, _, _ = env
    response = _open(client)
    assert response.status_code == 201
    case = response.json()["case"]
    assert case["state"] == "incident_recorded"
    notify = next(d for d in case["deadlines"] if d["kind"] == "notify_panel")
    assert notify["due"] == "2024-01-12"
    assert "CA 2004 s16C(1)(a)" in notify["citations"]
    assert notify["verification"]
    shown = client.get(f"{CASES}/case-1", headers=LA).json()["case"]
    assert shown == case


def test_the_buttons_come_from_the_dry_run(env: Any) -> None:
    client, _, _ = env
    _open(client)
    steps = {s["event"]: s for s in client.get(f"{CASES}/case-1/steps", headers=LA).json()["steps"]}
    assert steps["notify_panel"]["allowed"]
    assert steps["notify_panel"]["role"] == "local_authority"
    partners = client.get(f"{CASES}/case-1/steps", headers=PARTNERS).json()["steps"]
    by_event = {s["event"]: s for s in partners}
    assert not by_event["notify_panel"]["enabled"]
    assert by_event["notify_panel"]["reasons"][0]["code"] == "role_not_permitted"
    leeds = client.get(f"{CASES}/case-1/steps", headers=LEEDS_LA).json()["steps"]
    assert all(s["reasons"][0]["code"] == "not_authorised" for s in leeds)


def test_a_dry_run_stores_nothing_and_a_step_is_fired(env: Any) -> None:
    client, _, _ = env
    _open(client)
    checked = client.post(
        f"{CASES}/case-1/steps/notify_panel?dry_run=true",
        json=_step({"notification_ref": 7}),
        headers=LA,
    )
    assert [r["code"] for r in checked.json()["reasons"]] == ["payload_invalid"]
    assert client.get(f"{CASES}/case-1", headers=LA).json()["case"]["version"] == 1
    fired = client.post(
        f"{CASES}/case-1/steps/notify_panel", json=_step({"notification_ref": "sin-1"}), headers=LA
    )
    assert fired.status_code == 200
    assert fired.json()["case"]["state"] == "notified"
    assert fired.json()["record"]["record"]["role"] == "local_authority"


def test_errors_are_problem_details_by_kind(env: Any) -> None:
    client, _, _ = env
    _open(client)
    step = _step({"notification_ref": "sin-1"})

    def post(event: str, headers: dict[str, str], body: dict[str, Any] = step) -> Any:
        return client.post(f"{CASES}/case-1/steps/{event}", json=body, headers=headers)

    _problem(post("notify_panel", LEEDS_LA), 403, "not_authorised")
    _problem(post("notify_panel", PARTNERS), 403, "role_not_permitted")
    _problem(post("close", LA), 409, "step_not_available")
    _problem(post("no_such_step", LA), 422, "unknown_event")
    _problem(client.get(f"{CASES}/case-404", headers=LA), 404, "case_not_found")
    _problem(client.get("/tenants/no-such-tenant/cases/case-1", headers=LA), 404, "unknown_tenant")
    stale = _step({"notification_ref": "sin-1"}, expected_version=7)
    _problem(post("notify_panel", LA, stale), 409, "concurrency_conflict")
    _problem(_open(client), 409, "case_exists")
    bad = _step({"notification_ref": 9})
    refused = _problem(post("notify_panel", LA, bad), 422, "invalid_input")
    assert refused["field"] == "payload.notification_ref"
    _problem(client.get("/overdue", headers={"x-user": "nobody"}), 403, "not_authorised")


def test_a_problem_never_repeats_what_the_caller_sent(env: Any) -> None:
    client, _, _ = env
    _open(client)
    secret = "Zebedee Quillfeather 9434765919"
    response = client.post(
        f"{CASES}/case-1/steps/notify_panel",
        json=_step({"notification_ref": secret}),
        headers=LA,
    )
    assert response.status_code == 422
    assert "Zebedee" not in response.text
    assert "9434765919" not in response.text


def test_overdue_deadlines_across_the_tenants(env: Any) -> None:
    client, clock, _ = env
    _open(client, "case-n", "fictional-north")
    _open(client, "case-s", "fictional-south")
    clock.set(pendulum.datetime(2024, 2, 1, 12, tz="UTC"))
    rows = client.get("/overdue", headers=LA).json()["overdue"]
    assert {r["tenant_id"] for r in rows} == {"fictional-north", "fictional-south"}
    assert all(r["working_days_late"] > 0 for r in rows)
    assert all(r["responsible"] for r in rows)
    north = client.get("/overdue?tenant=fictional-north", headers=LA).json()["overdue"]
    assert {r["tenant_id"] for r in north} == {"fictional-north"}


def test_events_are_relayed_to_the_webhook_and_retried_after_a_failure(env: Any) -> None:
    client, clock, hook = env
    _open(client)
    step = _step({"notification_ref": "sin-1"})
    client.post(f"{CASES}/case-1/steps/notify_panel", json=step, headers=LA)
    hook.failing = True
    assert client.post("/admin/relay").json() == {"delivered": 0, "failed": 1, "dead": 0}
    hook.failing = False
    clock.set(pendulum.datetime(2024, 1, 6, 12, tz="UTC"))  # past the back-off
    assert client.post("/admin/relay").json()["delivered"] == 2
    assert [e["type"] for e in hook.received] == [
        "org.safeguarding-workflow.opened.opened",
        "org.safeguarding-workflow.step.notify_panel",
    ]
    assert client.post("/admin/relay").json()["delivered"] == 0
