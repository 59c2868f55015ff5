"""A small rendering layer: one :class:`Summary` drives ``str()``, HTML, Markdown and LaTeX.

Results build a :class:`Summary` from titled sections of tables and notes; the summary renders the
same content as text (for the terminal and ``print``), HTML (for Jupyter's ``_repr_html_``),
Markdown and LaTeX (booktabs).  Numbers are stored unrounded in the tables and only formatted
here.  A section's table is either a DataFrame (every column shown, floats with ``decimals``
places) or a publication :class:`~sem_csat.rendering.Table`, which carries its own APA formatting.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.rendering.latex import LATEX_PREAMBLE, latex_escape
from sem_csat.rendering.table import Table

__all__ = ["ResultDisplay", "Section", "Summary", "format_number"]


def format_number(value: object, decimals: int = 3) -> str:
    """Format one cell: floats with ``decimals`` places, NaN as an empty string."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        return f"{float(value):.{decimals}f}"
    return str(value)


def _formatted(table: pd.DataFrame, decimals: int) -> pd.DataFrame:
    out = table.copy()
    for column in out.columns:
        out[column] = [format_number(v, decimals) for v in table[column]]
    return out


@dataclass(frozen=True)
class Section:
    """A titled block of a summary: an optional table and optional lines of text.

    ``table`` is a DataFrame (shown with the summary's decimals; ``index=True`` shows its index)
    or a :class:`~sem_csat.rendering.Table` (shown with its own formats, without its number and
    title, since the section title stands above it).
    """

    title: str
    table: pd.DataFrame | Table | None = None
    lines: tuple[str, ...] = ()
    index: bool = False
    collapsed: bool = False


