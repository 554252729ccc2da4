"""A broken rule stops the run with a message naming its file and what is wrong."""

from __future__ import annotations

import pytest
import yaml

from scrubber.batch import load_batch
from scrubber.errors import ScrubberInputError
from scrubber.paths import Settings
from scrubber.pipeline import scrub
from scrubber.rulebook.book import load_rulebook
from scrubber.rulebook.rules import load_rules
from tests.conftest import DEMO, DEMO_AS_OF, PROFILES

TELEHEALTH = "modifier/MOD001-telehealth-without-payer-modifier.yaml"


def edit_rule(rules_dir, relative, change):
    path = rules_dir / relative
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_rule_without_examples_does_not_load(rules_copy):
    edit_rule(rules_copy, TELEHEALTH, lambda d: d.pop("examples"))
    with pytest.raises(ScrubberInputError, match=r"MOD001-telehealth.*'examples' is a required property"):
        load_rules(rules_copy)


def test_rule_without_a_pass_example_does_not_load(rules_copy):
    edit_rule(rules_copy, TELEHEALTH, lambda d: d["examples"].pop("pass"))
    with pytest.raises(ScrubberInputError, match="'pass' is a required property"):
        load_rules(rules_copy)


def test_fire_example_without_expected_findings_does_not_load(rules_copy):
    edit_rule(rules_copy, TELEHEALTH, lambda d: d["examples"]["fire"][0].pop("expect"))
    with pytest.raises(ScrubberInputError, match=r"MOD001.*examples\.fire\[0\]: 'expect' is a required property"):
        load_rules(rules_copy)


def test_expected_finding_must_name_its_claim(rules_copy):
    edit_rule(rules_copy, TELEHEALTH, lambda d: d["examples"]["fire"][0].update(expect=[{"line_number": 1}]))
    with pytest.raises(ScrubberInputError, match=r"expect\[0\]: 'claim_id' is a required property"):
        load_rules(rules_copy)


def test_pass_example_cannot_expect_findings(rules_copy):
    edit_rule(rules_copy, TELEHEALTH, lambda d: d["examples"]["pass"][0].update(expect=[{"claim_id": "C1"}]))
    with pytest.raises(ScrubberInputError, match=r"MOD001.*'expect'"):
        load_rules(rules_copy)


def test_unknown_operator_is_named(rules_copy):
    edit_rule(rules_copy, TELEHEALTH, lambda d: d["when"]["all"].append({"field": "line.pos", "resembles": "02"}))
    with pytest.raises(ScrubberInputError, match=r"MOD001.*at when"):
        load_rules(rules_copy)


def test_unknown_top_level_field_is_named(rules_copy):
    edit_rule(rules_copy, TELEHEALTH, lambda d: d.update(python="import os"))
    with pytest.raises(ScrubberInputError, match=r"unknown field\(s\).*'python'"):
        load_rules(rules_copy)


def test_unknown_column_is_caught_when_compiling(rules_copy):
    edit_rule(rules_copy, TELEHEALTH, lambda d: d["when"]["all"].append({"field": "line.colour", "eq": "red"}))
    with pytest.raises(ScrubberInputError, match=r"MOD001.*unknown field 'line\.colour' for scope 'line'"):
        scrub(load_batch(DEMO), load_rulebook(Settings(rules_copy, PROFILES)), DEMO_AS_OF)


def test_yaml_syntax_error_names_the_line(rules_copy):
    (rules_copy / "modifier" / "MOD999-broken.yaml").write_text("id: MOD999\ntitle: [unclosed\n")
    with pytest.raises(ScrubberInputError, match=r"MOD999-broken\.yaml:\d+: not valid YAML"):
        load_rules(rules_copy)


def test_duplicate_rule_ids_are_refused(rules_copy):
    source = rules_copy / TELEHEALTH
    (rules_copy / "modifier" / "MOD001-copy.yaml").write_text(source.read_text())
    with pytest.raises(ScrubberInputError, match="rule id MOD001 is already used"):
        load_rules(rules_copy)


def test_yaml_tags_are_not_executed(rules_copy):
    (rules_copy / "modifier" / "MOD998-evil.yaml").write_text("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(ScrubberInputError, match=r"MOD998-evil\.yaml"):
        load_rules(rules_copy)


def test_a_rule_file_is_named_by_its_id(rules_copy):
    source = rules_copy / TELEHEALTH
    source.rename(rules_copy / "modifier" / "telehealth-without-payer-modifier.yaml")
    named = r"telehealth-without-payer-modifier\.yaml:\d+: the file name must start with the rule id: MOD001-"
    with pytest.raises(ScrubberInputError, match=named):
        load_rules(rules_copy)


def test_a_rule_lives_in_the_folder_of_its_category(rules_copy):
    (rules_copy / TELEHEALTH).rename(rules_copy / "coding" / "MOD001-telehealth-without-payer-modifier.yaml")
    with pytest.raises(
        ScrubberInputError,
        match=r"coding/MOD001-telehealth-without-payer-modifier\.yaml:\d+: "
        r"a modifier rule lives in .*/modifier/",
    ):
        load_rules(rules_copy)


def test_two_examples_of_a_rule_cannot_share_a_name(rules_copy):
    edit_rule(rules_copy, TELEHEALTH, lambda d: d["examples"]["pass"][0].update(name=d["examples"]["fire"][0]["name"]))
    with pytest.raises(ScrubberInputError, match=r"MOD001-telehealth.*:\d+: example name '.*' is used twice"):
        load_rules(rules_copy)


def test_a_rule_pairing_with_earlier_runs_finds_on_tonights_line(rules_copy):
    # Line b may be a line an earlier run billed: a finding on it could not be fixed tonight.
    edit_rule(rules_copy, "modifier/MOD002-em-with-procedure-without-25-or-57.yaml", lambda d: d.update(finding_on="b"))
    with pytest.raises(ScrubberInputError, match=r"MOD002-em.*:\d+: a rule pairing with earlier runs finds on a"):
        load_rules(rules_copy)


def test_a_run_checks_again_only_the_rule_files_that_changed(rules_copy, tmp_path, monkeypatch):
    """Last night's checked files are not checked again; an edited one is, and its problem stops the run."""
    from scrubber.rulebook import yamlfile

    monkeypatch.setenv("SCRUBBER_CACHE_DIR", str(tmp_path / "cache"))
    settings = Settings(rules_copy, PROFILES)
    book = load_rulebook(settings)
    book.references.get("icd10cm")  # a table's table.yaml is checked when the run first reads the table
    first = book.rules

    def no_checking(*_):
        raise AssertionError("a file checked before was checked again")

    monkeypatch.setattr(yamlfile, "schema_problems", no_checking)
    again = load_rulebook(settings)
    assert [(r.id, r.when, r.examples) for r in again.rules] == [(r.id, r.when, r.examples) for r in first]
    again.references.get("icd10cm")

    monkeypatch.undo()
    monkeypatch.setenv("SCRUBBER_CACHE_DIR", str(tmp_path / "cache"))
    edit_rule(rules_copy, TELEHEALTH, lambda d: d.pop("examples"))
    with pytest.raises(ScrubberInputError, match=r"MOD001-telehealth.*'examples' is a required property"):
        load_rulebook(settings)
