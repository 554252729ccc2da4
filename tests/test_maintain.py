"""Tools that make a rule change safe: validate, explain, catalogue, diff and reference imports."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from scrubber.errors import ScrubberInputError
from scrubber.maintain.catalog import markdown
from scrubber.maintain.commands import (
    catalog_command,
    diff_command,
    examples_command,
    explain_command,
    reference_import_command,
    validate_command,
)
from scrubber.maintain.validate import validate
from scrubber.paths import Settings
from scrubber.rulebook.rules import load_rules
from tests.conftest import DEMO, DEMO_AS_OF, PROFILES, REPO, RULES

TELEHEALTH = "modifier/MOD001-telehealth-without-payer-modifier.yaml"


def invoke(command, *args, env=None):
    return CliRunner().invoke(command, list(map(str, args)), env=env, catch_exceptions=False)


def test_the_shipped_rules_profiles_and_tables_validate():
    assert [str(p) for p in validate(Settings(RULES, PROFILES))] == []


def test_validate_lists_every_problem_with_its_line(rules_copy, tmp_path):
    path = rules_copy / TELEHEALTH
    text = path.read_text()
    path.write_text(text.replace("contains: {param: telehealth_modifier}", "resembles: {param: telehealth_modifier}"))
    broken_line = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if "resembles" in line)
    (rules_copy / "coding" / "DX002-diagnosis-code-not-billable.yaml").write_text(
        (rules_copy / "coding" / "DX002-diagnosis-code-not-billable.yaml")
        .read_text()
        .replace("severity: error", "severity: fatal")
    )
    profiles = tmp_path / "profiles"
    shutil.copytree(PROFILES, profiles)
    (profiles / "UHC.yaml").write_text((profiles / "UHC.yaml").read_text() + "rules:\n  XX999: {enabled: false}\n")

    result = CliRunner().invoke(validate_command, ["--rules-dir", str(rules_copy), "--profiles-dir", str(profiles)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert f"{path}:{broken_line}: at when.all[1].not" in result.output
    assert any("DX002-diagnosis-code-not-billable.yaml:4: at severity: 'fatal' is not one of" in line for line in lines)
    assert any(line.startswith(f"{profiles / 'UHC.yaml'}:") and "rule XX999 does not exist" in line for line in lines)


def test_validate_catches_a_field_the_scope_does_not_have(rules_copy):
    path = rules_copy / TELEHEALTH
    path.write_text(path.read_text().replace("field: line.pos,", "field: line.place,"))
    problems = [str(p) for p in validate(Settings(rules_copy, PROFILES))]
    assert len(problems) == 1 and "unknown field 'line.place' for scope 'line'" in problems[0]
    assert f"{path}:" in problems[0] and not problems[0].startswith(f"{path}:1:")


def test_validate_catches_overlapping_reference_releases(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    meta = rules / "reference" / "mce_sex" / "table.yaml"
    document = yaml.safe_load(meta.read_text())
    document["releases"].append({**document["releases"][0], "id": "again"})
    meta.write_text(yaml.safe_dump(document))
    assert any("release again starts before release" in str(p) for p in validate(Settings(rules, PROFILES)))


def test_validate_names_a_carc_or_rarc_that_is_not_an_x12_code_the_pack_lists(rules_copy):
    mue = next(rules_copy.glob("coding/MUE001-*.yaml"))
    mue.write_text(mue.read_text().replace("rarc: [N362]", "rarc: [N362, N999]"))
    dx = next(rules_copy.glob("coding/DX002-*.yaml"))
    dx.write_text(
        dx.read_text().replace("carc: CO-146", "carc: CO-7")
    )  # CARC 7 is a procedure, not a diagnosis, for the sex
    problems = [str(p) for p in validate(Settings(rules_copy, PROFILES)) if "remit_codes" in str(p)]
    assert any(p.startswith(f"{mue}:") and "RARC N999 is not in rules/reference/remit_codes" in p for p in problems)
    assert any(p.startswith(f"{dx}:") and "CARC 7 is not in" in p for p in problems)


def test_validate_lists_what_a_run_stops_at(rules_copy):
    # One check, two uses: the run raises the loaders' first problem, validate lists them all.
    (rules_copy / "modifier" / "MOD001-copy.yaml").write_text((rules_copy / TELEHEALTH).read_text())
    with pytest.raises(ScrubberInputError) as stopped:
        load_rules(rules_copy)
    assert str(stopped.value) in [str(p) for p in validate(Settings(rules_copy, PROFILES))]


def ledger_line(rules_dir: Path, rule_id: str) -> str:
    return next(line for line in (rules_dir / "ids.txt").read_text().splitlines() if line.startswith(f"{rule_id} "))


def test_a_new_rule_adds_its_id_to_the_ledger(rules_copy):
    text = (rules_copy / TELEHEALTH).read_text().replace("id: MOD001", "id: MOD901")
    (rules_copy / "modifier" / "MOD901-telehealth-for-another-payer.yaml").write_text(text)
    problems = [str(p) for p in validate(Settings(rules_copy, PROFILES))]
    assert len(problems) == 1 and "MOD901 is a new id: add `MOD901  kept  Telehealth" in problems[0]


def test_a_removed_rules_id_stays_in_the_ledger_and_is_never_reused(rules_copy):
    ledger = rules_copy / "ids.txt"
    next(rules_copy.glob("modifier/MOD003-*.yaml")).unlink()
    line = ledger_line(rules_copy, "MOD003")
    problems = [str(p) for p in validate(Settings(rules_copy, PROFILES))]
    assert problems == [
        f"{ledger}:{ledger.read_text().splitlines().index(line) + 1}: no rule file has MOD003: "
        "mark it removed (its id is never reused)"
    ]

    ledger.write_text(ledger.read_text().replace(line, line.replace(" kept ", " removed", 1)))
    assert validate(Settings(rules_copy, PROFILES)) == []
    reused = rules_copy / "modifier" / "MOD003-telehealth-for-another-payer.yaml"
    reused.write_text((rules_copy / TELEHEALTH).read_text().replace("id: MOD001", "id: MOD003"))
    problems = [str(p) for p in validate(Settings(rules_copy, PROFILES))]
    assert any(
        p.startswith(f"{reused}:")
        and "MOD003 was removed (it meant: Bilateral procedure billed as two units "
        "without modifier 50); an id is never reused"
        in p
        for p in problems
    )


def test_explain_and_catalogue_name_the_remark_codes_sent_with_the_carc():
    assert "Why payers deny it (CO-151, N362: Payment adjusted" in invoke(explain_command, "MUE001").output
    text = markdown(load_rules(RULES))
    assert "| CO-97, M80 |" in text and "- Why payers deny it (CO-16, N265, N286):" in text


def test_explain_reads_like_a_rule_for_a_biller():
    text = invoke(explain_command, "MOD001").output
    assert "Telehealth line without the modifier the payer requires" in text
    assert "line.pos is one of 02, 10" in text
    assert "Why payers deny it (CO-4" in text
    assert "UHC: telehealth_modifier = 95" in text


def test_explain_plan_shows_the_polars_query():
    text = invoke(explain_command, "DX002", "--plan").output
    assert "Polars query plan" in text and "FILTER" in text and "JOIN" in text  # the ICD-10-CM lookup is a join


def test_committed_catalogue_is_current():
    assert (REPO / "docs" / "rules.md").read_text() == markdown(load_rules(RULES)), "run `scrubber catalog --write`"


def test_catalogue_lists_every_rule_with_family_and_source():
    text = invoke(catalog_command).output
    for rule in load_rules(RULES):
        assert f"[{rule.id}](#{rule.id.lower()})" in text
    assert "| MOD001 |" not in text  # ids link to their section


def test_catalogue_shows_each_rules_examples_with_their_findings():
    text = markdown(load_rules(RULES))
    section = text[text.index("## DQ015") : text.index("## DQ016")]
    assert "fires on `two_lines_numbered_1`" in section and "→ C1 line 1\n" in section
    assert "→ C1 line 1; C1 line 2" in section
    assert 'passes `lines_1_and_2`: `{"lines": [{}, {"procedure_code": "36415", "charge": "20.00"}]}`' in section
    dq018 = text[text.index("## DQ018") : text.index("## DQ019")]
    assert "fires on `transaction_set_miscounted`" in dq018 and 'segments>"}` → the file' in dq018


def test_examples_command_names_a_finding_an_example_does_not_list(rules_copy):
    path = rules_copy / "data_quality" / "DQ015-line-number-repeated.yaml"
    path.write_text(
        path.read_text().replace(
            "expect: [{claim_id: C1, line_number: 1}, {claim_id: C1, line_number: 2}]",
            "expect: [{claim_id: C1, line_number: 1}]",
        )
    )
    result = CliRunner().invoke(examples_command, ["DQ015", "--rules-dir", str(rules_copy)])
    assert result.exit_code == 1
    assert result.output.startswith(
        "DQ015 fire three_lines_numbered_1_and_two_numbered_2: unexpected {claim_id: C1, line_number: 2"
    )
    assert "ok: every example of 1 rule(s)" in invoke(examples_command, "dq015").output


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_diff_shows_claims_a_rule_change_flags_and_clears(tmp_path):
    repo = tmp_path / "rules-repo"
    repo.mkdir()
    shutil.copytree(RULES, repo / "rules", ignore=shutil.ignore_patterns("reference"))
    shutil.copytree(RULES / "reference", repo / "rules" / "reference")
    shutil.copytree(PROFILES, repo / "payer_profiles")
    git(repo, "init", "-q")
    git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "add", ".")
    git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "base")
    # The change under review: UHC now wants GT, and the header-code edit is switched off for AETNA.
    uhc = repo / "payer_profiles" / "UHC.yaml"
    uhc.write_text(uhc.read_text().replace('telehealth_modifier: "95"', 'telehealth_modifier: "GT"'))
    aetna = repo / "payer_profiles" / "AETNA.yaml"
    aetna.write_text(aetna.read_text() + "rules:\n  DX002: {enabled: false}\n")
    git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qam", "UHC wants GT")

    html = tmp_path / "diff.html"
    result = invoke(
        diff_command,
        DEMO,
        "--base",
        "HEAD~1",
        "--as-of",
        DEMO_AS_OF.isoformat(),
        "--html",
        html,
        env={"SCRUBBER_HOME": str(repo)},
    )
    assert "MOD001" in result.output and "+ C1006" in result.output  # UHC telehealth with 95 now lacks GT
    assert "DX002" in result.output and "- C1014" in result.output  # AETNA's header-code claim is cleared
    page = html.read_text()
    assert "C1006" in page and "Content-Security-Policy" in page


def test_diff_refuses_a_base_that_is_neither_folder_nor_revision(tmp_path):
    with pytest.raises(ScrubberInputError, match="not a folder and not a git revision"):
        invoke(diff_command, DEMO, "--base", "no-such-revision-xyz")


def test_reference_import_adds_a_release_of_one_setting_and_keeps_the_earlier_ones(tmp_path):
    rules = tmp_path / "rules"
    (rules / "reference").mkdir(parents=True)
    shutil.copytree(RULES / "reference" / "mue", rules / "reference" / "mue")
    source = REPO / "tests" / "fixtures" / "cms"
    mue_file = next(p for p in source.iterdir() if "MUE" in p.name.upper())
    result = invoke(
        reference_import_command,
        "mue",
        mue_file,
        "--release",
        "2026Q4",
        "--effective-from",
        "2026-10-01",
        "--rules-dir",
        rules,
    )
    assert "mue: release 2026Q4-practitioner from 2026-10-01, 44 rows" in result.output
    assert "closed release 2024Q3-practitioner" in result.output
    releases = yaml.safe_load((rules / "reference" / "mue" / "table.yaml").read_text())["releases"]
    assert [(r["id"], str(r.get("effective_to"))) for r in releases] == [
        ("2024Q3-practitioner", "2026-09-30"),
        ("2024Q3-outpatient_hospital", "None"),
        ("2024Q3-dme", "None"),
        ("2026Q4-practitioner", "None"),
    ]
    assert releases[-1]["partition"] == "practitioner"


def test_reference_import_asks_for_the_setting_when_the_file_name_does_not_tell(tmp_path):
    from scrubber.errors import ScrubberInputError

    rules = tmp_path / "rules"
    (rules / "reference").mkdir(parents=True)
    shutil.copytree(RULES / "reference" / "mue", rules / "reference" / "mue")
    renamed = tmp_path / "mue_table.csv"
    shutil.copy(next((REPO / "tests" / "fixtures" / "cms").glob("MCR_MUE_*")), renamed)
    args = ["mue", renamed, "--release", "2026Q4", "--effective-from", "2026-10-01", "--rules-dir", rules]
    with pytest.raises(
        ScrubberInputError, match=r"names no setting.*--setting practitioner \| outpatient_hospital \| dme"
    ):
        invoke(reference_import_command, *args)
    result = invoke(reference_import_command, *args, "--setting", "dme")
    assert "mue: release 2026Q4-dme from 2026-10-01, 44 rows; closed release 2024Q3-dme" in result.output


def test_a_preview_rule_shows_what_would_fire_without_counting(rules_copy, tmp_path):
    from scrubber.pipeline import run

    path = rules_copy / TELEHEALTH
    path.write_text(path.read_text().replace("severity: error", "severity: error\nstatus: preview", 1))

    outcome = run(DEMO, tmp_path / "out", DEMO_AS_OF, Settings(rules_copy, PROFILES))
    assert outcome.summary.preview_findings_by_rule == {"MOD001": 1}
    assert "MOD001" not in outcome.summary.findings_by_rule
    telehealth = outcome.findings.filter(outcome.findings["rule_id"] == "MOD001")
    assert telehealth["rule_status"].to_list() == ["preview"] and telehealth["claim_id"].to_list() == ["C1022"]
    others = outcome.findings.filter(
        (outcome.findings["claim_id"] == "C1022") & (outcome.findings["rule_status"] == "active")
    )
    assert others.height == 0  # C1022's only problem is the preview rule's, so it counts as clean
    assert outcome.summary.claims_clean >= 1


def test_rule_effectiveness_counts_findings_per_run_and_payer(tmp_path, rulebook):
    import datetime as dt

    from scrubber.history import previous_runs
    from scrubber.maintain.catalog import effectiveness, effectiveness_text
    from scrubber.pipeline import run

    reports = tmp_path / "reports"
    for day in ("2026-09-14", "2026-09-15"):
        run(DEMO, reports / day, dt.date.fromisoformat(day), rulebook)
    table = effectiveness(previous_runs(reports / ".current", dt.date.max))
    telehealth = table.filter(table["rule_id"] == "MOD001")
    assert telehealth.select("payer_id", "len", "run").rows() == [("UHC", 1, "2026-09-14"), ("UHC", 1, "2026-09-15")]
    text = effectiveness_text(table)
    assert any(line.startswith("MOD001") and "UHC (2)" in line for line in text.splitlines())

    root = tmp_path / "project"
    root.mkdir()
    for name, target in (("rules", RULES), ("payer_profiles", PROFILES), ("reports", reports)):
        (root / name).symlink_to(target)
    result = CliRunner().invoke(catalog_command, ["--runs"], env={"SCRUBBER_HOME": str(root)})
    assert "MOD001" in result.output and "top payer" in result.output
