"""
The England rule pack: duties under the 2018 arrangements, and the review lifecycle.

[`assess`][safeguarding_workflow.england.assess] reads an incident for one local
authority and returns every duty that arises for it and its safeguarding
partners, each with its due date, rule ids, citations and legal basis, and a
finding for every duty that lies with another authority instead.
[`PACK`][safeguarding_workflow.england.PACK] runs its cases through
[`LIFECYCLE`][safeguarding_workflow.england.LIFECYCLE].

A pack is one folder: its assessment, lifecycle, rule catalogue and settings.

Added in version 0.1.0.
"""

from ._assess import (
    GOVUK_PAGE_RETITLED,
    LEGACY_LIFECYCLE,
    LIFECYCLE,
    MIGRATION_1_TO_2,
    NOTIFICATION_DUTY_COMMENCED,
    PACK,
    RULE_PACK,
    RULE_PACK_VERSION,
    WT2023_PUBLISHED,
    DutyKind,
    assess,
    build_lifecycle,
    pack,
)
from ._legacy import ARRANGEMENTS_DEADLINE
from ._rules import RULES
from ._settings import RapidReviewAnchor, Settings

__all__ = [
    "ARRANGEMENTS_DEADLINE",
    "GOVUK_PAGE_RETITLED",
    "LEGACY_LIFECYCLE",
    "LIFECYCLE",
    "MIGRATION_1_TO_2",
    "NOTIFICATION_DUTY_COMMENCED",
    "PACK",
    "RULES",
    "RULE_PACK",
    "RULE_PACK_VERSION",
    "WT2023_PUBLISHED",
    "DutyKind",
    "RapidReviewAnchor",
    "Settings",
    "assess",
    "build_lifecycle",
    "pack",
]
