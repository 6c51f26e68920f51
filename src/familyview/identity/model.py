"""The probabilistic linkage model: Splink settings as data, trained without labels.

Comparisons follow how councils' records differ for one person: typos and nicknames in
given names, double-barrelled, hyphenated and changed surnames, partial dates of birth
and day-month swaps, old postcodes, NHS numbers mostly missing outside health.
"""

import copy
import logging

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.column_expression import ColumnExpression
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect
from splink.internals.exceptions import SplinkException
from splink.internals.splink_dataframe import SplinkDataFrame

# Blocking: which pairs are scored at all. Together they must bring every true pair
# together at least once, even with any one of given name, surname, date of birth and
# postcode missing or mistyped; each on its own must stay small.
# Every rule includes the authority: one council's records are never compared with
# another's.
PREDICTION_BLOCKS = [
    block_on("authority", "nhs_number"),
    block_on("authority", "dob", "substr(given_canonical, 1, 1)"),
    block_on("authority", "family_name", "birth_year", "substr(given_canonical, 1, 1)"),
    block_on("authority", "given_canonical", "family_name"),
    block_on("authority", "given_canonical", "postcode"),
    block_on("authority", "given_canonical", "birth_year", "birth_month"),
    block_on("authority", "uprn", "given_canonical"),
    # A given name missing or mistyped:
    block_on("authority", "family_name", "dob"),
    block_on("authority", "family_name", "postcode"),
    # Both names mistyped, or given and family names swapped; or the date of birth too:
    block_on("authority", "dob", "postcode_letters"),
    block_on("authority", "address"),
    block_on("authority", "address_key"),
    CustomRule(
        'l."authority" = r."authority" AND l."given_name" = r."family_name" '
        'AND l."family_name" = r."given_name"',
        sql_dialect="duckdb",
    ),
]


class NamesSwapped(ComparisonLevelCreator):
    """Given and family names recorded the other way round, each as written or nearly
    ('Ryan Chloe' and 'Chloe Ryna'): Jaro-Winkler of each name against the other record's
    other name, in the engine's own function."""

    def __init__(self, threshold: float):
        self.threshold = threshold

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        given = ColumnExpression("given_name", sql_dialect=sql_dialect)
        family = ColumnExpression("family_name", sql_dialect=sql_dialect)
        jw = sql_dialect.jaro_winkler_function_name
        # A first letter in common crosswise first: cheap, and true of almost every swap
        # (a typo in a first letter still leaves the other name's).
        return (
            f"(substr({given.name_l}, 1, 1) = substr({family.name_r}, 1, 1) OR "
            f"substr({family.name_l}, 1, 1) = substr({given.name_r}, 1, 1)) AND "
            f"{jw}({given.name_l}, {family.name_r}) >= {self.threshold} AND "
            f"{jw}({family.name_l}, {given.name_r}) >= {self.threshold}"
        )

    def create_label_for_charts(self) -> str:
        return "Given and family names swapped"


def _given_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="given_name",
        comparison_levels=[
            cll.NullLevel("given_name"),
            cll.ExactMatchLevel("given_name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("given_canonical").configure(
                label_for_charts="The same name in another form (e.g. Kate and Catherine)"
            ),
            NamesSwapped(0.92),
            cll.CustomLevel(
                '"given_name_l" = "family_name_r" OR "family_name_l" = "given_name_r"',
                label_for_charts="One record's given name is the other's family name",
                base_dialect_str="duckdb",
            ),
            cll.ArrayIntersectLevel("given_forms", 1).configure(
                label_for_charts="A familiar form of the same name (e.g. Chris and Christopher)"
            ),
            cll.CustomLevel(
                '(length("middle_name_l") > 1 AND "given_name_r" = "middle_name_l") OR '
                '(length("middle_name_r") > 1 AND "given_name_l" = "middle_name_r")',
                label_for_charts="One record's given name is the other's middle name "
                "(a person called by a middle name)",
                base_dialect_str="duckdb",
            ),
            cll.JaroWinklerLevel("given_name", 0.92),
            cll.JaroWinklerLevel("given_name", 0.8),
            cll.ElseLevel(),
        ],
    )


