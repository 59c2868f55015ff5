"""One table, many formats: :class:`Table` renders text, HTML, LaTeX, Markdown, CSV and Word.

A :class:`Table` holds the *raw, unrounded* values of a result in a DataFrame and, separately, how
each column is shown (:class:`Column`: APA number kind, decimals, header, spanner group, stars).
Rounding happens only while rendering, so the CSV export and ``table.data`` keep full precision
while every rendered format shows the same characters (see :mod:`sem_csat.rendering.apa`).

The layout follows the APA *Publication Manual* (7th ed., 2020), chapter 7: the table number in
bold above an italic title, horizontal rules only above and below the column headings and at the
bottom, spanner headings over groups of columns, and a general note followed by a probability
note below the table.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"path": ["A → B"], "beta": [0.4231], "p": [0.0004]})
>>> t = Table(df, (Column("path", "Path", "text"), Column("beta", "β", "bounded", stars="p"),
...                Column("p", "p", "p")), title="Paths", number=1)
>>> print(t.to_text())
Table 1
Paths
======================
Path         β       p
----------------------
A → B  .423***  < .001
======================
* p < .05. ** p < .01. *** p < .001.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

import pandas as pd

from sem_csat.errors import UsageError
from sem_csat.rendering.apa import KINDS, STAR_NOTE, Kind, format_value, stars
from sem_csat.rendering.safety import safe_frame

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

__all__ = ["Cell", "Column", "Table"]

Align = Literal["left", "right", "center"]


@dataclass(frozen=True)
class Column:
    """How one column of a :class:`Table` is shown.

    Attributes
    ----------
    key
        Column of ``Table.data`` (for ``kind="ci"`` the lower bound).
    header
        Heading shown in the table (default: ``key``).  Unicode symbols (β, α, ρ_A, R², χ²)
        are translated for LaTeX.
    kind
        ``"coef"``, ``"bounded"`` (no leading zero), ``"p"``, ``"int"``, ``"text"`` or
        ``"ci"`` (``[lower, upper]`` from ``key`` and ``upper``).
    decimals
        Decimal places (default: the table's).
    group
        Spanner heading over consecutive columns of the same group.
    upper
        For ``kind="ci"``: the column of the upper bound.
    ci_kind
        For ``kind="ci"``: format of the bounds, ``"coef"`` or ``"bounded"``.
    stars
        Column of p values whose significance stars follow this column's value.
    per_group
        Show the value only on the first row of each row group (``Table.group_by``).
    missing
        Shown for a missing value (``""``, or ``"—"`` for cells that cannot be computed).
    """

    key: str
    header: str | None = None
    kind: Kind = "coef"
    decimals: int | None = None
    group: str | None = None
    upper: str | None = None
    ci_kind: Literal["coef", "bounded"] = "coef"
    stars: str | None = None
    per_group: bool = False
    missing: str = ""

    @property
    def label(self) -> str:
        """The heading shown (``header`` or ``key``)."""
        return self.key if self.header is None else self.header

    @property
    def align(self) -> Align:
        """``"left"`` for text, ``"right"`` for numbers (aligns the decimal points)."""
        return "left" if self.kind == "text" else "right"

    @property
    def raw_keys(self) -> tuple[str, ...]:
        """The data columns this column reads."""
        keys = [self.key]
        if self.upper is not None:
            keys.append(self.upper)
        if self.stars is not None:
            keys.append(self.stars)
        return tuple(keys)


class Cell(NamedTuple):
    """A rendered cell: the formatted ``text`` and its superscript ``stars``."""

    text: str
    stars: str = ""


class Spanner(NamedTuple):
    """A run of columns under one spanner heading (``label`` is ``""`` when there is none)."""

    label: str
    start: int
    span: int


@dataclass(frozen=True, eq=False)
class Table:
    """A publication table: raw values plus how to show them (immutable).

    Attributes
    ----------
    data
        The raw, unrounded values (one row per table row).
    columns
        The shown columns, in order.
    title
        Table title (APA: italic, title case).
    caption
        Sample size and estimator, shown in parentheses after the title.
    note
        General note, shown after "*Note.*" below the table.
    number
        Table number ("Table 1"); ``None`` shows the title alone.
    group_by
        Column that defines row groups (for :attr:`Column.per_group`).
    decimals
        Default decimal places.
    label
        Identifier for cross-references (LaTeX ``\\label{tab:...}``, HTML ``id``); derived
        from the title by default.
    kind
        What part of a report the table belongs to: ``"measurement"``, ``"structural"``,
        ``"fit"``, ``"index"``, ``"comparison"`` (set by the standard builders; ``""`` for
        other tables).

    Notes
    -----
    A probability note explaining the stars is added automatically when a column shows stars
    (APA 7th ed., 7.14).
    """

    data: pd.DataFrame = field(repr=False)
    columns: tuple[Column, ...]
    title: str
    caption: str = ""
    note: str = ""
    number: int | None = None
    group_by: str | None = None
    decimals: int = 3
    label: str | None = None
    kind: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        if not self.columns:
            raise UsageError(f"table {self.title!r} has no columns; pass at least one Column.")
        known = set(map(str, self.data.columns))
        for col in self.columns:
            if col.kind not in KINDS:
                raise UsageError(
                    f"column {col.key!r} has kind {col.kind!r}; use one of {', '.join(KINDS)}."
                )
            if col.kind == "ci" and col.upper is None:
                raise UsageError(f"column {col.key!r} is a CI: give its upper bound as upper=.")
            missing = [k for k in col.raw_keys if k not in known]
            if missing:
                raise UsageError(
                    f"table {self.title!r} shows column {missing[0]!r}, which is not in its "
                    f"data (columns: {', '.join(sorted(known))})."
                )
        if self.group_by is not None and self.group_by not in known:
            raise UsageError(f"group_by={self.group_by!r} is not a column of the table's data.")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        title: str = "",
        *,
        index: bool = False,
        decimals: int = 3,
        **kwargs: object,
    ) -> Table:
        """A table that shows every column of ``frame``, kinds inferred from the dtypes.

        Floats become ``"coef"``, integers ``"int"``, everything else ``"text"``; ``index=True``
        shows the index as the first column.  Further keyword arguments go to :class:`Table`.
        """
        data = frame.reset_index() if index else frame
        data = data.copy()
        data.columns = [str(c) for c in data.columns]
        cols = []
        for name in data.columns:
            dtype = data[name].dtype
            kind: Kind
            if pd.api.types.is_bool_dtype(dtype):
                kind = "text"
            elif pd.api.types.is_integer_dtype(dtype):
                kind = "int"
            elif pd.api.types.is_float_dtype(dtype):
                kind = "coef"
            else:
                kind = "text"
            cols.append(Column(name, name, kind))
        return cls(data, tuple(cols), title, decimals=decimals, **kwargs)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ shared layout
    @property
    def heading(self) -> str:
        """The title with the caption in parentheses: ``"Structural Model (N = 250, PLS)"``."""
        return f"{self.title} ({self.caption})" if self.caption else self.title

    @property
    def number_label(self) -> str:
        """``"Table 3"``, or ``""`` without a number."""
        return "" if self.number is None else f"Table {self.number}"

    @property
    def slug(self) -> str:
        """Identifier for cross-references (``label`` or one made from the title)."""
        if self.label:
            return self.label
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "table"

    @property
    def has_stars(self) -> bool:
        """Whether any column shows significance stars."""
        return any(c.stars is not None for c in self.columns)

    @property
    def notes(self) -> tuple[str, ...]:
        """The note lines below the table: the general note, then the probability note."""
        lines = []
        if self.note:
            lines.append(self.note)
        if self.has_stars:
            lines.append(STAR_NOTE)
        return tuple(lines)

    def spanners(self) -> list[Spanner]:
        """Runs of consecutive columns with the same group (empty when no column has one)."""
        if all(c.group is None for c in self.columns):
            return []
        runs: list[Spanner] = []
        for i, col in enumerate(self.columns):
            label = col.group or ""
            if runs and runs[-1].label == label and label:
                last = runs[-1]
                runs[-1] = Spanner(label, last.start, last.span + 1)
            else:
                runs.append(Spanner(label, i, 1))
        return runs

    def _group_starts(self) -> list[bool]:
        n = len(self.data)
        if self.group_by is None:
            return [True] * n
        keys = list(self.data[self.group_by])
        return [i == 0 or keys[i] != keys[i - 1] for i in range(n)]

    def _column_cells(self, col: Column, column: Callable[[str], Iterable[object]]) -> list[Cell]:
        """The formatted cells of ``col`` on every row; ``column(key)`` gives a data column."""
        decimals = self.decimals if col.decimals is None else col.decimals
        values = column(col.key)
        if col.kind == "ci":
            uppers = values if col.upper is None else column(col.upper)
            texts = []
            for value, upper in zip(values, uppers, strict=True):
                lo = format_value(value, col.ci_kind, decimals)
                hi = format_value(upper, col.ci_kind, decimals)
                texts.append(f"[{lo}, {hi}]" if lo and hi else col.missing)
        else:
            texts = [format_value(v, col.kind, decimals, col.missing) for v in values]
        if col.stars is None:
            return [Cell(t) for t in texts]
        ps = column(col.stars)
        return [
            Cell(t, stars(p) if t != col.missing else "") for t, p in zip(texts, ps, strict=True)
        ]

    @cached_property
    def _body(self) -> tuple[tuple[Cell, ...], ...]:
        """The formatted body, computed once: every renderer shows the same cells.

        The values are read as a row of ``DataFrame.iterrows`` holds them (one array of the
        frame's common dtype per row), column by column.
        """
        data = self.data
        starts = self._group_starts()
        blank = Cell("")
        if not data.columns.is_unique:  # a label names several columns: the row-wise path
            return tuple(
                tuple(
                    blank if c.per_group and not first else self._cell(row, c) for c in self.columns
                )
                for (_, row), first in zip(data.iterrows(), starts, strict=True)
            )
        values = data.to_numpy()  # what iterrows() gives each row, as one block
        position = {str(k): j for j, k in enumerate(data.columns)}

        def column(key: str) -> Iterable[object]:
            return values[:, position[key]]

        by_column = [self._column_cells(c, column) for c in self.columns]
        return tuple(
            tuple(
                blank if c.per_group and not first else cells[i]
                for c, cells in zip(self.columns, by_column, strict=True)
            )
            for i, first in enumerate(starts)
        )

    def _cell(self, row: pd.Series, col: Column) -> Cell:
        decimals = self.decimals if col.decimals is None else col.decimals
        value = row[col.key]
        if col.kind == "ci":
            upper = row[col.upper] if col.upper is not None else value
            lo = format_value(value, col.ci_kind, decimals)
            hi = format_value(upper, col.ci_kind, decimals)
            text = f"[{lo}, {hi}]" if lo and hi else col.missing
        else:
            text = format_value(value, col.kind, decimals, col.missing)
        mark = stars(row[col.stars]) if col.stars is not None and text != col.missing else ""
        return Cell(text, mark)

    def cells(self) -> list[list[Cell]]:
        """The formatted body: one list of :class:`Cell` per row (used by every renderer).

        Formatted once per table (the values are never rounded in ``data``; a table is not
        changed after it is made).
        """
        return [list(row) for row in self._body]

    # ------------------------------------------------------------------ text
    def to_text(self, *, heading: bool = True) -> str:
        """Plain-text rendering (terminal, logs); ``heading=False`` leaves out number and title."""
        star_width = 3 if self.has_stars else 0
        body = [
            [
                c.text + (c.stars.ljust(star_width) if col.stars else "")
                for c, col in zip(row, self.columns, strict=True)
            ]
            for row in self.cells()
        ]
        headers = [c.label for c in self.columns]
        widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(headers)]
        spans = self.spanners()
        sep = "  "
        for s in spans:  # widen the last column of a run when the spanner is wider
            inner = sum(widths[s.start : s.start + s.span]) + len(sep) * (s.span - 1)
            if len(s.label) > inner:
                widths[s.start + s.span - 1] += len(s.label) - inner

        def line(values: Sequence[str]) -> str:
            parts = [
                v.ljust(w) if col.align == "left" else v.rjust(w)
                for v, w, col in zip(values, widths, self.columns, strict=True)
            ]
            return sep.join(parts).rstrip()

        total = sum(widths) + len(sep) * (len(widths) - 1)
        out = []
        if heading:
            if self.number_label:
                out.append(self.number_label)
            out.append(self.heading)
        out.append("=" * total)
        if spans:
            labels, rules = [], []
            for s in spans:
                inner = sum(widths[s.start : s.start + s.span]) + len(sep) * (s.span - 1)
                labels.append(s.label.center(inner))
                rules.append(("-" * inner) if s.label else " " * inner)
            out.append(sep.join(labels).rstrip())
            out.append(sep.join(rules).rstrip())
        out.append(line(headers))
        out.append("-" * total)
        out += [line(r) for r in body]
        out.append("=" * total)
        out += [f"Note. {n}" if n == self.note else n for n in self.notes]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return (
            f"<Table {self.number_label or 'untitled'}: {self.title!r}, "
            f"{len(self.data)} rows x {len(self.columns)} columns>"
        )

    # ------------------------------------------------------------------ HTML
    def to_html(self, *, heading: bool = True) -> str:
        """An escaped HTML ``<table>`` with caption, spanners and a note in ``<tfoot>``.

        CSS hooks: ``sem-csat-table`` (table), ``sem-csat-table-number``,
        ``sem-csat-table-title``, ``spanner``, ``text``/``num`` (cells) and
        ``sem-csat-table-note``.  Inline styles draw the three APA rules.
        """
        esc = html.escape
        rule = "1px solid currentColor"
        n = len(self.columns)
        parts = [
            f'<table class="sem-csat-table" id="{esc(self.slug)}" '
            f'style="border-collapse:collapse;border-top:{rule};border-bottom:{rule}">'
        ]
        if heading:
            number = (
                f'<span class="sem-csat-table-number" style="font-weight:bold">'
                f"{esc(self.number_label)}</span><br>"
                if self.number_label
                else ""
            )
            parts.append(
                f'<caption style="text-align:left;caption-side:top">{number}'
                f'<em class="sem-csat-table-title">{esc(self.heading)}</em></caption>'
            )
        parts.append("<thead>")
        spans = self.spanners()
        if spans:
            cells = []
            for s in spans:
                style = f"text-align:center;border-bottom:{rule}" if s.label else ""
                cells.append(
                    f'<th class="spanner" colspan="{s.span}" style="{style}">{esc(s.label)}</th>'
                )
            parts.append("<tr>" + "".join(cells) + "</tr>")
        heads = "".join(
            f'<th style="text-align:{c.align};border-bottom:{rule}">{esc(c.label)}</th>'
            for c in self.columns
        )
        parts += ["<tr>" + heads + "</tr>", "</thead>", "<tbody>"]
        for row in self.cells():
            tds = []
            for cell, col in zip(row, self.columns, strict=True):
                sup = f"<sup>{esc(cell.stars)}</sup>" if cell.stars else ""
                klass = "text" if col.kind == "text" else "num"
                tds.append(
                    f'<td class="{klass}" style="text-align:{col.align}">{esc(cell.text)}{sup}</td>'
                )
            parts.append("<tr>" + "".join(tds) + "</tr>")
        parts.append("</tbody>")
        if self.notes:
            lines = []
            if self.note:
                lines.append(f"<em>Note.</em> {esc(self.note)}")
            if self.has_stars:
                lines.append(
                    "<sup>*</sup><em>p</em> &lt; .05. <sup>**</sup><em>p</em> &lt; .01. "
                    "<sup>***</sup><em>p</em> &lt; .001."
                )
            parts.append(
                f'<tfoot><tr><td class="sem-csat-table-note" colspan="{n}" '
                f'style="text-align:left;border-top:{rule}">'
                + "<br>".join(lines)
                + "</td></tr></tfoot>"
            )
        parts.append("</table>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    # ------------------------------------------------------------------ Markdown
    def to_markdown(self, *, heading: bool = True) -> str:
        """GitHub-flavoured Markdown; cell text is escaped (no raw HTML, no stray emphasis).

        Markdown has no spanners, so a column's group prefixes its heading ("PLS β").
        """
        headers = [f"{c.group} {c.label}" if c.group else c.label for c in self.columns]
        out = []
        if heading:
            if self.number_label:
                out += [f"**{_md(self.number_label)}**", ""]
            out += [f"*{_md(self.heading)}*", ""]
        out.append("| " + " | ".join(_md(h) for h in headers) + " |")
        out.append(
            "|" + "|".join("---:" if c.align == "right" else "---" for c in self.columns) + "|"
        )
        for row in self.cells():
            out.append("| " + " | ".join(_md(c.text + c.stars) for c in row) + " |")
        if self.notes:
            out.append("")
            lines = []
            if self.note:
                lines.append(f"*Note.* {_md(self.note)}")
            if self.has_stars:
                lines.append(_md(STAR_NOTE))
            out.append("  \n".join(lines))
        return "\n".join(out)

    # ------------------------------------------------------------------ CSV
    def raw_frame(self) -> pd.DataFrame:
        """The raw data of the shown columns (bounds and p values included), unrounded."""
        keys: list[str] = []
        if self.group_by is not None:
            keys.append(self.group_by)
        for col in self.columns:
            keys += [k for k in col.raw_keys if k not in keys]
        return self.data.loc[:, keys].reset_index(drop=True)

    def to_csv(self, path: str | Path | None = None) -> str:
        """CSV of the raw, unrounded values (:meth:`raw_frame`), spreadsheet-safe.

        Floats are written with Python's shortest round-trip representation, so reading the
        file back gives the stored numbers exactly; text cells pass through
        :func:`~sem_csat.rendering.safety.safe_frame`.  Returns the CSV text and also writes it
        to ``path`` when given.
        """
        text = safe_frame(self.raw_frame()).to_csv(index=False, lineterminator="\n")
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    # ------------------------------------------------------------------ LaTeX and Word
    def to_latex(self, *, heading: bool = True, float_env: bool = True) -> str:
        """booktabs LaTeX (see :func:`sem_csat.rendering.latex.table_to_latex`)."""
        from sem_csat.rendering.latex import table_to_latex

        return table_to_latex(self, heading=heading, float_env=float_env)

    def add_to_docx(self, document: DocxDocument) -> None:
        """Append this table, APA style, to a python-docx ``Document``."""
        from sem_csat.rendering.word import add_table

        add_table(document, self)

    def to_docx(self, path: str | Path) -> Path:
        """Write this table alone to a Word file at ``path``; return the path."""
        from sem_csat.rendering.word import write_docx

        return write_docx([self], path)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


@lru_cache(maxsize=8192)  # cell texts repeat (".42", "—"): a large table escapes few distinct ones
def _md(text: str) -> str:
    """Escape text for a Markdown cell: HTML specials as entities, Markdown specials with ``\\``."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False).replace("\n", " ")
