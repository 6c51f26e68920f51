"""From scored pairs to persons: constrained clustering and stable person identifiers.

Pure functions over record ids, so that the rules can be tested on their own:
- a steward's "same person" joins two records whatever the model says;
- pairs at or above the upper threshold join, strongest first, unless joining would put
  two records that must stay apart into one person (different valid NHS numbers, two
  records of one source, related people at one address, a steward's "different people");
- some reasons (two records of one source below the duplicates bar) are answered by a
  chain of near-certain links: two copies of one record, each near-certainly a third
  record, are one person although the two copies compared with each other fall short;
- identifiers survive: a new cluster takes the identifier most of its records had before.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# (record a, record b, match probability, basis)
Edge = tuple[int, int, float, str]
# Why two records may not be one person, or None when they may.
KeepApart = Callable[[int, int], str | None]


@dataclass
class Clustering:
    """Persons as sets of records, with how each record joined and what was refused."""

    members: dict[int, list[int]]  # cluster root -> records
    probability: dict[int, float]  # record -> strongest accepted link (1.0 alone)
    basis: dict[int, str]  # record -> how it joined ("alone", "model", ...)
    refused: list[tuple[int, int, float, str]] = field(default_factory=list)

    def cluster_of(self) -> dict[int, int]:
        return {r: root for root, records in self.members.items() for r in records}


class _UnionFind:
    def __init__(self, records: Iterable[int]):
        self.parent = {r: r for r in records}
        self.members = {r: [r] for r in self.parent}

    def find(self, r: int) -> int:
        parent = self.parent
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    def union(self, a: int, b: int) -> int:
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a].extend(self.members.pop(b))
        return a


def cluster(
    records: Iterable[int],
    edges: Iterable[Edge],
    *,
    upper: float,
    keep_apart: KeepApart,
    same_person: Iterable[tuple[int, int]] = (),
    near_certain: float = math.inf,
    answered_by_near_certain: Callable[[str], bool] = lambda reason: False,
    ties: Callable[[int, int], bool] = lambda a, b: True,
) -> Clustering:
    """Join records into persons: stewards' decisions first, then the strongest edges.

    `near_certain`: links at or above it (and stewards' decisions) tie records together
    near-certainly. A reason to keep two records apart that `answered_by_near_certain`
    accepts does not stop a near-certain link when both records are tied to its two ends
    by near-certain links: every step of the way from one to the other is then
    near-certain, and no rule is against any of its pairs. `ties` says which near-certain
    links count so (a link of a record without a date of birth rests on a name and an
    address, which a father and the son named for him share)."""
    uf = _UnionFind(records)
    # Records joined by near-certain links only (a finer partition than uf's).
    tied = _UnionFind(uf.parent)
    probability = dict.fromkeys(uf.parent, 1.0)
    basis = dict.fromkeys(uf.parent, "alone")
    refused: list[tuple[int, int, float, str]] = []
    steward_pairs = {frozenset(p) for p in same_person}

    def conflict(ra: int, rb: int, edge: Edge) -> str | None:
        a_end, b_end, p, _ = edge
        ends = (tied.find(a_end), tied.find(b_end)) if p >= near_certain else None
        for a in uf.members[ra]:
            for b in uf.members[rb]:
                if frozenset((a, b)) in steward_pairs:
                    continue
                reason = keep_apart(a, b)
                if not reason:
                    continue
                if (
                    ends
                    and answered_by_near_certain(reason)
                    and ends
                    == (
                        tied.find(a),
                        tied.find(b),
                    )
                ):
                    continue
                return reason
        return None

    def tie(a: int, b: int) -> None:
        ta, tb = tied.find(a), tied.find(b)
        if ta != tb:
            tied.union(ta, tb)

    for a, b in same_person:
        ra, rb = uf.find(a), uf.find(b)
        if ra != rb:
            uf.union(ra, rb)
        tie(a, b)
        basis[a] = basis[b] = "steward"

    # The index as it stood first (an incremental run's "index" edges), so that a new
    # record cannot come between an existing person's records; then strongest first.
    strongest_first = sorted(
        (e for e in edges if e[2] >= upper),
        key=lambda e: (e[3] != "index", -e[2], e[0], e[1]),
    )
    first_link: dict[int, float] = {}
    for a, b, p, how in strongest_first:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        reason = conflict(ra, rb, (a, b, p, how))
        if reason:
            refused.append((a, b, p, reason))
            continue
        uf.union(ra, rb)
        # An incremental run's "index" edges say only that records were one person, not
        # how near-certainly: they tie nothing.
        if p >= near_certain and how != "index" and ties(a, b):
            tie(a, b)
        for r in (a, b):
            if basis[r] != "steward" and r not in first_link:
                first_link[r] = p
                probability[r] = p
                basis[r] = how
    return Clustering(
        members=dict(uf.members), probability=probability, basis=basis, refused=refused
    )


@dataclass
class Assignment:
    """Which person each record belongs to after a run, and what changed."""

    person_of: dict[int, str]
    created: list[str]
    # (kept person, persons merged into it, the records involved)
    merges: list[tuple[str, list[str], list[int]]]
    # (person split, new persons, the records that moved)
    splits: list[tuple[str, list[str], list[int]]]
    retired: list[str]


def assign_persons(
    clustering: Clustering,
    previous: dict[int, str],
    new_id: Callable[[], str],
    age: Callable[[str], object] = lambda pid: pid,
) -> Assignment:
    """Give each cluster a person identifier, keeping the ones that existed.

    A cluster takes the identifier most of its records had (the oldest on a tie); a
    previous identifier goes to at most one cluster, the one holding most of its records.
    Clusters left over get new identifiers. Records of a previous identifier that end up
    elsewhere are a split; a cluster that gathers several previous identifiers a merge.
    """
    claims = []
    for root, records in clustering.members.items():
        for pid, count in Counter(previous[r] for r in records if r in previous).items():
            claims.append((-count, age(pid), pid, root))
    claims.sort()
    person_of_cluster: dict[int, str] = {}
    taken: set[str] = set()
    for _, _, pid, root in claims:
        if root in person_of_cluster or pid in taken:
            continue
        person_of_cluster[root] = pid
        taken.add(pid)
    created = []
    for root in sorted(clustering.members):
        if root not in person_of_cluster:
            person_of_cluster[root] = new_id()
            created.append(person_of_cluster[root])

    person_of = {
        r: person_of_cluster[root] for root, records in clustering.members.items() for r in records
    }
    merges = []
    for root, records in clustering.members.items():
        before = {previous[r] for r in records if r in previous}
        if len(before) > 1:
            kept = person_of_cluster[root]
            merges.append((kept, sorted(before - {kept}), sorted(records)))
    moved: dict[str, set[str]] = defaultdict(set)
    moved_records: dict[str, list[int]] = defaultdict(list)
    for r, pid in previous.items():
        if r in person_of and person_of[r] != pid:
            moved[pid].add(person_of[r])
            moved_records[pid].append(r)
    splits = [
        (pid, sorted(moved[pid]), sorted(moved_records[pid]))
        for pid in sorted(moved)
        if pid in taken  # the identifier lives on, so its records were split off
    ]
    retired = sorted(set(previous.values()) - taken)
    return Assignment(person_of, created, merges, splits, retired)
