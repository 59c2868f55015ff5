"""Python builders for specs, readable in a notebook (in the spirit of seminr's ``constructs()``).

Examples
--------
>>> from sem_csat.spec import ModelSpec
>>> from sem_csat.spec.builders import reflective, single_item, multi_items, paths
>>> spec = ModelSpec(
...     "ECSI-lite",
...     constructs=[
...         reflective("Image", multi_items("IMAG", 1, 5), label="Corporate image"),
...         reflective("Satisfaction", multi_items("CUSA", 1, 3)),
...         single_item("Complaints", "CUSCO"),
...     ],
...     paths=paths("Image", ["Satisfaction", "Complaints"]) + paths("Satisfaction", "Complaints"),
...     scale=(1, 10),
... )
>>> len(spec.paths)
3
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sem_csat.spec.checks import Mode
from sem_csat.spec.model import Construct, Covariance, Indicator, Interaction, Path, Scale

__all__ = [
    "covariance",
    "formative",
    "higher_order",
    "interaction",
    "multi_items",
    "paths",
    "reflective",
    "single_item",
]

Items = Sequence[str] | Mapping[str, str | None]


def _indicators(items: Items | str) -> tuple[Indicator, ...]:
    if isinstance(items, str):
        return (Indicator(items),)
    if isinstance(items, Mapping):
        return tuple(Indicator(name, text=text) for name, text in items.items())
    return tuple(Indicator(name) for name in items)


def multi_items(prefix: str, first: int, last: int, *, suffix: str = "") -> list[str]:
    """Return item names ``prefix+first+suffix`` ... ``prefix+last+suffix``.

    >>> multi_items("PERQ", 1, 3)
    ['PERQ1', 'PERQ2', 'PERQ3']
    """
    return [f"{prefix}{i}{suffix}" for i in range(first, last + 1)]


def reflective(
    name: str,
    items: Items | str,
    *,
    label: str | None = None,
    scale: Scale | None = None,
    reverse: Iterable[str] = (),
    reliability: float | None = None,
) -> Construct:
    """A reflective construct (common factor; PLS Mode A). ``items`` may map name -> wording."""
    return Construct(
        name,
        _indicators(items),
        "reflective",
        label=label,
        scale=scale,
        reverse=tuple(reverse),
        reliability=reliability,
    )


def formative(
    name: str,
    items: Items | str,
    *,
    label: str | None = None,
    scale: Scale | None = None,
    reverse: Iterable[str] = (),
) -> Construct:
    """A formative construct (composite; PLS Mode B). ``items`` may map name -> wording."""
    return Construct(
        name, _indicators(items), "formative", label=label, scale=scale, reverse=tuple(reverse)
    )


def single_item(
    name: str,
    item: str,
    *,
    label: str | None = None,
    scale: Scale | None = None,
    text: str | None = None,
    reliability: float | None = None,
) -> Construct:
    """A construct measured by one item (its score is the standardized item)."""
    return Construct(
        name, (Indicator(item, text=text),), label=label, scale=scale, reliability=reliability
    )


def higher_order(
    name: str,
    dimensions: Iterable[str | Indicator],
    *,
    mode: Mode = "reflective",
    label: str | None = None,
) -> Construct:
    """A higher-order construct made of the constructs ``dimensions``.

    >>> higher_order("RQ", ["Trust", "Commitment", "Satisfaction"]).dimension_names
    ('Trust', 'Commitment', 'Satisfaction')
    """
    entries = tuple(Indicator(d) if isinstance(d, str) else d for d in dimensions)
    return Construct(name, (), mode, label=label, dimensions=entries)


def interaction(left: str, right: str, *, name: str | None = None) -> Interaction:
    """The interaction term ``left x right``, named ``left_x_right`` unless ``name`` is given.

    >>> interaction("Satisfaction", "Cost").name
    'Satisfaction_x_Cost'
    """
    return Interaction(name or Interaction.default_name(left, right), left, right)


def paths(sources: str | Iterable[str], targets: str | Iterable[str]) -> tuple[Path, ...]:
    """Paths from every source to every target (seminr's ``paths(from=, to=)``).

    >>> [f"{p.source}->{p.target}" for p in paths(["A", "B"], "C")]
    ['A->C', 'B->C']
    """
    src = [sources] if isinstance(sources, str) else list(sources)
    tgt = [targets] if isinstance(targets, str) else list(targets)
    return tuple(Path(s, t) for s in src for t in tgt)


def covariance(left: str, right: str) -> Covariance:
    """A free covariance between two constructs or two indicators' errors."""
    return Covariance(left, right)
