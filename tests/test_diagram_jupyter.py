"""Figures display themselves in a fresh Jupyter kernel, without the user importing pyplot.

A tiny notebook is executed by nbclient in a new IPython kernel (the environment's own
``python3``), exactly as a user would run it; the display data of each figure must carry an
image (PNG or SVG), not only the text ``<Figure size ... with 2 Axes>``.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]

CELLS = {
    "setup": (
        "import sys, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "import sem_csat\n"
        "result = sem_csat.fit('ecsi', 'ecsi_mobile')\n"
        "'matplotlib.pyplot' in sys.modules"
    ),
    "ipma": "result.ipma().figure()",
    "ipma_both": "result.ipma().figure('both')",
    "diagram": "from sem_csat.diagram import path_diagram\npath_diagram(result)",
    "diagram_figure": "path_diagram(result, size='double').figure",
    "pyplot": "'matplotlib.pyplot' in sys.modules",
}


@pytest.fixture(scope="module")
def outputs() -> dict[str, list[dict[str, object]]]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    # the kernel (jupyter_client runs 'python' as this interpreter) imports this checkout's
    # sem_csat, and starts with matplotlib's default backend, as a user's kernel does
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        mp.delenv("MPLBACKEND", raising=False)
        client.execute()
    return {name: cell.outputs for name, cell in zip(CELLS, nb.cells, strict=True)}


def _data(outputs: list[dict[str, object]]) -> dict[str, object]:
    results = [o for o in outputs if o.get("output_type") in ("execute_result", "display_data")]
    assert results, outputs
    data = results[-1]["data"]
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("cell", ["ipma", "ipma_both", "diagram", "diagram_figure"])
def test_figures_display_as_images(outputs: dict[str, list[dict[str, object]]], cell: str) -> None:
    data = _data(outputs[cell])
    assert "image/png" in data or "image/svg+xml" in data, sorted(data)
    if "image/png" in data:
        png = base64.b64decode(str(data["image/png"]))
        assert png.startswith(b"\x89PNG")
    if "image/svg+xml" in data:
        assert "<svg" in str(data["image/svg+xml"])


def test_no_pyplot_needed(outputs: dict[str, list[dict[str, object]]]) -> None:
    assert _data(outputs["setup"])["text/plain"] == "False"
    assert _data(outputs["pyplot"])["text/plain"] == "False"
