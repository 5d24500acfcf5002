"""Typed pass options: parsing of every supported type, defaults, and errors that name the option."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from mema_mlir.options import OptionError, build_options, parse_value, split_options


@dataclass(frozen=True)
class Example:
    registers: int = 12
    ratio: float = 0.5
    verbose: bool = False
    objective: Literal["cycles", "accesses", "energy"] = "cycles"
    target: str = "cortex-m4"
    spare_registers: int | None = None

    def __post_init__(self) -> None:
        if self.registers < 1:
            raise ValueError("registers must be positive")


def test_defaults_when_no_text() -> None:
    assert build_options(Example, "ex", "") == Example()


def test_each_type_parses() -> None:
    options = build_options(
        Example, "ex", "registers=0x0e ratio=2.5 verbose=true objective=energy target=m.json spare-registers=3"
    )
    assert options == Example(14, 2.5, True, "energy", "m.json", 3)


@pytest.mark.parametrize("text", ["verbose=1", "verbose=on", "verbose=yes", "verbose=TRUE"])
def test_bool_spellings(text: str) -> None:
    assert build_options(Example, "ex", text).verbose is True


def test_defaults_from_flags_are_overridden_by_text() -> None:
    options = build_options(Example, "ex", "target=b", defaults={"target": "a", "objective": "energy"})
    assert (options.target, options.objective) == ("b", "energy")


def test_defaults_for_unknown_fields_are_ignored() -> None:
    assert build_options(Example, "ex", "", defaults={"schedule": "x"}) == Example()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("registers=twelve", "pass 'ex' option 'registers=twelve': expected an integer"),
        ("ratio=fast", "option 'ratio=fast': expected a number"),
        ("verbose=maybe", "option 'verbose=maybe': expected true or false"),
        ("objective=speed", "expected one of cycles, accesses, energy"),
        ("colour=red", "pass 'ex' has no option 'colour' (options: objective, ratio, registers, spare-registers, target, verbose)"),
        ("registers", "option 'registers' has no value"),
        ("registers=0", "pass 'ex': registers must be positive"),
        ('target="unterminated', "unterminated quote"),
    ],
)
def test_errors_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(OptionError) as info:
        build_options(Example, "ex", text)
    assert message in str(info.value)


def test_split_keeps_braces_and_quotes_together() -> None:
    assert split_options('a=1 b={x y} c="q r" d=4,5') == [("a", "1"), ("b", "{x y}"), ("c", "q r"), ("d", "4,5")]


def test_unsupported_annotation_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_value("1", list)
