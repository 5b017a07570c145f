"""The public namespace: pinned, documented, and free of private leaks."""

from __future__ import annotations

import inspect

import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow import aio
from safeguarding_workflow.testing import FrozenClock

EXPECTED_ALL = [
    "FIRST_SUPPORTED_YEAR",
    "OFFICIAL_LIST_LAST_YEAR",
    "RULES",
    "AbuseOrNeglect",
    "Anchor",
    "Assessment",
    "Basis",
    "Case",
    "CaseExistsError",
    "CaseNotFoundError",
    "CaseStore",
    "Child",
    "CloudEvent",
    "Command",
    "ConcurrencyConflict",
    "ConfigurationError",
    "Deadline",
    "DeadlineChange",
    "DeadlineSpec",
    "DeadlineStatus",
    "DefaultIds",
    "DisposalRefused",
    "Duty",
    "DutyKind",
    "Finding",
    "GuardContext",
    "Harm",
    "HistoryIntegrityError",
    "HistoryRecord",
    "HolidayAddition",
    "IdempotencyKeyReused",
    "ImmediateDispatcher",
    "Incident",
    "InvalidInputError",
    "InvalidLifecycle",
    "Lifecycle",
    "LocalAuthority",
    "LocalAuthorityRegistry",
    "Location",
    "MemoryStore",
    "Migration",
    "MigrationReport",
    "Nation",
    "NotAuthorised",
    "Outcome",
    "OutsideSupportedRangeError",
    "Party",
    "PayloadField",
    "Place",
    "RapidReviewAnchor",
    "Recomputation",
    "RegimeNotSupportedError",
    "RegisterIntegrityError",
    "RoleNotPermitted",
    "Rule",
    "RuleCatalogue",
    "RulePack",
    "SafeguardingWorkflowError",
    "SqlStore",
    "SqliteSettingsWarning",
    "Step",
    "StepNotAvailable",
    "StepOption",
    "StoreError",
    "SystemClock",
    "TenantSettings",
    "TransitionRefused",
    "UnknownEventError",
    "UnknownLocalAuthorityError",
    "UnknownTenantError",
    "Verification",
    "Workflow",
    "WorkingDayCalendar",
    "__version__",
    "diagrams",
    "england",
    "event_schema",
    "exceptions",
    "guards",
    "history",
    "local",
    "personal",
    "publication",
    "schemas",
    "stores",
    "testing",
    "today",
    "typing",
    "verify",
]


def test_all_is_pinned() -> None:
    """__all__ is exactly the curated list (httpx's exported-members test)."""
    assert sw.__all__ == EXPECTED_ALL


HISTORY_ALL = [
    "GENESIS",
    "HASH_PREFIX",
    "SCHEMA_VERSION",
    "ChainHead",
    "ChainVerification",
    "HistoryRecord",
    "history_from_json",
    "history_to_json",
    "load_signed_heads",
    "rebuild",
    "record_hash",
    "sign_heads",
    "verify",
]

STORES_ALL = [
    "STORE_SCHEMA_VERSION",
    "WRITER_OPTION",
    "AsyncOutboxRelay",
    "AsyncSqlStore",
    "AsyncStoreScope",
    "CaseStore",
    "DueDeadline",
    "IdempotentConsumer",
    "MemoryStore",
    "OutboxRelay",
    "RegisterRow",
    "RelayReport",
    "SeenEvents",
    "SqlStore",
    "configure_sqlite_engine",
    "exponential_backoff",
    "responsible_roles",
    "sqlite_engine",
]

PERSONAL_ALL = [
    "DEFAULT_KEK_ID",
    "DIGEST_PREFIX",
    "KEK_VARIABLE",
    "MASK",
    "MAX_ENTRIES",
    "MAX_PEOPLE",
    "MAX_VALUE_LENGTH",
    "SEAL_VERSION",
    "DataKey",
    "Identifier",
    "IdentifierKind",
    "KeyProvider",
    "Keyring",
    "MaskingFilter",
    "Person",
    "Register",
    "Relationship",
    "RetentionRule",
    "RetentionStatus",
    "SubjectAccessExport",
    "WrappedKey",
    "entry_digest",
    "keyring_from_env",
    "keyring_from_file",
    "mask",
    "mask_identifiers",
    "masking",
    "open_register",
    "rewrap",
    "seal_register",
]

