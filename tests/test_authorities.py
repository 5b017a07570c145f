"""The local authority registry: codes, names, DfE numbers and reorganisations."""

from __future__ import annotations

import pendulum
import pytest

import safeguarding_workflow as sw

D = pendulum.date


@pytest.fixture(name="reg", scope="module")
def _reg() -> sw.LocalAuthorityRegistry:
    return sw.LocalAuthorityRegistry.default()


class TestShippedData:
    def test_counts_of_children_services_authorities(self, reg: sw.LocalAuthorityRegistry) -> None:
        """English authorities in force: 152 (2010), 151 (2019), 152 (2021), 153 (2023 on)."""

        def english(day: pendulum.Date) -> int:
            return sum(1 for la in reg.in_force_on(day) if la.nation is sw.Nation.ENGLAND)

        assert [
            english(D(2010, 1, 1)),
            english(D(2019, 4, 1)),
            english(D(2020, 4, 1)),
            english(D(2021, 4, 1)),
            english(D(2023, 4, 1)),
            english(D(2026, 11, 25)),
        ] == [152, 151, 151, 152, 153, 153]

    def test_other_nations(self, reg: sw.LocalAuthorityRegistry) -> None:
        """22 Welsh councils, 32 Scottish council areas, 11 Northern Irish districts today."""
        today = reg.in_force_on(D(2026, 11, 25))
        counts = {n: sum(1 for la in today if la.nation is n) for n in sw.Nation}
        assert counts == {
            sw.Nation.ENGLAND: 153,
            sw.Nation.WALES: 22,
            sw.Nation.SCOTLAND: 32,
            sw.Nation.NORTHERN_IRELAND: 11,
        }

    def test_every_english_authority_has_a_dfe_number(self, reg: sw.LocalAuthorityRegistry) -> None:
        """English rows carry a three-digit DfE number; others none."""
        for la in reg:
            if la.nation is sw.Nation.ENGLAND:
                assert la.dfe_code is not None
                assert len(la.dfe_code) == 3
                assert la.dfe_code.isdigit()
            else:
                assert la.dfe_code is None

    def test_successors_exist_and_follow_on(self, reg: sw.LocalAuthorityRegistry) -> None:
        """Every ended code names successors that start the next day."""
        for la in reg:
            if la.valid_to is None:
                assert la.replaced_by == ()
                continue
            assert la.replaced_by
            for code in la.replaced_by:
                assert la.valid_to.add(days=1) == reg.get(code).valid_from


class TestReorganisations:
    @pytest.mark.parametrize(
        ("code", "before", "after", "successors"),
        [
            ("E10000009", D(2019, 3, 31), D(2019, 4, 1), ("E06000058", "E06000059")),  # Dorset
            ("E10000002", D(2020, 3, 31), D(2020, 4, 1), ("E06000060",)),  # Buckinghamshire
            ("E10000021", D(2021, 3, 31), D(2021, 4, 1), ("E06000061", "E06000062")),
            ("E10000006", D(2023, 3, 31), D(2023, 4, 1), ("E06000063", "E06000064")),  # Cumbria
            ("E10000023", D(2023, 3, 31), D(2023, 4, 1), ("E06000065",)),  # North Yorkshire
            ("E10000027", D(2023, 3, 31), D(2023, 4, 1), ("E06000066",)),  # Somerset
        ],
    )
    def test_before_and_after(
        self,
        reg: sw.LocalAuthorityRegistry,
        code: str,
        before: pendulum.Date,
        after: pendulum.Date,
        successors: tuple[str, ...],
    ) -> None:
        """The old code resolves up to its last day; after it, the error names the successors."""
        assert code == reg.resolve(code, before).gss_code
        with pytest.raises(sw.UnknownLocalAuthorityError) as info:
            reg.resolve(code, after)
        assert successors == reg.get(code).replaced_by
        for successor in successors:
            assert successor in str(info.value)
            assert successor == reg.resolve(successor, after).gss_code

    def test_cumbria_2019_and_cumberland_2024(self, reg: sw.LocalAuthorityRegistry) -> None:
        """DESIGN: a 2019 incident in Cumbria and a 2024 incident in Cumberland both validate."""
        assert reg.resolve("Cumbria", D(2019, 5, 1)).name == "Cumbria"
        assert reg.resolve("Cumberland", D(2024, 5, 1)).name == "Cumberland"
        with pytest.raises(sw.UnknownLocalAuthorityError, match="did not exist"):
            reg.resolve("Cumberland", D(2019, 5, 1))

    def test_a_recode_keeps_the_authority(self, reg: sw.LocalAuthorityRegistry) -> None:
        """Barnsley's 2025 recode (same council, DfE 370): both codes resolve on both sides."""
        assert reg.resolve("E08000016", D(2024, 5, 1)).gss_code == "E08000016"
        assert reg.resolve("E08000016", D(2026, 5, 1)).gss_code == "E08000038"
        assert reg.resolve("E08000038", D(2024, 5, 1)).gss_code == "E08000016"
        assert reg.resolve("Barnsley", D(2026, 5, 1)).gss_code == "E08000038"
        assert reg.resolve("370", D(2024, 5, 1)).gss_code == "E08000016"

    def test_northumberland_by_name_across_its_recode(self, reg: sw.LocalAuthorityRegistry) -> None:
        """A name denotes whichever code was in force on the date."""
        assert reg.resolve("northumberland", D(2012, 1, 1)).gss_code == "E06000048"
        assert reg.resolve("Northumberland", D(2020, 1, 1)).gss_code == "E06000057"


class TestLookups:
    @pytest.mark.parametrize("bad", ["", "  ", "Gondor", "E99999999", None, 42])
    def test_unknown(self, reg: sw.LocalAuthorityRegistry, bad: object) -> None:
        """Unknown codes and names raise UnknownLocalAuthorityError with a stable code."""
        with pytest.raises(sw.UnknownLocalAuthorityError) as info:
            reg.resolve(bad, D(2024, 1, 1))  # type: ignore[arg-type]
        assert info.value.code == "unknown_local_authority"

    def test_get_and_contains(self, reg: sw.LocalAuthorityRegistry) -> None:
        """get() finds any code regardless of dates; unknown codes raise."""
        assert reg.get("E09000001").name == "City of London"
        assert "E09000001" in reg
        with pytest.raises(sw.UnknownLocalAuthorityError):
            reg.get("E00000000")

    def test_names_fold_case_commas_and_ampersands(self, reg: sw.LocalAuthorityRegistry) -> None:
        """'bristol city of' and 'Bristol, City of' are the same name."""
        assert reg.resolve("bristol city of", D(2024, 1, 1)).gss_code == "E06000023"

    def test_custom_registry(self) -> None:
        """Hosts can build their own registry; duplicates are refused."""
        la = sw.LocalAuthority(
            "E06999999", "Example (fictional)", "999", sw.Nation.ENGLAND, "unitary", None, None
        )
        reg = sw.LocalAuthorityRegistry([la])
        assert len(reg) == 1
        assert str(reg.resolve("E06999999", D(2024, 1, 1))) == "Example (fictional) (E06999999)"
        with pytest.raises(sw.InvalidInputError):
            sw.LocalAuthorityRegistry([la, la])
        with pytest.raises(sw.InvalidInputError):
            sw.LocalAuthorityRegistry(["E06999999"])  # type: ignore[list-item]
