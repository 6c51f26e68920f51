"""The person index: which source records are the same person, and why.

A Person is Family View's own identifier for a human being, stable across link runs. Each
source record belongs to exactly one Person, with how sure the index is and how it got
there. Stewards' decisions (these two are / are not the same person) are kept apart from
the runs so that every run obeys them.
"""

import secrets

from django.conf import settings
from django.db import models


def new_person_id() -> str:
    """An opaque identifier: no name, date or number a person could be found by."""
    return "P" + secrets.token_hex(8).upper()


class Person(models.Model):
    """One human being, as far as the index can tell."""

    id = models.CharField(max_length=20, primary_key=True, default=new_person_id)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_run = models.ForeignKey(
        "LinkRun", on_delete=models.PROTECT, null=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.id


class LinkedRecord(models.Model):
    """A source record's place in the index: the person it belongs to."""

    class Basis(models.TextChoices):
        ALONE = "alone", "No other record matched"
        DETERMINISTIC = "deterministic", "The same valid NHS number and date of birth"
        MODEL = "model", "Probabilistic match"
        STEWARD = "steward", "A data steward's decision"

    person_record = models.OneToOneField(
        "sources.PersonRecord", on_delete=models.CASCADE, primary_key=True, related_name="link"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="records")
    # How sure the index is that this record belongs to the person: the strongest match
    # to another of the person's records (1.0 for a record alone or a steward's decision).
    match_probability = models.FloatField()
    basis = models.CharField(max_length=16, choices=Basis.choices)
    linked_by_run = models.ForeignKey("LinkRun", on_delete=models.PROTECT, related_name="+")
    # The record's row hash when it was linked: a record changed since (a corrected date
    # of birth, a new NHS number) is linked again, as a new record would be.
    record_hash = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return f"record {self.person_record_id} of {self.person_id}"


class StewardDecision(models.Model):
    """A data steward's ruling on two records; every link run obeys it."""

    class Ruling(models.TextChoices):
        SAME = "same", "The same person"
        DIFFERENT = "different", "Different people"

    record_a = models.ForeignKey("sources.PersonRecord", on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey("sources.PersonRecord", on_delete=models.CASCADE, related_name="+")
    ruling = models.CharField(max_length=10, choices=Ruling.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decided_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["record_a", "record_b"])]

    def __str__(self) -> str:
        return f"{self.ruling}: {self.record_a_id} / {self.record_b_id}"


class ReviewPair(models.Model):
    """Two records the model is unsure about, waiting for a data steward."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for review"
        NOT_SURE = "not_sure", "Looked at, not sure"
        DECIDED = "decided", "Decided"
        GONE = "gone", "No longer uncertain"

    record_a = models.ForeignKey("sources.PersonRecord", on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey("sources.PersonRecord", on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    # Each comparison's contribution, for the side-by-side page: [{comparison, label,
    # weight, value_a, value_b}...]
    explanation = models.JSONField()
    why_not_linked = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The run that last scored the pair; none for a pair a worker reported that no run
    # has found (identity/reported_pairs.py).
    found_by_run = models.ForeignKey(
        "LinkRun", on_delete=models.PROTECT, null=True, related_name="+"
    )
    # A worker said these are the same person ("Something looks wrong"): the pair waits
    # for a steward whatever the link runs make of it, until its records are one person.
    reported_in = models.ForeignKey(
        "ProblemReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_pairs",
    )
    # The last steward who looked and was not sure, when, and why: for the next one.
    not_sure_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    not_sure_at = models.DateTimeField(null=True)
    not_sure_reason = models.TextField(blank=True, db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="one_review_per_pair")
        ]

    def __str__(self) -> str:
        return f"review {self.record_a_id} / {self.record_b_id}"


class LinkageModel(models.Model):
    """A trained Splink model, versioned, so that later runs can reuse it."""

    version = models.PositiveIntegerField(unique=True)
    trained_at = models.DateTimeField(auto_now_add=True)
    trained_on_records = models.PositiveIntegerField()
    splink_settings = models.JSONField()

    def __str__(self) -> str:
        return f"linkage model v{self.version}"


class LinkRun(models.Model):
    """One run of `familyview link`: what it did and how long it took."""

    class Mode(models.TextChoices):
        FULL = "full", "All records"
        INCREMENTAL = "incremental", "New records against the index"

    mode = models.CharField(max_length=12, choices=Mode.choices)
    model = models.ForeignKey(LinkageModel, on_delete=models.PROTECT, null=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    records = models.PositiveIntegerField(default=0)
    pairs_scored = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    persons_created = models.PositiveIntegerField(default=0)
    merges = models.PositiveIntegerField(default=0)
    splits = models.PositiveIntegerField(default=0)
    review_pairs = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True)

    def __str__(self) -> str:
        return f"link run {self.pk}"


class IdentityChange(models.Model):
    """A merge or split of persons, with its reason: the index's own history."""

    class Kind(models.TextChoices):
        MERGE = "merge", "Persons merged"
        SPLIT = "split", "Person split"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    other_persons = models.JSONField()
    records = models.JSONField()
    reason = models.TextField()
    run = models.ForeignKey(LinkRun, on_delete=models.PROTECT, null=True)
    steward = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} of {self.person_id}"


