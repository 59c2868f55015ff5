"""Publication-ready path diagrams drawn with matplotlib only (no Graphviz).

:func:`path_diagram` draws a model, a PLS result or a CB-SEM result; :func:`compute_layout`
computes the underlying geometry without matplotlib, so it can be tested or drawn elsewhere
(:meth:`Diagram.to_tikz`).

Examples
--------
>>> import sem_csat
>>> from sem_csat.diagram import compute_layout
>>> lay = compute_layout(sem_csat.load_spec("servqual"))
>>> len(lay.layers)
2
"""

from __future__ import annotations

from sem_csat.diagram.layout import Layout, compute_layout
from sem_csat.diagram.printsize import MIN_LABEL_PT, MIN_TEXT_PT, measure_figure, measure_svg
from sem_csat.diagram.render import Diagram, construct_names, path_diagram

__all__ = [
    "MIN_LABEL_PT",
    "MIN_TEXT_PT",
    "Diagram",
    "Layout",
    "compute_layout",
    "construct_names",
    "measure_figure",
    "measure_svg",
    "path_diagram",
]
