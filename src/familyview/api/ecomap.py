"""The ecomap as an SVG document, for the API.

The renderer is the ecomap page's too (familyview/ecomap.py), so that the API never draws
more or less than the page does.
"""

from familyview.ecomap import render_svg
from familyview.families.network import FamilyNetwork


def ecomap_svg(network: FamilyNetwork) -> str:
    """The family's ecomap as a standalone SVG document."""
    return render_svg(network, standalone=True)
