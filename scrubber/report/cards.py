"""The claim rows and cards of the fix list, in the order a biller works them.

claim_facts is the one definition of a claim row (the worklist and a server list the same rows).

Everything is grouped in Polars: each card comes out as one row whose lines and
findings are nested lists, so a 50,000-finding batch never goes through a Python
loop per finding. The template only lays the rows out.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from scrubber.batch.parse import dotted
from scrubber.engine.families.visit import latest_payer
from scrubber.engine.filing import FILING_LIMIT_COLUMNS, payer_filing_deadline
from scrubber.findings import QUEUES, counting
from scrubber.frames import first_claim_rows
from scrubber.report.compare import ClaimHistory
from scrubber.rulebook.profiles import Profiles

NO_PROFILE_TEAM = "No payer profile"
ON_TIME, PAST = "on_time", "past"  # the buckets of by_priority
UNBILLED_RULE = "ENC001"  # a documented visit with no claim: the unbilled visits beside the claims
# The page holds the cards of this many claims, most urgent first: a browser slows down past it
# and nobody works more in a day. The rest are in findings.csv, and the page says how many.
PAGE_CARDS = 100_000
# What a finding shows; the page script reads the same names.
FINDING_FIELDS = ["rule_id", "category", "severity", "queue", "message", "fix", "denial_code", "remark_codes", "is_new"]


def payer_table(profiles: Profiles) -> pl.DataFrame:
    """Each payer's name, biller team and timely-filing limit (payer.* columns), from its profile."""
    return profiles.frame().select(
        pl.col("payer.payer_id").alias("payer_id"),
        pl.col("payer.name").alias("payer_name"),
        pl.col("payer.team").alias("team"),
        *FILING_LIMIT_COLUMNS,
    )


def warning_days(profiles: Profiles) -> int:
    """How close to the deadline a claim is shown as urgent (the timely-filing rules' own parameter)."""
    return int(profiles.defaults.get("timely_filing_warning_days", 14))


def claim_facts(
    claims: pl.DataFrame,
    lines: pl.DataFrame,
    findings: pl.DataFrame,
    profiles: Profiles,
    as_of: dt.date,
    history: ClaimHistory | None = None,
) -> pl.DataFrame:
    """The claim rows of the work queue, in the order a biller works them (by_priority), computed once here
    for the fix list, the worklist and anything else that lists claims: one row per claim with active findings,
    with who and what it is (claim_id, payer_id, team, patient, member), its filing deadline and days left,
    its dollars (`total`, and `at_risk` when it has errors), its `bucket` (ON_TIME or PAST), its `owner`
    queue(s), its top finding (`top_rule`, `top_message`), every rule it fired (`rules`), and since the
    previous run (`since`: "new" or "open", `nights` flagged in a row, `first_flagged`; null without history).

    A claim id found only in the findings (a line whose claim is missing) still gets
    a row, with what the finding knows (its payer).
    """
    # Within a claim the first finding is its top one: errors before warnings, the claim's own before its lines'.
    active = (
        counting(findings)
        .filter(pl.col("claim_id").is_not_null())
        .sort(pl.col("severity") != "error", "line_number", "rule_id", nulls_last=False)
    )
    counts = active.group_by("claim_id").agg(
        pl.col("payer_id").drop_nulls().first().alias("finding_payer"),
        (pl.col("severity") == "error").sum().alias("errors"),
        (pl.col("severity") == "warning").sum().alias("warnings"),
        pl.len().alias("n_findings"),
        pl.col("rule_id").first().alias("top_rule"),
        pl.col("message").first().alias("top_message"),
        *((pl.col("queue") == queue).any().alias(f"_works_{queue}") for queue in QUEUES),
        pl.col("rule_id").unique().sort().alias("rules"),
    )
    # Who works the claim from a flag per queue: a list of each claim's queues, made unique and sorted, took 0.5 s
    # of these 0.7 at 10M lines (463,000 claims).
    owner = pl.concat_str(
        [pl.when(f"_works_{queue}").then(pl.lit(queue)) for queue in QUEUES], separator=" + ", ignore_nulls=True
    )
    counts = counts.with_columns(owner.alias("owner")).drop(*(f"_works_{queue}" for queue in QUEUES))
    # Only the claims with findings are grouped: a night's batch is mostly clean claims.
    dates = (
        lines.join(counts.select("claim_id"), on="claim_id", how="semi")
        .group_by("claim_id")
        .agg(pl.col("service_date").min().alias("first_date"), pl.col("service_date").max().alias("last_date"))
    )
    known = first_claim_rows(claims, counts.select("claim_id"))
    facts = (
        counts.join(known.with_columns(pl.lit(True).alias("known_claim")), on="claim_id", how="left")
        .join(dates, on="claim_id", how="left")
        .with_columns(pl.coalesce("payer_id", "finding_payer").alias("payer_id"))
        .join(payer_table(profiles), on="payer_id", how="left")
        .with_columns(
            payer_filing_deadline(pl.col("first_date")).alias("deadline"),
            pl.col("team").fill_null(NO_PROFILE_TEAM),
            pl.col("total_charge").cast(pl.Float64).fill_null(0.0).alias("total"),
            pl.concat_str(pl.lit("$"), pl.col("total_charge").cast(pl.String)).fill_null("—").alias("total_text"),
            pl.col("known_claim").fill_null(False),
        )
        .with_columns(
            (pl.col("deadline") - pl.lit(as_of)).dt.total_days().alias("days_left"),
            pl.when(pl.col("errors") > 0).then(pl.col("total")).otherwise(0.0).alias("at_risk"),
        )
    )
    return (
        by_priority(facts)
        .with_row_index("priority", offset=1)
        .with_columns(
            _deadline_label(),
            _urgency(warning_days(profiles)),
            pl.col("diagnosis_codes").list.eval(dotted(pl.element())).list.join(", ").fill_null("").alias("diagnoses"),
            pl.concat_str(pl.col("claim_id").fill_null(""), pl.lit(" "), pl.col("patient_id").fill_null(""))
            .str.to_lowercase()
            .alias("search"),
        )
        .pipe(_since, history)
    )


