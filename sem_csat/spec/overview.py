"""A spec shown as a :class:`~sem_csat.summary.Summary` (``str(spec)``, Jupyter display)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sem_csat.spec.checks import format_number, format_term

if TYPE_CHECKING:
    from sem_csat.spec.model import Construct, ModelSpec
    from sem_csat.summary import Summary

__all__ = ["spec_summary"]


def spec_summary(spec: ModelSpec) -> Summary:
    """Constructs, paths and every further block the spec declares, with its diagnostics."""
    import pandas as pd

    from sem_csat.summary import Section, Summary

    def scale_text(c: Construct) -> str:
        if c.is_higher_order:
            return ""
        scale = spec.scale_of(c.name)
        return "" if scale is None else f"{scale[0]:g}–{scale[1]:g}"

    constructs = pd.DataFrame(
        [
            {
                "construct": c.name,
                "label": c.label or "",
                "mode": c.mode,
                "indicators": (
                    "dimensions: " + ", ".join(c.dimension_names)
                    if c.is_higher_order
                    else ", ".join(i.name for i in c.indicators)
                ),
                "reversed": ", ".join(c.reverse),
                "scale": scale_text(c),
            }
            for c in spec.constructs
        ]
    )
    paths = pd.DataFrame(
        [{"from": p.source, "to": p.target, "label": p.label or ""} for p in spec.paths],
        columns=["from", "to", "label"],
    )
    sections = [Section("Constructs", constructs)]
    if spec.interactions:
        sections.append(
            Section(
                "Interaction terms",
                pd.DataFrame(
                    [
                        {"interaction": i.name, "left": i.left, "right": i.right}
                        for i in spec.interactions
                    ]
                ),
            )
        )
    sections.append(Section("Structural paths", paths))
    if spec.covariances:
        cov = pd.DataFrame(
            [{"left": c.left, "right": c.right, "label": c.label or ""} for c in spec.covariances]
        )
        sections.append(Section("Covariances", cov))
    if spec.intercepts or spec.meanstructure:
        lines = [f"{i.variable} ~ {format_term('1', i.label, i.fixed)}" for i in spec.intercepts]
        sections.append(Section("Mean structure", lines=tuple(lines or ["(means estimated)"])))
    if spec.defined or spec.constraints:
        lines = [d.text for d in spec.defined] + [c.text for c in spec.constraints]
        sections.append(Section("Defined parameters and constraints", lines=tuple(lines)))
    if spec.servqual is not None:
        rows = [
            {
                "dimension": d.name,
                "expectation": ", ".join(d.expectation),
                "perception": ", ".join(d.perception),
                "weight": "" if d.weight is None else format_number(d.weight),
            }
            for d in spec.servqual.dimensions
        ]
        sections.append(Section("SERVQUAL", pd.DataFrame(rows), collapsed=True))
    if spec.metrics is not None:
        lines = [f"{role}: {item}" for role, item in spec.metrics.roles()]
        sections.append(Section("Survey metrics", lines=tuple(lines), collapsed=True))
    if spec.references:
        sections.append(Section("References", lines=tuple(spec.references), collapsed=True))
    size = (
        f"{len(spec.constructs)} constructs, {len(spec.indicator_names)} indicators, "
        f"{len(spec.paths)} paths"
    )
    if spec.higher_order:
        size += f", {len(spec.higher_order)} higher-order"
    header = [("Source", str(spec.source or "")), ("Size", size)]
    if spec.description:
        header.insert(0, ("Description", spec.description))
    return Summary(f"sem_csat model: {spec.name}", header, sections, spec.diagnostics)
