"""No module of Family View imports one that imports it back, directly or round a longer
circle (TYPE_CHECKING imports count too): a circle means neither module can be read,
tested or moved without the other, and hides which floor each belongs on. The floors
themselves are held by the import-linter contracts in pyproject.toml (`make lint`)."""

import grimp
import pytest

# Reads the source files, not the database: run once, with the PostgreSQL pass.
pytestmark = pytest.mark.once


def test_no_module_is_part_of_an_import_circle():
    graph = grimp.build_graph("familyview", cache_dir=None)

    circles = sorted(
        " -> ".join((importer, *graph.find_shortest_chain(importer=imported, imported=importer)))
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if graph.chain_exists(importer=imported, imported=importer)
    )

    assert circles == []
