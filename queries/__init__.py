"""Example SPARQL queries over the Kennisgraaf, one ``.rq`` file each, for the query editor.

Each file opens with header comments that say what it is for (``queries/catalog.py`` reads them)::

    # title: Wie coördineert elke pilothub?
    # title@en: Who coordinates each pilot hub?
    # group: teachers
    # description: Per pilothub het coördinatieteam ...
    #   (a line that starts with '#' and more spaces continues the field above)
    # description@en: For each pilot hub ...

and then a complete query with its own ``PREFIX`` declarations, so that it runs as it is against
``/sparql`` (whose default graph is the union of all graphs).
"""

from .catalog import GROUPS, Example, ExampleError, examples, load

__all__ = ["GROUPS", "Example", "ExampleError", "examples", "load"]
