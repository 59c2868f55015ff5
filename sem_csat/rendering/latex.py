r"""LaTeX rendering of tables with booktabs rules and threeparttable notes.

The output needs ``\usepackage{booktabs}`` and ``\usepackage{threeparttable}`` (both in every
TeX distribution).  Text is escaped: the LaTeX specials ``& % $ # _ { } ~ ^ \`` and ``< >``
become commands, and the Unicode symbols the tables use (β, α, ρ_A, ω, χ², R², f², √, −, —,
→) become math or text-mode equivalents that pdfLaTeX understands.

The layout follows the APA *Publication Manual* (7th ed., 2020), chapter 7: rules only above
and below the headings and at the bottom (``\toprule``, ``\midrule``, ``\bottomrule``),
``\cmidrule`` under spanner headings, the note in a ``tablenotes`` block.

Examples
--------
>>> latex_escape("R² of Satisfaction_2 & 50% ~ #1")
'$R^{2}$ of Satisfaction\\_2 \\& 50\\% \\textasciitilde{} \\#1'
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from sem_csat.rendering.apa import STAR_LEVELS

if TYPE_CHECKING:
    from sem_csat.rendering.table import Table

__all__ = ["LATEX_PREAMBLE", "latex_escape", "table_to_latex"]

#: Packages the generated LaTeX needs.
LATEX_PREAMBLE = "\\usepackage{booktabs}\n\\usepackage{threeparttable}\n"

# Multi-character tokens first (checked before single characters).
_TOKENS: tuple[tuple[str, str], ...] = (
    ("ρ_A", r"$\rho_{A}$"),
    ("ρ_c", r"$\rho_{c}$"),
    ("R²", r"$R^{2}$"),
    ("f²", r"$f^{2}$"),
    ("χ²", r"$\chi^{2}$"),
    ("√AVE", r"$\sqrt{\mathrm{AVE}}$"),
)
_CHARS: dict[str, str] = {
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
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "\u2212": "$-$",
    "—": "---",
    "–": "--",
    "→": r"$\rightarrow$",
    "↔": r"$\leftrightarrow$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "×": r"$\times$",
    "²": r"$^{2}$",
    "√": r"$\surd$",
    "α": r"$\alpha$",
    "β": r"$\beta$",
    "γ": r"$\gamma$",
    "δ": r"$\delta$",
    "Δ": r"$\Delta$",
    "λ": r"$\lambda$",
    "ρ": r"$\rho$",
    "ω": r"$\omega$",
    "χ": r"$\chi$",
    "∞": r"$\infty$",
    "\n": " ",
}


@lru_cache(maxsize=8192)  # cell texts repeat (".42", "—"): a large table escapes few distinct ones
def latex_escape(text: str) -> str:
    r"""Escape ``text`` for LaTeX text mode (specials and the tables' Unicode symbols).

    Examples
    --------
    >>> latex_escape("ρ_A and α")
    '$\\rho_{A}$ and $\\alpha$'
    >>> print(latex_escape("\\input{x}"))
    \textbackslash{}input\{x\}
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        for token, replacement in _TOKENS:
            if text.startswith(token, i):
                out.append(replacement)
                i += len(token)
                break
        else:
            ch = text[i]
            out.append(_CHARS.get(ch, ch))
            i += 1
    return "".join(out)


def _notes(table: Table) -> list[str]:
    lines = []
    if table.note:
        lines.append(r"\item \textit{Note.} " + latex_escape(table.note))
    if table.has_stars:
        items = [
            rf"\textsuperscript{{{mark}}}\textit{{p}} \textless{{}} {str(level)[1:]}."
            for level, mark in reversed(STAR_LEVELS)
        ]
        lines.append(r"\item " + " ".join(items))
    return lines


def table_to_latex(table: Table, *, heading: bool = True, float_env: bool = True) -> str:
    r"""Render ``table`` as a booktabs ``tabular`` inside ``threeparttable``.

    Parameters
    ----------
    table
        The table.
    heading
        Include ``\caption`` (with the title and the caption) and ``\label{tab:<slug>}``.
    float_env
        Wrap in a ``table`` float (``[htbp]``); ``False`` gives the ``threeparttable`` alone,
        for inclusion in another environment.

    Returns
    -------
    str
        LaTeX source; needs :data:`LATEX_PREAMBLE`.
    """
    cols = table.columns
    spec = "".join("l" if c.align == "left" else "r" for c in cols)
    lines: list[str] = []
    if float_env:
        lines += [r"\begin{table}[htbp]", r"\centering"]
    lines.append(r"\begin{threeparttable}")
    if heading:
        lines.append(r"\caption{" + latex_escape(table.heading) + "}")
        lines.append(r"\label{tab:" + table.slug + "}")
    lines += [r"\begin{tabular}{" + spec + "}", r"\toprule"]
    spans = table.spanners()
    if spans:
        heads, rules = [], []
        for s in spans:
            if s.label:
                heads.append(rf"\multicolumn{{{s.span}}}{{c}}{{{latex_escape(s.label)}}}")
                rules.append(rf"\cmidrule(lr){{{s.start + 1}-{s.start + s.span}}}")
            else:
                heads += [""] * s.span
        lines.append(" & ".join(heads) + r" \\")
        lines.append(" ".join(rules))
    lines.append(" & ".join(latex_escape(c.label) for c in cols) + r" \\")
    lines.append(r"\midrule")
    for row in table.cells():
        cells = [
            # "{}" keeps a leading "[" from being read as the optional argument of "\\".
            ("{}" if c.text.startswith("[") else "")
            + latex_escape(c.text)
            + (rf"\textsuperscript{{{c.stars}}}" if c.stars else "")
            for c in row
        ]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    notes = _notes(table)
    if notes:
        lines += [r"\begin{tablenotes}[flushleft]", r"\footnotesize", *notes, r"\end{tablenotes}"]
    lines.append(r"\end{threeparttable}")
    if float_env:
        lines.append(r"\end{table}")
    return "\n".join(lines)
