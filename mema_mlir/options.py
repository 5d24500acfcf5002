"""Typed pass options: `{key=value ...}` text from a pipeline, parsed into a frozen dataclass.

Every mema pass is a frozen dataclass whose fields are its options (xDSL's idea). The field's
type annotation decides how a value is parsed, so `registers=12` becomes an int and a typo such as
`registers=twelve` is an error that names the pass, the option and the expected type.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, get_args, get_origin, get_type_hints


class OptionError(ValueError):
    """A pass option that does not exist or whose value does not parse."""


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "on", "yes"):
        return True
    if lowered in ("false", "0", "off", "no"):
        return False
    raise ValueError("expected true or false")


def describe_type(annotation: Any) -> str:
    """A short human name for an option's type, used in errors and `--list-passes`."""
    if get_origin(annotation) is Literal:
        return "|".join(str(a) for a in get_args(annotation))
    optional = _unwrap_optional(annotation)
    if optional is not None:
        return describe_type(optional)
    return getattr(annotation, "__name__", str(annotation))


def _unwrap_optional(annotation: Any) -> Any | None:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return None


def parse_value(text: str, annotation: Any) -> Any:
    """Parse one option value according to the field's annotation; ValueError if it does not fit."""
    if get_origin(annotation) is Literal:
        choices = get_args(annotation)
        for choice in choices:
            if str(choice) == text:
                return choice
        raise ValueError(f"expected one of {', '.join(str(c) for c in choices)}")
    optional = _unwrap_optional(annotation)
    if optional is not None:
        return parse_value(text, optional)
    if annotation is bool:
        return _parse_bool(text)
    if annotation is int:
        try:
            return int(text, 0)
        except ValueError:
            raise ValueError("expected an integer") from None
    if annotation is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError("expected a number") from None
    if annotation is str:
        return text
    raise TypeError(f"unsupported option type {annotation!r}")


def split_options(text: str) -> list[tuple[str, str]]:
    """Split `a=1 b={x y} c="q r"` into pairs; braces and quotes may hold spaces."""
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\n,":
            i += 1
        if i >= n:
            break
        start = i
        while i < n and text[i] not in "= \t\n":
            i += 1
        key = text[start:i]
        if i >= n or text[i] != "=":
            raise OptionError(f"option '{key}' has no value (write {key}=VALUE)")
        i += 1
        value_chars: list[str] = []
        depth = 0
        quote = ""
        while i < n:
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
                else:
                    value_chars.append(ch)
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                depth += 1
                value_chars.append(ch)
            elif ch == "}":
                depth -= 1
                value_chars.append(ch)
            elif ch in " \t\n" and depth == 0:
                break
            else:
                value_chars.append(ch)
            i += 1
        if quote:
            raise OptionError(f"option '{key}': unterminated quote")
        pairs.append((key, "".join(value_chars)))
    return pairs


def option_fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    """The option fields of a pass class, by their command-line name (snake_case as kebab-case)."""
    return {f.name.replace("_", "-"): f for f in dataclasses.fields(cls) if f.init}


def build_options(cls: type, pass_name: str, text: str, defaults: dict[str, Any] | None = None) -> Any:
    """Instantiate pass class `cls` from option text; `defaults` fill what the text leaves out."""
    hints = get_type_hints(cls)
    fields = option_fields(cls)
    values: dict[str, Any] = {}
    for name, value in (defaults or {}).items():
        field = fields.get(name.replace("_", "-"))
        if field is not None:
            values[field.name] = value
    for key, raw in split_options(text):
        field = fields.get(key) or fields.get(key.replace("_", "-"))
        if field is None:
            known = ", ".join(sorted(fields)) or "none"
            raise OptionError(f"pass '{pass_name}' has no option '{key}' (options: {known})")
        try:
            values[field.name] = parse_value(raw, hints[field.name])
        except ValueError as err:
            raise OptionError(f"pass '{pass_name}' option '{key}={raw}': {err}") from None
    try:
        return cls(**values)
    except (ValueError, TypeError) as err:
        raise OptionError(f"pass '{pass_name}': {err}") from None