def _family_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="family_name",
        comparison_levels=[
            cll.NullLevel("family_name"),
            cll.ExactMatchLevel("family_name", term_frequency_adjustments=True),
            cll.ArrayIntersectLevel("surnames", 1).configure(
                label_for_charts="Share a surname (double-barrelled, hyphenated or previous)"
            ),
            cll.JaroWinklerLevel("family_name", 0.92),
            cll.JaroWinklerLevel("family_name", 0.8),
            cll.ElseLevel(),
        ],
    )


def _date_of_birth() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND birth_month_l = birth_month_r "
                "AND birth_day_l = birth_day_r",
                label_for_charts="The same date of birth",
            ),
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND birth_month_l = birth_day_r "
                "AND birth_day_l = birth_month_r",
                label_for_charts="Day and month swapped",
            ),
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND (birth_month_l IS NULL OR birth_month_r IS NULL "
                "OR (birth_month_l = birth_month_r AND "
                "(birth_day_l IS NULL OR birth_day_r IS NULL)))",
                label_for_charts="The same year; the rest not known on one side",
            ),
            cll.CustomLevel(
                "(birth_year_l = birth_year_r AND birth_month_l = birth_month_r) "
                "OR (birth_month_l = birth_month_r AND birth_day_l = birth_day_r "
                "AND abs(birth_year_l - birth_year_r) <= 10)",
                label_for_charts="One part different (a typo)",
            ),
            cll.ElseLevel(),
        ],
    )


