"""Rules and payer profiles that cannot hurt: safe YAML, no tables outside rules/, no silent skips."""

from __future__ import annotations

import shutil

import pytest

from scrubber import pipeline
from scrubber.errors import ScrubberInputError
from scrubber.paths import Settings
from scrubber.rulebook.profiles import load_profiles
from scrubber.rulebook.rules import load_rules
from tests.conftest import DEMO, DEMO_AS_OF, PROFILES

MOD001 = "modifier/MOD001-telehealth-without-payer-modifier.yaml"


def add_rule(rules_copy, name: str, edit) -> str:
    """A copy of MOD001 under a new id, changed by `edit` (text -> text)."""
    text = (rules_copy / MOD001).read_text().replace("id: MOD001", "id: MOD901")
    (rules_copy / "modifier" / name).write_text(edit(text))
    return name


def test_a_python_tag_in_a_rule_is_refused_and_never_run(rules_copy, tmp_path):
    witness = tmp_path / "ran"
    name = add_rule(
        rules_copy,
        "MOD901-tagged.yaml",
        lambda t: t.replace(
            "title: Telehealth", f"title: !!python/object/apply:os.system ['touch {witness}']\nx: Telehealth", 1
        ),
    )
    with pytest.raises(ScrubberInputError, match=rf"{name}:\d+: not valid YAML"):
        load_rules(rules_copy)
    assert not witness.exists()


def test_a_python_tag_in_a_payer_profile_is_refused(tmp_path):
    profiles = tmp_path / "payer_profiles"
    shutil.copytree(PROFILES, profiles)
    (profiles / "ACME.yaml").write_text("payer_id: ACME\nname: !!python/object/new:os.getcwd []\n")
    with pytest.raises(ScrubberInputError, match=r"ACME\.yaml:\d+: not valid YAML"):
        load_profiles(profiles)


@pytest.mark.parametrize("table", ["../../payer_profiles", "/etc/passwd", "reference/../../secrets"])
def test_a_lookup_of_a_table_outside_rules_reference_is_refused(rules_copy, table):
    name = add_rule(
        rules_copy,
        "MOD901-outside-table.yaml",
        lambda t: t.replace(
            "when:", f"lookups: [{{table: '{table}', as: icd, match: {{code: line.procedure_code}}}}]\nwhen:", 1
        ),
    )
    with pytest.raises(ScrubberInputError, match=rf"{name}:\d+: at lookups\[0\]\.table"):
        load_rules(rules_copy)


def test_a_rule_that_fails_at_run_time_fails_the_run_naming_rule_and_file(rules_copy, tmp_path):
    name = add_rule(
        rules_copy,
        "MOD901-broken-pattern.yaml",
        lambda t: t.replace(
            '    - {field: line.pos, in: ["02", "10"]}', '    - {field: line.procedure_code, matches: "99["}', 1
        ),
    )
    out = tmp_path / "out"
    with pytest.raises(ScrubberInputError) as stopped:
        pipeline.run(DEMO, out, DEMO_AS_OF, Settings(rules_copy, PROFILES))
    assert stopped.value.exit_code == 2
    assert name in str(stopped.value) and "MOD901" in str(stopped.value)
    assert not out.exists()  # never a report with the rule silently skipped