def _urgency(soon: int) -> pl.Expr:
    days = pl.col("days_left")
    return (
        pl.when(days < 0)
        .then(pl.lit("late"))
        .when(days <= soon)
        .then(pl.lit("urgent"))
        .when(days.is_not_null())
        .then(pl.lit("ok"))
        .otherwise(pl.lit("unknown"))
        .alias("urgency")
    )


def _since(facts: pl.DataFrame, history: ClaimHistory | None) -> pl.DataFrame:
    """Each claim against the earlier runs: new tonight, or open for `nights` runs in a row since `first_flagged`."""
    if history is None:
        return facts.with_columns(
            pl.lit(None, pl.String).alias("since"), pl.lit(None, pl.Int64).alias("nights"),
            pl.lit(None, pl.Date).alias("first_flagged"),
        )  # fmt: skip
    return (
        facts.join(history.streaks, on="claim_id", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("nights_before").is_null()).then(pl.lit("new")).otherwise(pl.lit("open")).alias("since"),
            (pl.col("nights_before").fill_null(0) + 1).alias("nights"),
        )
        .drop("nights_before")
    )


def by_priority(frame: pl.DataFrame) -> pl.DataFrame:
    """The order of what can still be saved, with a `bucket` column.

    ON_TIME first: claims that can still be filed in time, fewest days left, then dollars. A claim whose
    deadline is unknown (its payer has no profile, so nobody checked the limit) is placed among them by its
    dollars: before the first of them that is worth less (a merge of the two lists by dollars), never last.
    Then PAST: claims past the filing deadline, to appeal with proof of timely filing or write off, the
    largest first (most recently due first on a tie).
    """
    days = pl.col("days_left")
    frame = frame.with_columns(pl.when(days < 0).then(pl.lit(PAST)).otherwise(pl.lit(ON_TIME)).alias("bucket"))
    dated = frame.filter(days >= 0).sort(["days_left", "total", "claim_id"], descending=[False, True, False])
    unknown = frame.filter(days.is_null()).sort(["total", "claim_id"], descending=[True, False])
    past = frame.filter(days < 0).sort(["total", "days_left", "claim_id"], descending=[True, True, False])
    # The first dated claim worth less than an unknown one is the first whose running minimum is: a search
    # in that non-increasing minimum (negated, so ascending).
    lowest = -dated["total"].cum_min()
    slot = lowest.search_sorted(-unknown["total"], side="right") if unknown.height else pl.Series([], dtype=pl.UInt32)
    on_time = pl.concat(
        [
            dated.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) * 2 + 1).alias("_slot")),
            unknown.with_columns((slot.cast(pl.Int64) * 2).alias("_slot")),
        ],
        how="vertical_relaxed",
    ).sort("_slot", maintain_order=True)
    return pl.concat([on_time.drop("_slot"), past], how="vertical_relaxed")