def _address() -> cl.CustomComparison:
    """Where the person lives: the property, the address's words and numbers (house
    number, street, locality, town, whatever the country) and the postcode, as one piece
    of evidence. A person who moved has another address and another postcode: counted
    twice, as two comparisons would, that one move outweighed a name and a date of birth.
    Where both records have a property reference, it decides; the words come next, then
    the postcode (whole, a UK postcode's sector or district, or mistyped)."""
    same_address = cll.ExactMatchLevel("address")
    # One house number, or none on one side: the words of two addresses are compared only
    # then (another house number in one street is its own level, before them). Cheap, and
    # false for nearly every pair of records of different people, so that the costly
    # comparisons below are seldom made.
    one_house = cll.CustomLevel(
        '"house_number_l" = "house_number_r" OR "house_number_l" IS NULL '
        'OR "house_number_r" IS NULL',
        base_dialect_str="duckdb",
    )
    near_address = cll.And(one_house, cll.JaroWinklerLevel("address", 0.94))
    words_shared = cll.And(one_house, cll.ArrayIntersectLevel("address_words", 3))
    same_postcode = cll.ExactMatchLevel("postcode")
    # A UK postcode's sector (SK1 3) and district (SK1) are features: none for another
    # country's. A typo: one character wrong, or two the wrong way round.
    postcode_alike = cll.Or(
        cll.ExactMatchLevel("postcode_sector"),
        cll.CustomLevel(
            'levenshtein("postcode_l", "postcode_r") <= CASE WHEN '
            '"postcode_letters_l" = "postcode_letters_r" THEN 2 ELSE 1 END',
            "Postcodes one character apart, or two characters swapped (a typo)",
            base_dialect_str="duckdb",
        ),
    )
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.CustomLevel(
                '("uprn_l" IS NULL OR "uprn_r" IS NULL) AND '
                '("address_l" IS NULL OR "address_r" IS NULL) AND '
                '("postcode_l" IS NULL OR "postcode_r" IS NULL)',
                "No address on one side",
                base_dialect_str="duckdb",
            ).configure(is_null_level=True),
            cll.CustomLevel(
                '"uprn_l" = "uprn_r"', "The same property (UPRN)", base_dialect_str="duckdb"
            ),
            # Two property references that differ are two addresses, however many words
            # (a street, a town) they share.
            cll.CustomLevel(
                '"uprn_l" <> "uprn_r"', "Different properties (UPRN)", base_dialect_str="duckdb"
            ),
            # The address and the postcode are weighed together, each agreeing, nearly
            # agreeing or not: an error in one does not make an error in the other, while a
            # move changes both.
            cll.And(same_address, same_postcode).configure(
                label_for_charts="The same address and postcode"
            ),
            cll.And(same_address, postcode_alike).configure(
                label_for_charts="The same address, the postcode mistyped or of the same sector"
            ),
            cll.And(same_postcode, near_address).configure(
                label_for_charts="The same address written a little differently, one postcode"
            ),
            cll.And(postcode_alike, near_address).configure(
                label_for_charts="The same address written a little differently, the postcode "
                "mistyped or of the same sector"
            ),
            same_address.configure(label_for_charts="The same address, another postcode"),
            # Neighbours: one street (one postcode, or the street's name), another house (a
            # house number mistyped lands here too; the weight is learned from the data).
            cll.And(
                cll.CustomLevel('"house_number_l" <> "house_number_r"', base_dialect_str="duckdb"),
                cll.Or(same_postcode, cll.ExactMatchLevel("street_word")),
            ).configure(label_for_charts="Another house number in one street"),
            near_address.configure(
                label_for_charts="The same address written a little differently, another postcode"
            ),
            same_postcode.configure(
                label_for_charts="The same postcode, the address written otherwise or missing"
            ),
            cll.And(postcode_alike, words_shared).configure(
                label_for_charts="Three or more words of the address in common, the postcode "
                "mistyped or of the same sector"
            ),
            words_shared.configure(label_for_charts="Three or more words of the address in common"),
            postcode_alike.configure(
                label_for_charts="The postcode mistyped or of the same sector, the address "
                "otherwise"
            ),
            cll.ExactMatchLevel("postcode_district").configure(
                label_for_charts="The same postcode district (like SK4), not the same sector"
            ),
            cll.ElseLevel(),
        ],
    )


def _middle_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="middle_name",
        comparison_levels=[
            cll.NullLevel("middle_name"),
            cll.ExactMatchLevel("middle_name"),
            cll.CustomLevel(
                '(length("middle_name_l") = 1 OR length("middle_name_r") = 1) AND '
                'substr("middle_name_l", 1, 1) = substr("middle_name_r", 1, 1)',
                label_for_charts="An initial that agrees with the middle name",
                base_dialect_str="duckdb",
            ),
            cll.JaroWinklerLevel("middle_name", 0.88),
            cll.ElseLevel(),
        ],
    )


def _nhs_number() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="nhs_number",
        comparison_levels=[
            cll.NullLevel("nhs_number"),
            cll.ExactMatchLevel("nhs_number"),
            cll.ElseLevel(),
        ],
    )