MOVED = {
    "history": [n for n in HISTORY_ALL if n not in ("SCHEMA_VERSION", "HistoryRecord", "verify")],
    "stores": [
        "DueDeadline",
        "IdempotentConsumer",
        "OutboxRelay",
        "RelayReport",
        "exponential_backoff",
    ],
}


def test_public_modules_are_pinned() -> None:
    """The history and stores modules export exactly their curated lists."""
    assert sw.history.__all__ == HISTORY_ALL
    assert sw.stores.__all__ == STORES_ALL
    assert sw.personal.__all__ == PERSONAL_ALL
    assert ["AsyncWorkflow"] == aio.__all__
    assert sw.schemas.__all__ == ["DIALECT", "NAMES", "payload_schema", "payload_schemas", "schema"]


@pytest.mark.parametrize(("module", "name"), [(m, n) for m, ns in MOVED.items() for n in ns])
def test_names_that_moved_still_resolve(module: str, name: str) -> None:
    """A name that left the top-level list is still reachable there, as the same object."""
    assert name not in sw.__all__
    assert getattr(sw, name) is getattr(getattr(sw, module), name)


def test_unknown_top_level_name_is_an_attribute_error() -> None:
    """The lazy lookup raises AttributeError for names that exist nowhere."""
    with pytest.raises(AttributeError):
        sw.no_such_name  # noqa: B018 - the lookup is the test


def test_every_public_object_is_documented() -> None:
    """Every exported class and function has a docstring saying when it was added."""
    names = [(sw, n) for n in sw.__all__]
    names += [(sw.history, n) for n in sw.history.__all__]
    names += [(sw.stores, n) for n in sw.stores.__all__]
    names += [(aio, n) for n in aio.__all__]
    names += [(sw.schemas, n) for n in sw.schemas.__all__]
    names += [(sw.personal, n) for n in sw.personal.__all__]
    for module, name in names:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismodule(obj):
            assert obj.__doc__, name
            if not issubclass(type(obj), type) or obj.__module__.startswith("safeguarding"):
                assert "Added in version" in (obj.__doc__ or "") or inspect.ismodule(obj), name


def test_contract_duty_kinds_compare_as_strings() -> None:
    """duty.kind compares equal to the contract's strings."""
    assert sw.DutyKind.NOTIFY_PANEL == "notify_panel"
    assert (
        sw.DutyKind.NOTIFY_SECRETARY_OF_STATE_AND_OFSTED == "notify_secretary_of_state_and_ofsted"
    )
    assert sw.Basis.STATUTE == "statute"


def test_error_codes_are_stable_and_distinct() -> None:
    """Every error class has its own stable code, and str() shows it."""
    classes = [
        sw.SafeguardingWorkflowError,
        sw.InvalidInputError,
        sw.OutsideSupportedRangeError,
        sw.UnknownLocalAuthorityError,
        sw.RegimeNotSupportedError,
        sw.ConfigurationError,
    ]
    assert [c.code for c in classes] == [
        "safeguarding_workflow_error",
        "invalid_input",
        "outside_supported_range",
        "unknown_local_authority",
        "regime_not_supported",
        "configuration_error",
    ]
    error = sw.InvalidInputError("'x' is wrong", field="x", rule_ids=("NOT-04",))
    assert str(error) == "[invalid_input] 'x' is wrong"
    assert repr(error) == "InvalidInputError(code='invalid_input', field='x', rule_ids=('NOT-04',))"
    assert isinstance(error, ValueError)


