"""
An adversarial corpus for the pre-publication leak check: one fictional family and its cases.

Every person, school, address, postcode and number here is invented. The NHS numbers are
test numbers with valid modulus-11 check digits (943 476 5919 is a well-known test number;
the others are computed from it with the same rule). The postcodes are fictional: ``ZZ9 9ZZ``
is not a real postcode and ``PD`` is not a UK postcode area.

``CASES`` are short snippets of report-like prose, each with the findings it must produce as
``(kind, substring)``: every occurrence of the substring must be overlapped by a finding of
that kind. ``NEGATIVES`` are snippets that must produce no finding at all.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The registered people, one list of names (and aliases) per person.
NAMES: list[list[str] | str] = [
    ["Zoë O'Brien", "Zo"],  # the child; an accent and an O'-apostrophe surname
    "Hope Quillfeather",  # the mother; her given name is an ordinary word
    ["Bartholomew Ffinch-Wimbleby", "Bart"],  # the father; a hyphenated surname
    "Grace O'Brien",  # a sibling; her given name is an ordinary word
    "Will Quillfeather",  # a sibling; his given name is an ordinary word
    "Renée Ffinch-Wimbleby",  # a half-sibling; an accent
    "Dawn Summer",  # the maternal grandmother; both names are ordinary words
]
DATES_OF_BIRTH = ["2015-03-12", "2012-11-04", "2018-07-21", "1989-05-30"]
POSTCODES = ["ZZ9 9ZZ", "PD7 3WX"]
#: The child's, Grace's and Will's NHS numbers (valid check digits).
NHS_NUMBERS = ["9434765919", "9434765927", "9434765935"]
SCHOOLS = ["Puddleby Primary School", "Thistledown Community College"]
ADDRESSES = ["12 Imaginary Lane, Puddleby", "Flat 3, 47 Marrowbone Crescent, Lower Wibbling"]
PSEUDONYMS = ["Child R", "Sibling 1"]

#: A valid NHS number that is not in the register (a low-severity finding).
OTHER_NHS_NUMBER = "9434765943"
#: A well-formed UK postcode that is not in the register (a low-severity finding).
OTHER_POSTCODE = "PD1 4NB"


def register_kwargs() -> dict[str, list[list[str] | str] | list[str]]:
    """The keyword arguments for ``publication.Register`` of the fictional family."""
    return {
        "names": NAMES,
        "dates_of_birth": DATES_OF_BIRTH,
        "postcodes": POSTCODES,
        "nhs_numbers": NHS_NUMBERS,
        "schools": SCHOOLS,
        "addresses": ADDRESSES,
        "pseudonyms": PSEUDONYMS,
    }


@dataclass(frozen=True)
class Case:
    """A snippet and the findings it must produce, as ``(kind, substring)`` pairs."""

    label: str
    text: str
    expect: tuple[tuple[str, str], ...]


N, D, P, H, S, A = "name", "date_of_birth", "postcode", "nhs_number", "school", "address"

CASES: list[Case] = [
    # -- names: exact, case, accents, apostrophes, possessives ---------------------------------
    Case("full name", "The social worker visited Zoë O'Brien at home.", ((N, "Zoë O'Brien"),)),
    Case(
        "upper case, no accent, no apostrophe",
        "THE REFERRAL FORM NAMED ZOE OBRIEN AS THE CHILD.",
        ((N, "ZOE OBRIEN"),),
    ),
    Case(
        "possessive",
        "Zoë O'Brien's attendance fell during the autumn term.",
        ((N, "Zoë O'Brien's"),),
    ),
    Case(
        "lower case", "the health visitor wrote zoë o'brien on the letter.", ((N, "zoë o'brien"),)
    ),
    Case(
        "accent dropped",
        "A duty worker recorded the child as Zoe O'Brien in the contact record.",
        ((N, "Zoe O'Brien"),),
    ),
    Case(
        "curly apostrophe",
        "Practitioner A said that Zoë O\u2019Brien had been seen at the clinic.",
        ((N, "Zoë O\u2019Brien"),),
    ),
    Case(
        "surname with a space", "The GP letter was addressed to Zoe O Brien.", ((N, "Zoe O Brien"),)
    ),
    Case(
        "accented half-sibling",
        "Renée Ffinch-Wimbleby stayed with her father at weekends.",
        ((N, "Renée Ffinch-Wimbleby"),),
    ),
    Case("accent dropped, given name alone", "Renee was not spoken to alone.", ((N, "Renee"),)),
    Case(
        "hyphen dropped",
        "The police record listed Bartholomew Ffinch Wimbleby as the father.",
        ((N, "Bartholomew Ffinch Wimbleby"),),
    ),
    Case(
        "plural possessive",
        "The Quillfeathers' tenancy was at risk by the end of the year.",
        ((N, "Quillfeathers'"),),
    ),
    # -- line breaks ------------------------------------------------------------------------
    Case(
        "name split across a line break",
        "The school nurse had met Zoë\nO'Brien twice before the referral.",
        ((N, "Zoë"), (N, "O'Brien")),
    ),
    Case(
        "mother's name split across a line break",
        "Children's social care wrote to Hope\nQuillfeather in writing.",
        ((N, "Hope"), (N, "Quillfeather")),
    ),
    Case(
        "hyphenated surname split at the hyphen",
        "The probation officer supervised Bartholomew Ffinch-\nWimbleby from the spring.",
        ((N, "Ffinch-"), (N, "Wimbleby")),
    ),
    # -- a given name or a surname alone ------------------------------------------------------
    Case("given name alone", "Zoë told her teacher she was hungry.", ((N, "Zoë"),)),
    Case(
        "surname alone",
        "The family name Quillfeather appeared on the tenancy.",
        ((N, "Quillfeather"),),
    ),
    Case("O' surname alone", "A letter for Ms O'Brien was returned unopened.", ((N, "O'Brien"),)),
    Case(
        "hyphenated surname alone",
        "Mr Ffinch-Wimbleby did not attend the strategy discussion.",
        ((N, "Ffinch-Wimbleby"),),
    ),
    Case(
        "given name of the father", "Bartholomew was on remand at the time.", ((N, "Bartholomew"),)
    ),
    Case("alias", "Her mother called her Zo in the messages.", ((N, "Zo"),)),
    Case("alias of the father", "Bart said he would collect the children.", ((N, "Bart"),)),
    # -- initials with a surname -----------------------------------------------------------
    Case(
        "initial with a full stop",
        "The consent form was signed by Z. O'Brien.",
        ((N, "Z. O'Brien"),),
    ),
    Case(
        "initial without a full stop",
        "H Quillfeather attended the review.",
        ((N, "H Quillfeather"),),
    ),
    Case(
        "initial with a hyphenated surname",
        "The record shows B. Ffinch-Wimbleby as the second carer.",
        ((N, "B. Ffinch-Wimbleby"),),
    ),
    # -- near-misses (fuzzy) -------------------------------------------------------------
    Case(
        "one letter dropped", "The housing officer spoke to Ms Quilfeather.", ((N, "Quilfeather"),)
    ),
    Case("letters swapped", "The nursery had Zoe O'Brein on its register.", ((N, "O'Brein"),)),
    Case(
        "misspelt given name",
        "Bartholemew Ffinch-Wimbleby was arrested in the evening.",
        ((N, "Bartholemew Ffinch-Wimbleby"),),
    ),
    Case(
        "misspelt surname alone", "The Quillfether family had moved twice.", ((N, "Quillfether"),)
    ),
    Case(
        "misspelt hyphenated surname",
        "A neighbour named Mr Ffinch-Wimbelby.",
        ((N, "Ffinch-Wimbelby"),),
    ),
    # -- names that are ordinary words, used as names --------------------------------------------
    Case(
        "ordinary-word name with the surname",
        "Hope Quillfeather attended the meeting.",
        ((N, "Hope Quillfeather"),),
    ),
    Case(
        "ordinary-word name, mid-sentence",
        "The health visitor saw Grace at the clinic.",
        ((N, "Grace"),),
    ),
    Case(
        "ordinary-word name, possessive",
        "The school noted Grace's absences in June.",
        ((N, "Grace's"),),
    ),
    Case(
        "ordinary-word name, verb of speech",
        "Practitioner B recorded that Will said he was scared.",
        ((N, "Will"),),
    ),
    Case(
        "ordinary-word name, speech after",
        '"I was frightened," Hope said to the officer.',
        ((N, "Hope"),),
    ),
    Case(
        "ordinary-word name, speech verb told",
        "Grace told the nurse about the bruise.",
        ((N, "Grace"),),
    ),
    Case(
        "ordinary-word given names mid-sentence",
        "The worker visited Grace and Will after school.",
        ((N, "Grace"), (N, "Will")),
    ),
    Case(
        "ordinary-word surname with a title",
        "Mrs Summer collected the children on Fridays.",
        ((N, "Summer"),),
    ),
    Case(
        "ordinary-word surname with Ms",
        "The allocated worker phoned Ms Summer twice.",
        ((N, "Summer"),),
    ),
    Case(
        "both ordinary words",
        "Dawn Summer cared for the children overnight.",
        ((N, "Dawn Summer"),),
    ),
    Case(
        "ordinary-word name, reported",
        "Later that week Dawn reported that the flat was cold.",
        ((N, "Dawn"),),
    ),
    Case(
        "ordinary-word name with surname",
        "Will Quillfeather was seven at the time.",
        ((N, "Will Quillfeather"),),
    ),
    Case(
        "ordinary-word name with a title",
        "The letter was sent to Miss Grace O'Brien.",
        ((N, "Grace O'Brien"),),
    ),
    # -- dates of birth in every common written form -----------------------------------------
    Case("ordinal date", "Child R was born on 12th March 2015.", ((D, "12th March 2015"),)),
    Case("day month year", "Her date of birth is 12 March 2015.", ((D, "12 March 2015"),)),
    Case(
        "ordinal with of",
        "The child, born on the 12th of March 2015, was the eldest.",
        ((D, "12th of March 2015"),),
    ),
    Case(
        "American order",
        "The hospital record gives March 12, 2015 as the date.",
        ((D, "March 12, 2015"),),
    ),
    Case("slashes", "DOB: 12/03/2015.", ((D, "12/03/2015"),)),
    Case(
        "slashes, no leading zero",
        "The GP record shows 12/3/2015 as her birthday.",
        ((D, "12/3/2015"),),
    ),
    Case(
        "dots, two-digit year",
        "A handwritten note gave 12.3.15 beside her name.",
        ((D, "12.3.15"),),
    ),
    Case("hyphens", "The nursery form gave the date 12-03-2015.", ((D, "12-03-2015"),)),
    Case("ISO", "The system export showed dob=2015-03-12 for the child.", ((D, "2015-03-12"),)),
    Case(
        "slashes, two-digit year",
        "The referral listed 12/03/15 under date of birth.",
        ((D, "12/03/15"),),
    ),
    Case("abbreviated month", "Born 12 Mar 2015, she was nine at the time.", ((D, "12 Mar 2015"),)),
    Case(
        "another person's date of birth",
        "Grace's date of birth, 4 November 2012, was wrong on the form.",
        ((D, "4 November 2012"), (N, "Grace's")),
    ),
    Case(
        "a parent's date of birth",
        "The police check used the date 30/05/1989.",
        ((D, "30/05/1989"),),
    ),
    Case("sibling, two-digit year", "Sibling 2 (21/07/18) was at nursery.", ((D, "21/07/18"),)),
    Case(
        "month and year near born",
        "The child was born in March 2015 in a hospital out of area.",
        ((D, "March 2015"),),
    ),
    Case(
        "month and year near a pseudonym",
        "Child R came home from hospital in March 2015.",
        ((D, "March 2015"),),
    ),
    Case(
        "month and year near a name",
        "Zoë arrived in March 2015 as a newborn.",
        ((N, "Zoë"), (D, "March 2015")),
    ),
    Case(
        "month and year near birth", "Her birth was registered in March 2015.", ((D, "March 2015"),)
    ),
    # -- postcodes -------------------------------------------------------------------------------
    Case("registered postcode", "The family lived at an address in ZZ9 9ZZ.", ((P, "ZZ9 9ZZ"),)),
    Case(
        "registered postcode without a space",
        "The referral gave the postcode ZZ99ZZ.",
        ((P, "ZZ99ZZ"),),
    ),
    Case(
        "registered postcode in lower case",
        "postcode: pd7 3wx (from the housing file).",
        ((P, "pd7 3wx"),),
    ),
    Case(
        "sector of a registered postcode",
        "They moved within the ZZ9 9 sector during the year.",
        ((P, "ZZ9 9"),),
    ),
    Case(
        "sector of the second postcode",
        "Both addresses were in postcode sector PD7 3.",
        ((P, "PD7 3"),),
    ),
    Case("another full postcode", "The paternal grandparents lived in PD1 4NB.", ((P, "PD1 4NB"),)),
    # -- NHS numbers -----------------------------------------------------------------------------
    Case("NHS number with spaces", "Her NHS number is 943 476 5919.", ((H, "943 476 5919"),)),
    Case(
        "NHS number run together",
        "The discharge summary carried 9434765919 in its header.",
        ((H, "9434765919"),),
    ),
    Case(
        "NHS number with hyphens",
        "The GP letter quoted NHS no. 943-476-5919.",
        ((H, "943-476-5919"),),
    ),
    Case(
        "a sibling's NHS number",
        "Grace's NHS number (943 476 5927) was on the letter.",
        ((H, "943 476 5927"), (N, "Grace's")),
    ),
    Case(
        "another valid NHS number",
        "A second number, 943 476 5943, appeared on the form.",
        ((H, "943 476 5943"),),
    ),
    # -- schools ---------------------------------------------------------------------------------
    Case(
        "school exact",
        "Zoë attended Puddleby Primary School from Reception.",
        ((S, "Puddleby Primary School"), (N, "Zoë")),
    ),
    Case(
        "school without its last word",
        "The designated safeguarding lead at Puddleby Primary made the referral.",
        ((S, "Puddleby Primary"),),
    ),
    Case(
        "school misspelt",
        "Puddleby Primery School kept a chronology of concerns.",
        ((S, "Puddleby Primery School"),),
    ),
    Case(
        "second school exact",
        "Thistledown Community College shared its attendance data.",
        ((S, "Thistledown Community College"),),
    ),
    Case(
        "second school shortened",
        "Later, Grace moved to Thistledown College in Year 9.",
        ((S, "Thistledown College"), (N, "Grace")),
    ),
    Case(
        "school in lower case",
        "a teacher from puddleby primary school attended.",
        ((S, "puddleby primary school"),),
    ),
    # -- addresses -------------------------------------------------------------------------------
    Case(
        "address exact",
        "The family lived at 12 Imaginary Lane, Puddleby.",
        ((A, "12 Imaginary Lane, Puddleby"),),
    ),
    Case(
        "address without the town",
        "Police attended 12 Imaginary Lane at 2am.",
        ((A, "12 Imaginary Lane"),),
    ),
    Case(
        "street alone", "Neighbours on Imaginary Lane reported shouting.", ((A, "Imaginary Lane"),)
    ),
    Case("street misspelt", "The ambulance was sent to Imaginery Lane.", ((A, "Imaginery Lane"),)),
    Case(
        "flat address",
        "Mother moved to 47 Marrowbone Crescent in the spring.",
        ((A, "47 Marrowbone Crescent"),),
    ),
    Case(
        "flat address misspelt",
        "The health visitor could not find Marrowbone Cresent.",
        ((A, "Marrowbone Cresent"),),
    ),
    # -- Markdown --------------------------------------------------------------------------------
    Case(
        "Markdown heading",
        "## Zoë's experience at home\n\nThis section is written from records.",
        ((N, "Zoë's"),),
    ),
    Case(
        "Markdown emphasis",
        "The referral named **Zoë** _O'Brien_ as the subject.",
        ((N, "Zoë"), (N, "O'Brien")),
    ),
    Case(
        "Markdown table",
        "| Person | Date of birth |\n|---|---|\n| Grace O'Brien | 04/11/2012 |\n",
        ((N, "Grace O'Brien"), (D, "04/11/2012")),
    ),
    Case(
        "Markdown link text",
        "See the [Puddleby Primary School policy](https://example.org/policy) for details.",
        ((S, "Puddleby Primary School"),),
    ),
    Case(
        "Markdown list item",
        "- Will Quillfeather (sibling)\n- Sibling 3\n",
        ((N, "Will Quillfeather"),),
    ),
    # -- line endings, spacing and Unicode --------------------------------------------------------
    Case(
        "CRLF line break", "The nurse met Zoë\r\nO'Brien at the clinic.", ((N, "Zoë\r\nO'Brien"),)
    ),
    Case(
        "non-breaking space",
        "The nurse met Zoë\u00a0O'Brien at the clinic.",
        ((N, "Zoë\u00a0O'Brien"),),
    ),
    Case("plural surname", "The O'Briens moved in the spring.", ((N, "O'Briens"),)),
    Case("substituted letter", "The housing file said Quillfeathar.", ((N, "Quillfeathar"),)),
    Case(
        "title with an ordinary-word surname, Dr", "The panel wrote to Dr Summer.", ((N, "Summer"),)
    ),
    Case(
        "emphasised ordinary-word given name before the surname",
        "**Hope** Quillfeather attended the conference.",
        ((N, "Hope"), (N, "Quillfeather")),
    ),
    Case(
        "date split across a line break",
        "She was born on 12 March\n2015 at home.",
        ((D, "12 March\n2015"),),
    ),
    Case("ordinal month first", "Her birthday is March 12th, 2015.", ((D, "March 12th, 2015"),)),
    Case(
        "abbreviated month with a full stop",
        "The record said Nov. 4, 2012.",
        ((D, "Nov. 4, 2012"),),
    ),
    Case(
        "day-month-year with hyphens and a word",
        "The form said 12-Mar-2015.",
        ((D, "12-Mar-2015"),),
    ),
    Case("dots, four-digit year", "The record said 04.11.2012.", ((D, "04.11.2012"),)),
    Case(
        "registered postcode split across a line break",
        "The letter went to the family in ZZ9\n9ZZ last year.",
        ((P, "ZZ9\n9ZZ"),),
    ),
    Case(
        "registered postcode with two spaces",
        "The postcode was typed as ZZ9  9ZZ.",
        ((P, "ZZ9  9ZZ"),),
    ),
    Case(
        "another postcode, long outward code",
        "The grandparents lived in PD12 3AB.",
        ((P, "PD12 3AB"),),
    ),
    Case("another postcode without a space", "The grandparents lived in PD14NB.", ((P, "PD14NB"),)),
    Case(
        "NHS number split across a line break",
        "Her NHS number, 943 476\n5919, was on the letter.",
        ((H, "943 476\n5919"),),
    ),
    Case(
        "Markdown link target",
        "See the [report](https://example.org/zoe-obrien) for more.",
        ((N, "zoe-obrien"),),
    ),
    Case(
        "Markdown HTML comment",
        "<!-- Zoë O'Brien, DOB 12/03/2015 -->\nThe review begins here.",
        ((N, "Zoë O'Brien"), (D, "12/03/2015")),
    ),
    Case("Markdown image alt text", "![Zoë O'Brien at school](photo.jpg)", ((N, "Zoë O'Brien"),)),
    Case(
        "Markdown code span", "The field `Quillfeather` held the surname.", ((N, "Quillfeather"),)
    ),
    Case(
        "Markdown footnote",
        "The family was known.[^1]\n\n[^1]: Quillfeather family records.",
        ((N, "Quillfeather"),),
    ),
    Case("Markdown block quote", "> Zoë said she was scared.", ((N, "Zoë"),)),
    # -- several at once -------------------------------------------------------------------------
    Case(
        "everything in one sentence",
        "Zoë O'Brien (DOB 12/03/2015, NHS 943 476 5919) lived at 12 Imaginary Lane, ZZ9 9ZZ.",
        (
            (N, "Zoë O'Brien"),
            (D, "12/03/2015"),
            (H, "943 476 5919"),
            (A, "12 Imaginary Lane"),
            (P, "ZZ9 9ZZ"),
        ),
    ),
]

#: Snippets that must produce no finding of any kind.
NEGATIVES: list[str] = [
    # ordinary words that are also register names
    "There was hope that the family would engage with the plan.",
    "The family will be offered a further assessment.",
    "In May 2021 the school made a referral to children's social care.",
    "The placement lasted only by the grace of a relative's goodwill.",
    "Practitioners showed grace under considerable pressure.",
    "The police attended at dawn after a neighbour called.",
    "In the summer of 2021 the family moved to a new area.",
    "Over the summer holidays the child was not seen by any agency.",
    "The manager will review the plan; the worker will visit weekly.",
    "Staff expressed the hope that a new worker would be allocated.",
    "Attendance was checked each morning at registration.",
    # pseudonyms and roles are not identifying
    "Child R told Practitioner A that Mother was tired.",
    "Sibling 1 and Sibling 2 were spoken to together at school.",
    # dates that are not dates of birth
    "On 12 March 2016 the panel met for the first time.",
    "The strategy discussion took place on 13/03/2015.",
    "The rapid review was held on 2021-03-12.",
    "A child protection conference was held on 12 April 2015.",
    "The service was recommissioned in March 2015 after a tender.",
    "Policy guidance was updated in November 2012 across the partnership.",
    # numbers that fail the NHS check digit
    "The police reference was 943 476 5918.",
    "The case number 1234567890 was used throughout.",
    "A contact record numbered 943-476-5960 was created.",
    # letter-digit strings that are not postcodes
    "The family travelled on the M6 and the A1 to reach the hospital.",
    "A section 47 enquiry was opened under form CP12.",
    "The Band 6 nurse completed Level 3 safeguarding training in 2020.",
    "Room B12 on floor 2 was used for the meeting during COVID-19.",
    "The Section 17 plan was reviewed at the S47 meeting in Q3.",
    "The team worked from version 2.3 of procedure PR-14.",
    # ordinary words at the start of a sentence
    "Summer holidays began on 22 July.",
    "Will this change? The panel thinks so.",
    "Hope is a theme of this report.",
    "Dawn raids were carried out by the police.",
    "A grace period of 28 days applied.",
    "The will of the panel was clear.",
    "The rose garden was a summer project, and joy was evident.",
    "The bill was paid in May.",
    # words a letter or two away from register names, and parts of addresses and school names
    "The panel could not trace the letter, and the grade given was disputed.",
    "Part of the cost was met from a grant, and the carer sent a card.",
    "Officers walked down the lane to the park and across the lawn.",
    "The houses stood in a crescent; the family lived in a flat above a shop.",
    "The primary school and the community college both sent a representative.",
    "So the worker went to the school to do the visit.",
]
