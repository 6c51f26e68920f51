"""Which services know a person, in a worker's words: "Children's social care, GP".

Councils name their sources after the systems ("Children's social care case system
(LCS)", "Adult mental health services (RiO)"). A worker asks which services know a
family, so the front-line pages name the service each source serves, each once; the
systems' own names are for the "why" page and the data steward's pages.
"""

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from familyview.families.network import FamilyNetwork
from familyview.involvements.display import SourceInfo


def known_to(service_categories: Iterable[str], names: Mapping[str, str]) -> tuple[str, ...]:
    """The services' names, each once, in alphabetical order ("gp" -> "GP"); a category
    no longer configured by its code in words."""
    words = {names.get(code) or code.replace("_", " ").capitalize() for code in service_categories}
    return tuple(sorted(words, key=str.lower))


def family_known_to(network: FamilyNetwork, names: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Each member's services, by person id, from the sources the page may name for them
    (the display rules have chosen those already: IdentityConfidence.source_names)."""
    category_of = {source.name: source.service_category for source in network.sources}
    return {
        member.person_id: known_to(
            (category_of[name] for name in member.identity.source_names if name in category_of),
            names,
        )
        for member in network.members
    }


def _names(organisation: str, service: str) -> bool:
    """Whether the organisation's name says the service already ("Education (school)" is
    said by "Stockport Education")."""
    words = re.sub(r"\s*\(.*?\)", "", service).casefold()
    return re.search(rf"\b{re.escape(words)}\b", organisation.casefold()) is not None


def sources_in_words(sources: Iterable[SourceInfo], names: Mapping[str, str]) -> dict[str, str]:
    """Each source, by code, as a worker knows it: the service it serves and who runs it,
    "Adult mental health, Pennine Care NHS Foundation Trust", never the system's name.
    Two of the page's sources that would read the same (a council's two school feeds)
    are told apart by number, "Stockport Education, 1 of 2", so that
    a fact's source can be found in "Where this comes from"."""
    sources = list(sources)
    words = {}
    for source in sources:
        service = known_to([source.service_category], names)[0]
        organisation = source.organisation
        if not organisation:
            words[source.code] = service
        elif _names(organisation, service):
            # "GP practices", "Greater Manchester Police": the service said once.
            words[source.code] = organisation
        else:
            words[source.code] = f"{service}, {organisation}"
    same = Counter(words.values())
    seen: Counter[str] = Counter()
    for source in sorted(sources, key=lambda s: s.code):
        said = words[source.code]
        if same[said] > 1:
            seen[said] += 1
            words[source.code] = f"{said}, {seen[said]} of {same[said]}"
    return words