class SearchEntry(models.Model):
    """A person record's names, dates and places normalised for searching.

    Rebuilt for records that are new or changed: by each import (its source's) and each link run.
    """

    person_record = models.OneToOneField(
        "sources.PersonRecord",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_entry",
        db_constraint=False,
    )
    # The record's authority (its source's), so that a search reads only this table.
    authority_id = models.IntegerField(db_default=0)
    given = models.CharField(max_length=100, blank=True)
    given_canonical = models.CharField(max_length=100, blank=True)
    family = models.CharField(max_length=100, blank=True)
    family_sound = models.CharField(max_length=4, blank=True)
    # Every surname part, space-separated with spaces at both ends: " smith jones ".
    surnames = models.CharField(max_length=300, blank=True)
    # The same, only when it holds more than `family` (a double-barrelled or an earlier
    # surname), else "": the few such records, indexed on their own (trigrams on
    # PostgreSQL), so that "any of a person's surnames" is a small look-up.
    other_surnames = models.CharField(max_length=300, blank=True, db_default="")
    birth_year = models.PositiveSmallIntegerField(null=True)
    birth_month = models.PositiveSmallIntegerField(null=True)
    birth_day = models.PositiveSmallIntegerField(null=True)
    # Without spaces; as wide as a person record's, which keeps other countries' postcodes.
    postcode = models.CharField(max_length=16, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    source_record_id = models.CharField(max_length=64)
    # The record is shielded: a search result must not show an address found here.
    restricted = models.BooleanField(db_default=False)
    row_hash = models.CharField(max_length=32)
    # Which nickname table made given_canonical: an entry made by another is made again.
    names_version = models.CharField(max_length=16, db_default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["postcode"],
                condition=models.Q(restricted=True),
                name="identity_search_shielded_at",
            ),
            models.Index(fields=["family", "birth_year"]),
            models.Index(fields=["family_sound", "given_canonical"]),
            models.Index(fields=["family_sound", "birth_year"]),
            models.Index(fields=["given_canonical", "birth_year"]),
            models.Index(fields=["birth_year", "birth_month", "birth_day"]),
            models.Index(fields=["postcode"]),
            models.Index(fields=["nhs_number"]),
            models.Index(fields=["source_record_id"]),
        ]

    def __str__(self) -> str:
        return f"search entry {self.pk}"


class ProblemReport(models.Model):
    """A worker's "something looks wrong" about a person or one of their facts, waiting in
    the data steward's queue until the steward resolves it with a note."""

    class Kind(models.TextChoices):
        WRONG_PERSON = "wrong_person", "Records of different people are shown as one person"
        SAME_PERSON = "same_person", "This is the same person as someone else in the family"
        WRONG_FAMILY = "wrong_family", "This person is not part of this family"
        WRONG_DETAIL = "wrong_detail", "A detail is wrong or out of date"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    authority = models.ForeignKey("access.Authority", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="problem_reports")
    # The fact reported, when it is one service involvement (else the person as a whole).
    involvement = models.ForeignKey(
        "involvements.Involvement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # The child whose family the worker was looking at (opaque person id), if any.
    seen_in_family_of = models.CharField(max_length=20, blank=True)
    # For "the same person as someone else in the family": that other person.
    same_as = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    what = models.TextField()
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    reported_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True)
    resolution_note = models.TextField(blank=True)
    # When the reporter was told it was resolved (once, on the page they land on).
    reporter_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["authority", "status", "reported_at"])]

    def __str__(self) -> str:
        return f"problem report {self.pk} ({self.status})"
