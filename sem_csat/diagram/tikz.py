r"""TikZ export of a path-diagram layout, for LaTeX manuscripts.

The picture uses the same coordinates as the matplotlib drawing (points, scaled to the same
width) and only core TikZ (no libraries), so it compiles inside a ``figure`` or with the
``standalone`` class.  Labels with Chinese, Japanese or Korean characters need a CJK-capable
engine (``xelatex`` with ``xeCJK``, or ``ctex``).

Examples
--------
>>> import sem_csat
>>> from sem_csat.diagram.layout import compute_layout
>>> tex = to_tikz(compute_layout(sem_csat.load_spec("scsb")))
>>> tex.splitlines()[1]
'\\begin{tikzpicture}[x=1pt, y=1pt, >=latex]'
>>> tex_escape("R&D_2 50%")
'R\\&D\\_2 50\\%'
"""

from __future__ import annotations

from collections.abc import Collection

from sem_csat.diagram.layout import Edge, Layout

__all__ = ["tex_escape", "to_tikz"]

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "−": "$-$",
    "²": "$^2$",
}


def tex_escape(text: str) -> str:
    """Escape LaTeX special characters (and typeset ``−`` and ``²`` in math mode)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def _f(v: float) -> str:
    return f"{v:.2f}"


def _path(layout: Layout, edge: Edge, s: float) -> str:
    """The edge as a TikZ path: straight pieces, and each rounded bend as a cubic curve whose
    control points are those of the quadratic one (``c = p + 2/3 (q - p)``)."""

    def pt(p: tuple[float, float]) -> str:
        return f"({_f(p[0] * s)},{_f(p[1] * s)})"

    verts, codes = layout.edge_path(edge)
    parts = [pt(verts[0])]
    k = 1
    while k < len(codes):
        if codes[k] == 3:
            p0, c, p2 = verts[k - 1], verts[k], verts[k + 1]
            c1 = (p0[0] + 2 / 3 * (c[0] - p0[0]), p0[1] + 2 / 3 * (c[1] - p0[1]))
            c2 = (p2[0] + 2 / 3 * (c[0] - p2[0]), p2[1] + 2 / 3 * (c[1] - p2[1]))
            parts.append(f" .. controls {pt(c1)} and {pt(c2)} .. {pt(p2)}")
            k += 2
        else:
            parts.append(f" -- {pt(verts[k])}")
            k += 1
    return "".join(parts)


def to_tikz(layout: Layout, *, scale: float = 1.0, dashed: Collection[tuple[str, str]] = ()) -> str:
    """Return a ``tikzpicture`` environment drawing ``layout``.

    Parameters
    ----------
    layout
        The geometry to draw.
    scale
        Factor applied to coordinates and font sizes (the renderer's fit-to-width factor).
    dashed
        ``(source, target)`` node ids of edges drawn dashed (non-significant paths).
    """
    s = scale
    out = [
        "% sem_csat path diagram; needs only \\usepackage{tikz}",
        r"\begin{tikzpicture}[x=1pt, y=1pt, >=latex]",
    ]
    for e in layout.edges:
        style = "->, dashed" if (e.source, e.target) in dashed else "->"
        out.append(rf"  \draw[{style}, line width=0.6pt] {_path(layout, e, s)};")
    for n in layout.nodes:
        sh = n.shape
        x, y, w, h = sh.x * s, sh.y * s, sh.width * s, sh.height * s
        if sh.kind == "ellipse":
            out.append(
                rf"  \filldraw[fill=black!6, line width=0.8pt] ({_f(x)},{_f(y)}) "
                rf"ellipse [x radius={_f(w / 2)}, y radius={_f(h / 2)}];"
            )
        else:
            out.append(
                rf"  \filldraw[fill=white, line width=0.8pt] ({_f(x - w / 2)},{_f(y - h / 2)}) "
                rf"rectangle ({_f(x + w / 2)},{_f(y + h / 2)});"
            )
        fs = n.font_size * s
        text = r"\\".join(tex_escape(line) for line in n.lines)
        out.append(
            rf"  \node[align=center, inner sep=0pt, font=\fontsize{{{_f(fs)}}}{{{_f(fs * 1.2)}}}"
            rf"\selectfont] at ({_f(x)},{_f(y)}) {{{text}}};"
        )
    for e in layout.edges:
        if e.label and e.label_box is not None:
            fs = e.label_size * s
            b = e.label_box
            font = rf"\fontsize{{{_f(fs)}}}{{{_f(fs * 1.2)}}}\selectfont"
            out.append(
                rf"  \node[fill=white, inner sep=0.5pt, font={font}] "
                rf"at ({_f(b.x * s)},{_f(b.y * s)}) {{{tex_escape(e.label)}}};"
            )
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"