def settings() -> SettingsCreator:
    """The model's settings: comparisons and blocking, before training."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            _given_name(),
            _family_name(),
            _date_of_birth(),
            _address(),
            cl.ExactMatch("sex"),
            _nhs_number(),
            _middle_name(),
        ],
        blocking_rules_to_generate_predictions=PREDICTION_BLOCKS,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source", "given_canonical", "surnames"],
    )


# EM's training sessions, each the columns its pairs share, tried in turn until every
# comparison has been free of one that found pairs. Splink holds fixed, in a session, every
# comparison that reads a column the session blocks on (the given-name comparison reads the
# family name too, for swapped names), so the first two leave every comparison free once;
# the rest stand in where a corpus lacks postcodes or names. A comparison the data cannot
# teach (no NHS numbers, no postcodes, one small source) keeps Splink's default weights,
# strongest agreement first.
DATE_OF_BIRTH = ("birth_year", "birth_month", "birth_day")
EM_RULES = [
    (*DATE_OF_BIRTH, "postcode"),
    ("given_canonical", "family_name"),
    ("family_name", *DATE_OF_BIRTH),
    DATE_OF_BIRTH,
    ("given_canonical", "postcode"),
    ("nhs_number",),
]


def _read_by(comparison) -> set[str]:
    """The input columns a comparison's levels read: a session that blocks on any of them
    holds the comparison fixed."""
    return {column.input_name for column in comparison._input_columns_used_by_case_statement}


def _session_name(columns: tuple[str, ...]) -> str:
    named = " and ".join(c.replace("_canonical", "_name").replace("_", " ") for c in columns)
    return named.replace("birth year and birth month and birth day", "date of birth")


def train(table: SplinkDataFrame, records: int, say=None) -> Linker:
    """Train a model without labels: the prior from deterministic rules, u by random
    sampling, then m by EM in sessions whose blocking between them leaves every comparison
    free at least once. What the data cannot teach keeps Splink's default weights (a prior
    that cannot be estimated: one in the number of records), and `say` is told so in one
    line each."""
    say = say or (lambda message: None)
    # Splink's warnings that a level was not seen say, many lines each, what the run says
    # in one line ("Not enough data to learn ...").
    linker = Linker(table, settings(), log_level=logging.ERROR)
    try:
        linker.training.estimate_probability_two_random_records_match(
            [
                block_on("authority", "nhs_number"),
                block_on("authority", "given_name", "family_name", "dob"),
            ],
            recall=0.7,
        )
        prior = linker._settings_obj._probability_two_random_records_match
    except (ZeroDivisionError, ValueError, SplinkException):
        prior = 0.0
    if not 0 < prior < 1:
        prior = 1 / max(records, 2)
        linker._settings_obj._probability_two_random_records_match = prior
        say(
            "No two records agree on NHS number or on name and date of birth: "
            f"the prior chance that two records match is taken as 1 in {max(records, 2):,}"
        )
    say("Training: how often unrelated records agree, from random pairs")
    # Five million random pairs put even a rare agreement (one date of birth in 36,500) at
    # over a hundred pairs; more only costs time and memory (u sampling was most of
    # training: at 114,313 records ten million pairs took 16 s and 1.7 GB, five million
    # 8 s and 1.35 GB, with the same persons found).
    linker.training.estimate_u_using_random_sampling(max_pairs=min(5e6, records * 100.0), seed=1)
    # Sample fewer records for EM as the index grows: a few hundred thousand pairs suffice.
    sample = min(1.0, 200_000 / max(records, 1))
    comparisons = linker._settings_obj.comparisons
    untrained = {c.output_column_name for c in comparisons}
    for columns in EM_RULES:
        frees = {
            c.output_column_name
            for c in comparisons
            if c.output_column_name in untrained and not (_read_by(c) & set(columns))
        }
        if not frees:
            continue
        # Splink's EM session takes the comparisons its rule holds fixed out of the
        # linker's own model, and puts them back only if it succeeds: a session that finds
        # no pairs would leave the model without them.
        same = _session_name(columns)
        say(f"Training: how often one person's records agree, on pairs with the same {same}")
        before = linker._settings_obj.core_model_settings.copy()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on("authority", *columns), record_sample_proportion=sample
            )
        except SplinkException as error:
            linker._settings_obj.core_model_settings = before
            first = str(error).split(".")[0]
            say(f"Training on pairs with the same {same} was skipped: {first}")
            continue
        untrained -= frees
    # What EM could not learn, whatever the sessions: a comparison whose levels no pair
    # showed (no NHS numbers, no middle names) keeps the defaults.
    untrained = {
        c.output_column_name
        for c in linker._settings_obj.comparisons
        if not any(level._has_estimated_m_values for level in c._comparison_levels_excluding_null)
    }
    for name in sorted(untrained):
        say(
            f"Not enough data to learn the {name.replace('_', ' ')} weights: "
            "Splink's default weights used"
        )
    return trained(table, with_m_floor(linker.misc.save_model_to_json()))


# The least share of true matches a comparison level may be given. EM gives a level it
# saw (almost) no true pairs in an m near nought: a kind of difference the training data
# lacked (a date of birth with one digit wrong, where the data had none) would then rule
# a pair out (a weight of -17.7) instead of weighing a little against it.
M_FLOOR = 0.001


def with_m_floor(splink_settings: dict) -> dict:
    """The model with every level's m at least M_FLOOR (null levels, and levels EM could
    not estimate at all, as they are)."""
    comparisons = []
    for comparison in splink_settings["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            m = level.get("m_probability")
            if m is not None and m < M_FLOOR and not level.get("is_null_level"):
                level = {**level, "m_probability": M_FLOOR}
            levels.append(level)
        comparisons.append({**comparison, "comparison_levels": levels})
    return {**splink_settings, "comparisons": comparisons}


def trained(table: SplinkDataFrame, splink_settings: dict) -> Linker:
    """A linker using a model trained before, without training again, on the engine the
    table is in (the model's SQL written for that engine: `in_dialect`).

    Blocking decides only which pairs are scored, not how: it comes from this module, so
    a change to it applies to models saved before.
    """
    dialect = table.db_api.sql_dialect.sql_dialect_str
    current = {
        **in_dialect(splink_settings, dialect),
        "blocking_rules_to_generate_predictions": [
            rule.get_blocking_rule(dialect).as_dict() for rule in PREDICTION_BLOCKS
        ],
    }
    return Linker(table, current, log_level=logging.WARNING)


def comparisons_changed(splink_settings: dict) -> bool:
    """Whether a saved model compares records otherwise than this version does (it was
    trained by an older version), level by level in the model's own SQL dialect: then it
    must be trained again."""

    def levels(comparisons: list[dict]) -> list[tuple[str, list[str]]]:
        return [
            (c["output_column_name"], [level["sql_condition"] for level in c["comparison_levels"]])
            for c in comparisons
        ]

    dialect = splink_settings.get("sql_dialect", "duckdb")
    ours = settings().create_settings_dict(dialect)["comparisons"]
    return levels(splink_settings["comparisons"]) != levels(ours)


class ModelMismatch(ValueError):
    """A saved model's comparisons are not the ones this version of Family View writes."""


def in_dialect(splink_settings: dict, dialect: str) -> dict:
    """A saved model with its comparisons' SQL written for another engine ("duckdb",
    "spark"); the model itself (every level's m and u, the prior) is kept as it is.

    Each level's SQL is written again from this module's comparisons, after checking that
    they write exactly the saved SQL in the model's own dialect: level by level, the model
    is the same one. Saved models are kept in DuckDB's SQL, whichever engine trained them.
    """
    source = splink_settings.get("sql_dialect", "duckdb")
    if source == dialect:
        return splink_settings

    if comparisons_changed(splink_settings):
        raise ModelMismatch(
            "The saved linkage model was trained with comparisons this version no longer "
            f"has, so it cannot be written for {dialect}: train a new version "
            "(familyview link --retrain)."
        )
    translated = copy.deepcopy(splink_settings)
    target = settings().create_settings_dict(dialect)["comparisons"]
    for comparison, written in zip(translated["comparisons"], target, strict=True):
        for level, sql in zip(
            comparison["comparison_levels"], written["comparison_levels"], strict=True
        ):
            level["sql_condition"] = sql["sql_condition"]
    translated["blocking_rules_to_generate_predictions"] = [
        rule.get_blocking_rule(dialect).as_dict() for rule in PREDICTION_BLOCKS
    ]
    translated["sql_dialect"] = dialect
    return translated
