"""The shipped pack contract, run on the England pack: the suite a third party's pack passes."""

from __future__ import annotations

import safeguarding_workflow as sw
from safeguarding_workflow.testing import PackContract, PackScenario

from ..helpers import BARNSLEY, PAYLOADS, ROLES, ROUTES, death_in_barnsley


class TestEnglandPack(PackContract):
    """A fictional death in Barnsley, walked to a closed case through a national review."""

    def make_pack(self) -> sw.RulePack:
        return sw.england.PACK

    def scenario(self) -> PackScenario:
        route = (*ROUTES["national_review"], "close_national_review")
        walk = tuple((event, ROLES[event], PAYLOADS[event]) for event in route)
        return PackScenario(death_in_barnsley(), BARNSLEY, walk=walk)