@dataclass(frozen=True)
class Summary:
    """Renderable summary of a result.

    Attributes
    ----------
    title
        First line of the summary.
    header
        ``(key, value)`` pairs shown under the title (data, N, settings).
    sections
        Tables and text blocks, in order.
    diagnostics
        Shown in a visible "Warnings" section when not empty.
    decimals
        Decimal places used when rendering numbers.
    """

    title: str
    header: Sequence[tuple[str, str]] = ()
    sections: Sequence[Section] = ()
    diagnostics: Sequence[Diagnostic] = field(default_factory=tuple)
    decimals: int = 3

    def as_text(self, *, collapsed: bool = True, findings: bool = True) -> str:
        """Plain-text rendering for terminals; ``collapsed=False`` leaves out the sections that
        HTML shows collapsed (for a short summary), ``findings=False`` the warnings and notes
        (for a caller that prints them itself, once: the command line writes them to standard
        error)."""
        out = [self.title, "=" * len(self.title)]
        width = max((len(k) for k, _ in self.header), default=0)
        out += [f"{k.ljust(width)} : {v}" for k, v in self.header]
        for s in self.sections:
            if s.collapsed and not collapsed:
                continue
            out += ["", s.title, "-" * len(s.title)]
            if isinstance(s.table, Table):
                out.append(s.table.to_text(heading=False))
            elif s.table is not None:
                out.append(_formatted(s.table, self.decimals).to_string(index=s.index))
            out += list(s.lines)
        shown = self.diagnostics if findings else ()
        warn = [d for d in shown if d.severity != "info"]
        info = [d for d in shown if d.severity == "info"]
        if warn:
            out += ["", f"Warnings ({len(warn)})", "-" * 12]
            out += [f"[{d.severity}] {d.code}: {d.message}" for d in warn]
        if info:
            out += ["", "Notes", "-----"]
            out += [f"{d.code}: {d.message}" for d in info]
        return "\n".join(out)

    def as_markdown(self) -> str:
        """Markdown rendering (GitHub-flavoured tables)."""
        out = [f"## {self.title}", ""]
        out += [f"- **{k}**: {v}" for k, v in self.header]
        for s in self.sections:
            out += ["", f"### {s.title}", ""]
            if isinstance(s.table, Table):
                out.append(s.table.to_markdown(heading=False))
            elif s.table is not None:
                t = _formatted(s.table, self.decimals)
                if s.index:
                    t = t.reset_index()
                cols = [str(c) for c in t.columns]
                out.append("| " + " | ".join(cols) + " |")
                out.append("|" + "|".join("---" for _ in cols) + "|")
                for row in t.itertuples(index=False):
                    out.append("| " + " | ".join(str(v) for v in row) + " |")
            out += list(s.lines)
        if self.diagnostics:
            out += ["", "### Warnings", ""]
            out += [f"- **{d.severity}** `{d.code}`: {d.message}" for d in self.diagnostics]
        return "\n".join(out)

    def as_html(self) -> str:
        """Self-contained HTML fragment with collapsible sections (for Jupyter)."""
        esc = html.escape
        parts = [
            '<div class="sem-csat-summary">',
            f"<strong>{esc(self.title)}</strong>",
        ]
        if self.header:
            parts.append("<table>")
            parts += [
                f"<tr><th style='text-align:left'>{esc(k)}</th><td style='text-align:left'>"
                f"{esc(v)}</td></tr>"
                for k, v in self.header
            ]
            parts.append("</table>")
        warn = [d for d in self.diagnostics if d.severity != "info"]
        if self.diagnostics:
            parts.append(
                f"<details{' open' if warn else ''}><summary>Warnings and notes "
                f"({len(self.diagnostics)})</summary><ul>"
            )
            parts += [
                f"<li><strong>{esc(d.severity)}</strong> <code>{esc(d.code)}</code>: "
                f"{esc(d.message)}</li>"
                for d in self.diagnostics
            ]
            parts.append("</ul></details>")
        for s in self.sections:
            parts.append(
                f"<details{'' if s.collapsed else ' open'}><summary>{esc(s.title)}</summary>"
            )
            if isinstance(s.table, Table):
                parts.append(s.table.to_html(heading=False))
            elif s.table is not None:
                parts.append(_formatted(s.table, self.decimals).to_html(index=s.index, escape=True))
            parts += [f"<p>{esc(line)}</p>" for line in s.lines]
            parts.append("</details>")
        parts.append("</div>")
        return "\n".join(parts)

    def as_latex(self) -> str:
        r"""LaTeX rendering: ``\section*`` title, header list, one booktabs table per section.

        Needs ``\usepackage{booktabs}`` and ``\usepackage{threeparttable}``
        (:data:`sem_csat.rendering.latex.LATEX_PREAMBLE`).  The tables are not floats, so they stay
        under their section headings.
        """
        esc = latex_escape
        out = ["% sem_csat summary; needs:", *(f"% {p}" for p in LATEX_PREAMBLE.splitlines())]
        out.append(r"\section*{" + esc(self.title) + "}")
        if self.header:
            out.append(r"\begin{tabular}{@{}ll@{}}")
            out += [rf"{esc(k)} & {esc(v)} \\" for k, v in self.header]
            out.append(r"\end{tabular}")
        for s in self.sections:
            out += ["", r"\subsection*{" + esc(s.title) + "}"]
            table = s.table
            if table is not None and not isinstance(table, Table):
                table = Table.from_frame(table, s.title, index=s.index, decimals=self.decimals)
            if table is not None:
                out += [r"\begin{center}", table.to_latex(heading=False, float_env=False)]
                out.append(r"\end{center}")
            out += [esc(line) + "\n" for line in s.lines]
        if self.diagnostics:
            out += ["", r"\subsection*{Warnings}", r"\begin{itemize}"]
            out += [
                rf"\item \textbf{{{esc(d.severity)}}} \texttt{{{esc(d.code)}}}: {esc(d.message)}"
                for d in self.diagnostics
            ]
            out.append(r"\end{itemize}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


class ResultDisplay:
    """The one display mixin: ``str()``, Jupyter HTML and Markdown, and a one-line ``repr``.

    A class that mixes it in defines ``summary()`` (a :class:`Summary`) and ``_repr_fields()``
    (the words of its one-line ``repr`` after the class name).  Every result
    (:class:`~sem_csat.contract.SEMResult`), the measurement-quality report, the bootstraps,
    the importance–performance map and comparisons display themselves through it.
    """

    def summary(self) -> Summary:  # pragma: no cover - defined by the classes that mix it in
        raise NotImplementedError

    def _repr_fields(self) -> str:  # pragma: no cover - defined by the classes that mix it in
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def _repr_markdown_(self) -> str:
        return self.summary().as_markdown()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._repr_fields()}>"
