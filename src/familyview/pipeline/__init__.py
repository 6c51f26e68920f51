"""The steps of the data flow that span floors, run in order: an import, then its
source's search entries; a link run, then the families; a steward's merge or split, then
the families of the persons it changed.

Each domain folder does its own step and calls no later one (sources never writes the
person index's search entries, identity never builds families): this package, above
them all and below the pages and the API, runs the steps one after another. Its
commands (`familyview ingest`, `link`, `families build`) and the steward's pages start
them here.
"""
