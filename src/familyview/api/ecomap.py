"""The ecomap as an SVG document, for the API.

The renderer is the pages' (familyview/web/ecomap.py), so that the API never draws more
or less than the ecomap page does. The API reaches it only through this one function:
when the renderer moves to a module outside the web layer, only the import below changes.
"""

from familyview.families.network import FamilyNetwork


def ecomap_svg(network: FamilyNetwork) -> str:
    """The family's ecomap as a standalone SVG document."""
    from familyview.web.ecomap import render_svg  # the one place the API uses web/

    return render_svg(network, standalone=True)