def unbilled_visits(
    findings: pl.DataFrame,
    encounters: pl.DataFrame | None,
    claims: pl.DataFrame,
    lines: pl.DataFrame,
    profiles: Profiles,
    as_of: dt.date,
) -> pl.DataFrame:
    """Documented visits with no claim (UNBILLED_RULE findings), oldest first: each with its age, its likely
    payer (the patient's latest claim's payer in the batch, as the rule itself counts the window) and the days
    left to file with that payer."""
    visits = counting(findings).filter(pl.col("claim_id").is_null() & (pl.col("rule_id") == UNBILLED_RULE))
    if encounters is not None and visits.height:
        # The visits' own encounter rows first (a filter keeps their order), then one per visit: taking the
        # first of every encounter of the batch cost ten times as much at 1M lines (bench/README.md).
        documented = encounters.select("encounter_id", "patient_id").filter(
            pl.col("encounter_id").is_in(visits["encounter_id"].implode())
        )
        visits = visits.join(documented.unique("encounter_id", keep="first"), on="encounter_id", how="left")
        theirs = claims.join(visits.select(pl.col("patient_id").drop_nulls().unique()), on="patient_id", how="semi")
        last = (
            lines.join(theirs.select("claim_id"), on="claim_id", how="semi")
            .group_by("claim_id")
            .agg(pl.col("service_date").max().alias("last_service_date"))
        )
        likely = latest_payer(theirs.lazy().join(last.lazy(), on="claim_id"), prefix="").collect()
        visits = visits.join(likely, on="patient_id", how="left").with_columns(
            pl.coalesce("payer_id", "visit.payer_id").alias("payer_id")
        )
    else:
        visits = visits.with_columns(pl.lit(None, pl.String).alias("patient_id"))
    return (
        visits.join(payer_table(profiles), on="payer_id", how="left")
        .with_columns(
            payer_filing_deadline(pl.col("service_date")).alias("deadline"),
            (pl.lit(as_of) - pl.col("service_date")).dt.total_days().alias("age_days"),
        )
        .with_columns((pl.col("deadline") - pl.lit(as_of)).dt.total_days().alias("days_left"))
        .with_columns(_deadline_label(), _urgency(warning_days(profiles)))
        .sort(["age_days", "encounter_id"], descending=[True, False], nulls_last=True)
    )


def _deadline_label() -> pl.Expr:
    days = pl.col("days_left")
    return (
        pl.when(days.is_null())
        .then(pl.lit("deadline unknown: no payer profile, check the payer's limit"))
        .when(days < -1)
        .then(pl.format("{} days past the filing deadline", -days))
        .when(days == -1)
        .then(pl.lit("1 day past the filing deadline"))
        .when(days == 0)
        .then(pl.lit("last day to file"))
        .when(days == 1)
        .then(pl.lit("1 day left to file"))
        .otherwise(pl.format("{} days left to file", days))
        .alias("deadline_label")
    )


def _findings_struct() -> pl.Expr:
    return pl.struct(FINDING_FIELDS).alias("findings")


