"""
The cost of the log-masking processor per event, as the how-to page quotes it.

Run with ``python benchmarks/masking.py``. Prints microseconds per event for the library's
own kind of event (opaque ids, codes and counts) with nothing bound, the same with a
case's 50 identifiers bound, and a host's line holding a name and a postcode. Nothing
here fails on speed.
"""

from __future__ import annotations

import timeit

from safeguarding_workflow.personal import mask_identifiers, masking

#: The library's command_stored event, as a host's structlog chain receives it.
EVENT = {
    "event": "command_stored",
    "tenant": "fictional-partnership",
    "case": "case-1",
    "step": "notify_panel",
    "sequence": 3,
    "state": "notified",
    "log_level": "info",
}
HOST = {"event": "letter sent to Zebedee Quillfeather at LS1 4AP", "case": "case-1"}
#: Fifty fictional identifiers of one case: names, aliases, dates of birth, addresses, schools.
FIRST = ("Zebedee", "Ottoline", "Peregrine", "Mirabel", "Thaddeus", "Wilhelmina", "Barnaby")
VALUES = [
    *(f"{first} Quillfeather" for first in FIRST),
    *(first[:3] for first in FIRST),
    *(f"2015-03-{n + 10:02d}" for n in range(7)),
    *(f"{n} Imaginary Lane, Puddleby" for n in range(1, 8)),
    *(f"Nowhere Primary Academy {n}" for n in range(7)),
    *(f"{first} Spindlewick" for first in FIRST),
    *(f"Former{n} Name{n}" for n in range(8)),
]


def per_event(event: dict[str, object]) -> float:
    """The best of seven timings, in microseconds per event."""
    number = 20_000
    runs = timeit.repeat(lambda: mask_identifiers(None, "info", dict(event)), number=number)
    copy = min(timeit.repeat(lambda: dict(event), number=number))
    return (min(runs) - copy) / number * 1e6


def main() -> None:
    """Print the three figures."""
    print(f"nothing bound, library event: {per_event(EVENT):.1f} us")
    with masking(VALUES):
        print(f"{len(VALUES)} identifiers bound, library event: {per_event(EVENT):.1f} us")
        print(
            f"{len(VALUES)} bound, a host's line with a name and a postcode: "
            f"{per_event(HOST):.1f} us"
        )
    fresh = iter(range(1_000_000))

    def bind() -> None:
        with masking([*VALUES[:-1], f"Fresh Name {next(fresh)}"]):  # a set not compiled before
            pass

    compile_time = min(timeit.repeat(bind, number=1, repeat=7))
    print(f"binding {len(VALUES)} identifiers (compiling them): {compile_time * 1e3:.2f} ms")

    def rebind() -> None:
        with masking(VALUES):  # compiled before: Python's re module keeps it
            pass

    again = min(timeit.repeat(rebind, number=100, repeat=7)) / 100
    print(f"binding the same {len(VALUES)} identifiers again: {again * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
