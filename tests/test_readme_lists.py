"""The README's operator and derived-field lists are the declared ones, so they cannot go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrubber.engine import families
from scrubber.rulebook import vocabulary

README = Path(__file__).resolve().parents[1] / "README.md"
# Each list sits between two markers; its text is what the module's markdown() writes.
LISTS = {"operators": vocabulary.markdown, "derived fields": families.markdown}


def block(text: str, name: str) -> str | None:
    start, end = f"<!-- generated: {name} -->\n", f"<!-- end generated: {name} -->"
    if start not in text:
        return None
    return text.split(start, 1)[1].split(end, 1)[0]


@pytest.mark.parametrize("name", LISTS)
def test_the_readme_lists_what_the_code_declares(name):
    listed = block(README.read_text(encoding="utf-8"), name)
    assert listed is not None, f"README.md has lost its '<!-- generated: {name} -->' block"
    assert listed == LISTS[name](), f"README's {name} list is stale: paste {LISTS[name].__module__}.markdown()"


def test_a_stale_list_is_told_apart_from_a_current_one():
    current = f"x\n<!-- generated: operators -->\n{vocabulary.markdown()}<!-- end generated: operators -->\n"
    assert block(current, "operators") == vocabulary.markdown()
    assert block(current.replace("`npi_valid`", "`npi_ok`"), "operators") != vocabulary.markdown()