def claim_cards(
    facts: pl.DataFrame, lines: pl.DataFrame, findings: pl.DataFrame, limit: int = PAGE_CARDS
) -> pl.DataFrame:
    """The cards of the `limit` most urgent claims: closest filing deadline first, then dollars at risk.

    `facts` comes from claim_facts, in priority order; `findings` must carry `is_new` (see compare.py).
    Each card holds its claim-level findings, every line of the claim with the
    findings on that line beside it, and findings naming a line the claim does not have.
    """
    facts = facts.head(limit)
    shown = facts.select("claim_id")
    active = counting(findings).filter(pl.col("claim_id").is_not_null()).join(shown, on="claim_id", how="semi")
    on_claim = (
        active.filter(pl.col("line_number").is_null())
        .group_by("claim_id")
        .agg(_findings_struct().alias("claim_findings"))
    )
    on_lines = (
        active.filter(pl.col("line_number").is_not_null()).group_by("claim_id", "line_number").agg(_findings_struct())
    )
    # The shown claims' lines only: a finding's line is looked for among its own claim's lines
    # (checked against every line of a big batch, the orphan check alone was slow: bench/README.md).
    shown_lines = lines.lazy().select(*CARD_LINE_READS).join(shown.lazy(), on="claim_id", how="semi").collect()
    card_lines = (
        shown_lines.join(on_lines, on=["claim_id", "line_number"], how="left")
        .with_columns(
            pl.col("modifiers").list.join(" ").fill_null(""),
            pl.col("diagnosis_pointers").cast(pl.List(pl.String)).list.join(",").fill_null("").alias("pointers"),
            pl.col("units").cast(pl.String).str.replace(r"\.?0+$", "").alias("units"),
            pl.col("charge").cast(pl.String),
            pl.col("service_date").cast(pl.String),
            pl.col("findings").fill_null([]),
        )
        .sort("claim_id", "line_number")
        .group_by("claim_id", maintain_order=True)
        .agg(
            pl.struct(
                "line_number", "procedure_code", "modifiers", "units", "charge", "service_date", "pointers", "findings"
            ).alias("lines")
        )
    )
    orphans = (
        on_lines.join(shown_lines.select("claim_id", "line_number"), on=["claim_id", "line_number"], how="anti")
        .sort("claim_id", "line_number")  # two missing lines of one claim: by line number, the same every run
        .explode("findings")
        .group_by("claim_id")
        .agg(pl.col("findings").alias("other_findings"))
    )
    return (
        facts.join(on_claim, on="claim_id", how="left", maintain_order="left")
        .join(card_lines, on="claim_id", how="left", maintain_order="left")
        .join(orphans, on="claim_id", how="left", maintain_order="left")
        .with_columns(pl.col("claim_findings", "lines", "other_findings").fill_null([]), *_display())
        .select(*CARD_COLUMNS, *ROW_FACTS)
    )


# The line columns a card reads: a card's lines are picked with these alone, not every column of the batch's lines.
CARD_LINE_READS = ["claim_id", "line_number", "procedure_code", "modifiers", "units", "charge", "service_date",
                   "diagnosis_pointers"]  # fmt: skip

# What a claim row holds beside its card (claim_facts), for the list and its sorting.
ROW_FACTS = ["priority", "bucket", "days_left", "at_risk", "total", "owner", "top_rule", "top_message", "n_findings",
             "rules", "since", "nights", "first_flagged"]  # fmt: skip


CARD_COLUMNS = [
    "claim_id",
    "patient_id",
    "member_id",
    "payer_id",
    "payer_label",
    "team",
    "rendering_npi",
    "service_dates",
    "deadline",
    "deadline_label",
    "urgency",
    "total_text",
    "diagnoses",
    "counts_label",
    "unknown_claim",
    "search",
    "claim_findings",
    "lines",
    "other_findings",
]


def _display() -> list[pl.Expr]:
    """Card texts, ready to show: the template and the page script only place them."""
    dash = pl.lit("—")
    plural = lambda n, word: pl.format("{} " + word, n) + pl.when(n == 1).then(pl.lit("")).otherwise(pl.lit("s"))  # noqa: E731
    return [
        pl.col("patient_id", "member_id", "rendering_npi", "payer_id").fill_null(dash),
        pl.when(pl.col("payer_name").is_not_null())
        .then(pl.format("{} ({})", "payer_id", "payer_name"))
        .otherwise(pl.col("payer_id").fill_null(dash))
        .alias("payer_label"),
        pl.when(pl.col("last_date") > pl.col("first_date"))
        .then(pl.format("{} to {}", "first_date", "last_date"))
        .otherwise(pl.col("first_date").cast(pl.String).fill_null(dash))
        .alias("service_dates"),
        pl.col("deadline").cast(pl.String).fill_null(dash),
        pl.when(pl.col("diagnoses") == "").then(dash).otherwise(pl.col("diagnoses")).alias("diagnoses"),
        pl.concat_str(plural(pl.col("errors"), "error"), pl.lit(", "), plural(pl.col("warnings"), "warning")).alias(
            "counts_label"
        ),
        (~pl.col("known_claim")).alias("unknown_claim"),
    ]
