"""The local authority registry: codes, names, DfE numbers and reorganisations."""

from __future__ import annotations

import pendulum
import pytest

import safeguarding_workflow as sw

D = pendulum.date
SURREY = "E10000030"
#: Fictional codes for Surrey's successors: ONS has published none yet (DEC-14).
EAST_SURREY, WEST_SURREY = "E06000901", "E06000902"


def successor(code: str, name: str, **kw: object) -> sw.LocalAuthority:
    fields: dict[str, object] = {
        "gss_code": code,
        "name": name,
        "dfe_code": None,
        "nation": sw.Nation.ENGLAND,
        "kind": "unitary",
        "valid_from": D(2027, 4, 1),
        "valid_to": None,
        **kw,
    }
    return sw.LocalAuthority(**fields)  # type: ignore[arg-type]


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
        """Every ended code names successors that start the next day, or announced ones (DEC-14)."""
        for la in reg:
            if la.valid_to is None:
                assert (la.replaced_by, la.successors_announced) == ((), ())
                continue
            assert la.replaced_by or la.successors_announced
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

    def test_surrey_ends_on_31_march_2027(self, reg: sw.LocalAuthorityRegistry) -> None:
        """DEC-14: Surrey resolves to its last day; after it, the error names the successors."""
        surrey = reg.get(SURREY)
        assert (D(2027, 3, 31), (), ("East Surrey", "West Surrey")) == (
            surrey.valid_to,
            surrey.replaced_by,
            surrey.successors_announced,
        )
        for key in (SURREY, "Surrey", "936"):
            assert SURREY == reg.resolve(key, D(2027, 3, 31)).gss_code
            with pytest.raises(sw.UnknownLocalAuthorityError) as info:
                reg.resolve(key, D(2027, 4, 1), field="location.local_authority")
            assert ("location.local_authority", ("DEC-14",)) == (
                info.value.field,
                info.value.rule_ids,
            )
            message = str(info.value)
            for words in ("Surrey (E10000030)", "East Surrey", "West Surrey", "not yet published"):
                assert words in message

    def test_an_announced_successor_by_name(self, reg: sw.LocalAuthorityRegistry) -> None:
        """DEC-14: 'East Surrey' before its code exists: the error says the code is awaited."""
        with pytest.raises(sw.UnknownLocalAuthorityError) as info:
            reg.resolve("east surrey", D(2027, 4, 2))
        assert ("DEC-14",) == info.value.rule_ids
        assert "not yet published" in str(info.value)

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


class TestHostExtensions:
    """DEC-14: a host adds authorities to the registry without editing the package."""

    def test_successors_added_by_the_host(self, reg: sw.LocalAuthorityRegistry) -> None:
        """The successors resolve by code and name; Surrey's error then gives their codes."""
        extended = reg.with_authorities(
            [successor(EAST_SURREY, "East Surrey"), successor(WEST_SURREY, "West Surrey")]
        )
        assert (EAST_SURREY, WEST_SURREY) == (
            extended.resolve("East Surrey", D(2027, 4, 2)).gss_code,
            extended.resolve(WEST_SURREY, D(2027, 4, 2)).gss_code,
        )
        surrey = extended.get(SURREY)
        assert ((EAST_SURREY, WEST_SURREY), ()) == (surrey.replaced_by, surrey.successors_announced)
        with pytest.raises(sw.UnknownLocalAuthorityError) as info:
            extended.resolve(SURREY, D(2027, 4, 2))
        message = str(info.value)
        assert f"East Surrey ({EAST_SURREY})" in message
        assert "not yet published" not in message
        assert (len(reg) + 2, len(reg)) == (len(extended), len(sw.LocalAuthorityRegistry.default()))
        assert EAST_SURREY not in reg  # the shipped registry is unchanged

    def test_one_successor_added_the_other_still_awaited(
        self, reg: sw.LocalAuthorityRegistry
    ) -> None:
        """Only the added successor is linked; the error still says the other's code is awaited."""
        extended = reg.with_authorities([successor(EAST_SURREY, "East Surrey")])
        assert ((EAST_SURREY,), ("West Surrey",)) == (
            extended.get(SURREY).replaced_by,
            extended.get(SURREY).successors_announced,
        )
        with pytest.raises(sw.UnknownLocalAuthorityError) as info:
            extended.resolve(SURREY, D(2027, 4, 2))
        assert f"East Surrey ({EAST_SURREY})" in str(info.value)
        assert "West Surrey" in str(info.value)

    def test_a_host_row_replaces_the_shipped_one(self, reg: sw.LocalAuthorityRegistry) -> None:
        """A row with a code already in the registry replaces it (an end date moved, say)."""
        later = successor(SURREY, "Surrey", dfe_code="936", kind="county", valid_from=None)
        extended = reg.with_authorities([later])
        assert (None, len(reg)) == (extended.get(SURREY).valid_to, len(extended))
        assert SURREY == extended.resolve("Surrey", D(2028, 1, 1)).gss_code

    @pytest.mark.parametrize(
        "bad",
        [
            ["E06000901"],
            [successor(EAST_SURREY, "East Surrey"), successor(EAST_SURREY, "East Surrey")],
            "E06000901",
        ],
    )
    def test_bad_extensions(self, reg: sw.LocalAuthorityRegistry, bad: object) -> None:
        """Only LocalAuthority values, each code once; the message echoes nothing given."""
        with pytest.raises(sw.InvalidInputError) as info:
            reg.with_authorities(bad)  # type: ignore[arg-type]
        assert ("authorities", "E06000901" in str(info.value)) == (info.value.field, False)


class TestCommonNames:
    @pytest.mark.parametrize(
        ("name", "code"),
        [
            ("Bristol", "E06000023"),
            ("City of Bristol", "E06000023"),
            ("Bristol, City of", "E06000023"),
            ("Hull", "E06000010"),
            ("Kingston upon Hull", "E06000010"),
            ("Herefordshire", "E06000019"),
            ("Edinburgh", "S12000036"),
            ("City of Edinburgh", "S12000036"),
            ("Glasgow", "S12000049"),
            ("Aberdeen", "S12000033"),
            ("Dundee", "S12000042"),
            ("St Helens", "E08000013"),
            ("Stockton on Tees", "E06000004"),
            ("Western Isles", "S12000013"),
        ],
    )
    def test_common_names_resolve(
        self, reg: sw.LocalAuthorityRegistry, name: str, code: str
    ) -> None:
        """'Bristol' as well as 'Bristol, City of'; 'Edinburgh' for City of Edinburgh."""
        assert code == reg.resolve(name, D(2026, 6, 1)).gss_code

    def test_a_common_name_never_shadows_a_registry_name(
        self, reg: sw.LocalAuthorityRegistry
    ) -> None:
        """Every common name denotes a registry name, and none is itself a registry name."""
        from safeguarding_workflow._authorities import _COMMON_NAMES, _fold

        names = {_fold(la.name) for la in reg}
        assert set() == {_fold(alias) for alias in _COMMON_NAMES} & names
        assert set() == {_fold(target) for target in _COMMON_NAMES.values()} - names

    def test_messages_never_echo_what_was_given(self, reg: sw.LocalAuthorityRegistry) -> None:
        """An unknown name is named by its field only (issue 9, item 6)."""
        with pytest.raises(sw.UnknownLocalAuthorityError) as info:
            reg.resolve("Zebedee Quillfeather", D(2026, 6, 1))
        assert "Zebedee" not in str(info.value)
