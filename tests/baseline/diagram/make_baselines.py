"""Regenerate the baseline images of ``tests/test_diagram_render.py``.

Run from the repository root, after checking by eye that the new drawings are right::

    MPLBACKEND=Agg .venv/bin/python tests/baseline/diagram/make_baselines.py

The figures use DejaVu Sans (shipped with matplotlib), so they are reproducible across systems.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from test_diagram_render import BASELINES  # noqa: E402


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make in BASELINES.items():
            out = make().save(HERE / f"{name}.png", dpi=100)
            print(f"wrote {out}")


if __name__ == "__main__":
    main()
