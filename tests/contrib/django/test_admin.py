"""
The admin shows cases, deadlines and history to a logged-in superuser, and changes nothing.

Pages are fetched through Django's test client (pytest-django's ``admin_client``). The
cases shown are stored by a workflow on the Django store inside the test's transaction,
which rolls back at its end.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from safeguarding_workflow.contrib.django import DjangoStore
from safeguarding_workflow.contrib.django.models import CaseRow, HistoryRow

from ...helpers import CANARIES, TENANT, Driver

pytestmark = pytest.mark.django_db

MODELS = ("caserow", "deadlinerow", "historyrow")


@pytest.fixture(name="driver")
def _driver() -> Driver:
    """Two fictional cases in the ``sw_`` tables: one notified, one just opened."""
    d = Driver(store=DjangoStore())
    d.open(case_id="admin-case-1")
    d.fire("notify_panel", case_id="admin-case-1")
    d.open(case_id="admin-case-2")
    return d


def _url(model: str, view: str = "changelist", *args: str) -> str:
    return reverse(f"admin:safeguarding_workflow_{model}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_each_list_renders(admin_client: Client, driver: Driver, model: str) -> None:
    """Each list shows the cases' rows, with no add link, no actions and no personal data."""
    response = admin_client.get(_url(model))
    page = response.content.decode()
    assert 200 == response.status_code
    assert "admin-case-1" in page
    assert "admin-case-2" in page
    assert _url(model, "add") not in page
    assert 'name="action"' not in page
    assert not [c for c in CANARIES if c in page]


def test_a_case_links_to_its_history(admin_client: Client, driver: Driver) -> None:
    """The case list links to each case's history, which lists only that case's records."""
    query = urlencode({"tenant_id": TENANT, "case_id": "admin-case-1"})
    cases = admin_client.get(_url("caserow")).content.decode()
    assert f"{_url('historyrow')}?{query}".replace("&", "&amp;") in cases
    page = admin_client.get(f"{_url('historyrow')}?{query}").content.decode()
    assert "notify_panel" in page
    assert "admin-case-2" not in page


def test_a_case_and_a_record_show_read_only(admin_client: Client, driver: Driver) -> None:
    """A case's and a record's pages render without a save button or a delete link."""
    case = CaseRow.objects.get(case_id="admin-case-1")
    record = HistoryRow.objects.get(case_id="admin-case-1", sequence=2)
    for model, key, shown in (
        ("caserow", case.head, "notified"),
        ("historyrow", record.event_id, record.hash),
    ):
        response = admin_client.get(_url(model, "change", key))
        page = response.content.decode()
        assert 200 == response.status_code
        assert shown in page
        assert 'name="_save"' not in page
        assert _url(model, "delete", key) not in page


@pytest.mark.parametrize("model", MODELS)
def test_adding_changing_and_deleting_are_refused(
    admin_client: Client, driver: Driver, model: str
) -> None:
    """The add page, a posted change and the delete page answer 403; nothing changes."""
    record = HistoryRow.objects.get(case_id="admin-case-1", sequence=2)
    case = CaseRow.objects.get(case_id="admin-case-1")
    key = {"caserow": case.head, "deadlinerow": "admin-case-1", "historyrow": record.event_id}[
        model
    ]
    assert 403 == admin_client.get(_url(model, "add")).status_code
    assert 403 == admin_client.post(_url(model, "add"), {"case_id": "x"}).status_code
    assert 403 == admin_client.get(_url(model, "delete", key)).status_code
    assert 403 == admin_client.post(_url(model, "delete", key), {"post": "yes"}).status_code
    if model != "deadlinerow":
        assert 403 == admin_client.post(_url(model, "change", key), {"state": "x"}).status_code
    assert ["opened", "notify_panel"] == [r.event for r in driver.history("admin-case-1")]
    assert "notified" == driver.case("admin-case-1").state


def test_a_deadline_has_no_page_of_its_own(admin_client: Client, driver: Driver) -> None:
    """``case_id`` names no one deadline: its page sends the user back, saying it is not found."""
    response = admin_client.get(_url("deadlinerow", "change", "admin-case-1"), follow=True)
    assert 200 == response.status_code
    assert "doesn\u2019t exist" in response.content.decode()


def test_the_models_have_only_the_view_permission() -> None:
    """No add, change or delete permission exists to grant for the library's tables."""
    codenames = Permission.objects.filter(content_type__app_label="safeguarding_workflow")
    assert {f"view_{m}" for m in MODELS} == {p.codename for p in codenames}


def test_an_anonymous_user_is_sent_to_log_in(client: Client, driver: Driver) -> None:
    """Without a logged-in staff user, the lists redirect to the login page."""
    response = client.get(_url("caserow"))
    assert 302 == response.status_code
    assert reverse("admin:login") in response["Location"]