class TestSettings:
    def test_defaults(self) -> None:
        """The rapid-review anchor defaults to 'aware' (RR-03's recommended default)."""
        s = sw.TenantSettings("barnsley-scp")
        england = s.of(sw.england.Settings)
        assert (
            england.rapid_review_anchor,
            england.arrangements_implemented_on,
            s.calendar_additions,
            s.packs,
        ) == (sw.RapidReviewAnchor.AWARE, None, (), ())
        assert s.england_and_wales_calendar().name == "England and Wales"

    def test_pack_settings_are_found_by_type(self) -> None:
        """A pack's settings given in 'packs' are what of() returns for their type."""
        given = sw.england.Settings(rapid_review_anchor="notification_sent")
        s = sw.TenantSettings("barnsley-scp", packs=[given])
        assert given is s.of(sw.england.Settings)

    @pytest.mark.parametrize(
        "packs",
        [
            "england",
            [sw.england.Settings(), sw.england.Settings()],
        ],
    )
    def test_bad_pack_settings(self, packs: object) -> None:
        """'packs' must be a list or tuple with one settings value per kind."""
        with pytest.raises(sw.ConfigurationError) as info:
            sw.TenantSettings("t", packs=packs)  # type: ignore[arg-type]
        assert "packs" == info.value.field

    def test_required_pack_settings(self) -> None:
        """A pack settings type with required fields and no value given is a clear error."""

        class Required:
            def __init__(self, area: str) -> None:
                self.area = area

        with pytest.raises(sw.ConfigurationError) as info:
            sw.TenantSettings("t").of(Required)
        assert "packs" == info.value.field

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"rapid_review_anchor": "incident"},
            {"arrangements_implemented_on": "2019-09-29"},
        ],
    )
    def test_bad_england_settings(self, kwargs: dict[str, object]) -> None:
        """Malformed England settings are configuration errors naming the field."""
        with pytest.raises(sw.ConfigurationError) as info:
            sw.england.Settings(**kwargs)  # type: ignore[arg-type]
        assert info.value.field

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"tenant_id": ""},
            {"tenant_id": "-x"},
            {"tenant_id": "x" * 65},
            {"tenant_id": 7},
            {"tenant_id": "t", "calendar_additions": [pendulum.date(2027, 6, 4)]},
            {"tenant_id": "t", "calendar_additions": sw.HolidayAddition(pendulum.date(2027, 6, 4))},
        ],
    )
    def test_bad_settings(self, kwargs: dict[str, object]) -> None:
        """Malformed settings are configuration errors naming the field."""
        with pytest.raises(sw.ConfigurationError) as info:
            sw.TenantSettings(**kwargs)  # type: ignore[arg-type]
        assert info.value.field

    def test_frozen(self) -> None:
        """Settings are immutable."""
        s = sw.TenantSettings("t")
        with pytest.raises(AttributeError):
            s.tenant_id = "u"  # type: ignore[misc]


class TestClocks:
    def test_frozen_clock(self) -> None:
        """FrozenClock stands still until set or advanced, and wants an aware datetime."""
        clock = FrozenClock(pendulum.datetime(2024, 1, 1, tz="UTC"))
        assert pendulum.datetime(2024, 1, 1, tz="UTC") == clock.now()
        clock.advance(days=2)
        assert pendulum.datetime(2024, 1, 3, tz="UTC") == clock.now()
        clock.set(pendulum.datetime(2025, 1, 1, tz="UTC"))
        assert repr(clock) == "FrozenClock('2025-01-01T00:00:00+00:00')"
        with pytest.raises(sw.InvalidInputError):
            FrozenClock(pendulum.date(2024, 1, 1))  # type: ignore[arg-type]

    def test_system_clock_is_a_clock(self) -> None:
        """SystemClock satisfies the Clock protocol and returns an aware time."""
        clock = sw.SystemClock()
        assert isinstance(clock, sw.typing.Clock)
        assert clock.now().tzinfo is not None
        assert repr(clock) == "SystemClock()"
