"""Publication-ready path diagrams drawn with matplotlib only (no Graphviz).

:func:`path_diagram` draws a model, any fitted result (through the result contract) or the
estimates of a results folder (:func:`read_results_folder`); :func:`compute_layout` computes the
underlying geometry without matplotlib, so it can be tested or drawn elsewhere
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
from sem_csat.diagram.render import Diagram, construct_names, path_diagram
from sem_csat.diagram.saved import SavedResults, read_results_folder
from sem_csat.rendering.printsize import MIN_LABEL_PT, MIN_TEXT_PT, measure_figure, measure_svg

__all__ = [
    "MIN_LABEL_PT",
    "MIN_TEXT_PT",
    "Diagram",
    "Layout",
    "SavedResults",
    "compute_layout",
    "construct_names",
    "measure_figure",
    "measure_svg",
    "path_diagram",
    "read_results_folder",
]
