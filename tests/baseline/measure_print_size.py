"""Print the printed width and smallest text size of every figure sem_csat draws.

For every bundled spec: the diagram of the spec, of a PLS result (bundled data, bootstrapped
for stars; simulated data for specs without data) and of a CB-SEM (ML) result where bundled data
exist, single and double column, with and without indicators; and the IPMA map of the ECSI.
Run from the repository root::

    MPLBACKEND=Agg .venv/bin/python tests/baseline/measure_print_size.py

Columns: width and height in inches as saved, the smallest text in points, the flow (LR, TB,
zigzag, abbreviated) and whether a single column had to become a double one.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from test_figure_print_size import BUNDLED_DATA, PLS_SPECS, cbsem, ipma_result, pls  # noqa: E402

import sem_csat  # noqa: E402
from sem_csat.diagram import path_diagram  # noqa: E402
from sem_csat.rendering.printsize import measure_figure, measure_svg  # noqa: E402


def flow(d: object) -> str:
    step = getattr(d, "step", None)
    if step is None:
        return "-"
    parts = [step.orientation] + (["zigzag"] if step.zigzag else [])
    return "+".join(parts + (["abbrev"] if step.abbreviate else []))


def main() -> None:
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for info in sem_csat.list_specs():
            sources: list[tuple[str, object]] = [("spec", sem_csat.load_spec(info.key))]
            if info.key in PLS_SPECS:  # PLS refuses higher-order constructs for now
                sources.append(("pls" if info.key in BUNDLED_DATA else "pls(sim)", pls(info.key)))
            if info.key in BUNDLED_DATA:
                sources.append(("ml", cbsem(info.key)))
            for name, source in sources:
                for size in ("single", "double"):
                    for indicators in (False, True):
                        t = time.perf_counter()
                        d = path_diagram(source, size=size, indicators=indicators)
                        seconds = time.perf_counter() - t
                        m = measure_svg(d.to_svg())
                        rows.append(
                            (info.key, name, size, str(indicators), m.width_in, m.height_in,
                             m.min_size, flow(d), "yes" if d.needs_double_width else "",
                             seconds)
                        )  # fmt: skip
        for level in ("construct", "indicator", "both"):
            for size in ("single", "double"):
                t = time.perf_counter()
                fig = ipma_result().figure(level, size=size)  # type: ignore[attr-defined]
                seconds = time.perf_counter() - t
                m = measure_figure(fig)
                rows.append(
                    ("ecsi", "ipma", size, level, m.width_in, m.height_in, m.min_size, "-", "",
                     seconds)
                )  # fmt: skip
    head = ("spec", "source", "size", "ind", "width_in", "height_in", "min_pt", "flow", "double")
    print(f"{head[0]:21s} {head[1]:9s} {head[2]:7s} {head[3]:9s} {head[4]:>8s} {head[5]:>9s} "
          f"{head[6]:>6s}  {head[7]:16s} {head[8]:6s} seconds")  # fmt: skip
    for key, src, size, ind, w, h, low, fl, dbl, sec in rows:
        print(f"{key:21s} {src:9s} {size:7s} {ind:9s} {w:8.2f} {h:9.2f} {low:6.1f}  {fl:16s} "
              f"{dbl:6s} {sec:7.2f}")  # fmt: skip
    bad = sum(1 for r in rows if r[6] < 7.0 or r[4] > 7.2 + 1e-9)
    print(f"# {bad} of {len(rows)} figures have text below 7 pt or are wider than 7.2 in")


if __name__ == "__main__":
    main()
