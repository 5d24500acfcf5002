"""Rewrite one generated section of docs/results.md (between `<!-- NAME:begin -->` and
`<!-- NAME:end -->`), so that benchmark scripts update their tables in place."""

from __future__ import annotations

from pathlib import Path


def write_section(name: str, markdown_text: str, results: Path) -> None:
    """Replace the section `name` of `results` with `markdown_text` (appended if absent)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = results.read_text()
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + markdown_text + end + rest.split(end, 1)[1]
    else:
        text += f"\n{begin}\n{markdown_text}{end}\n"
    results.write_text(text)
