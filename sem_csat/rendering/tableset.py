"""A numbered set of tables rendered together: one ``.tex``, one ``.md``, one ``.docx``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sem_csat.rendering.latex import LATEX_PREAMBLE

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

    from sem_csat.rendering.table import Table

__all__ = ["TableSet"]


@dataclass(frozen=True)
class TableSet:
    """Tables in order, rendered as one document per format.

    Use :meth:`numbered` to number the tables 1, 2, … (APA 7th ed., 7.10: tables are numbered
    in the order they are first mentioned).
    """

    tables: tuple[Table, ...] = ()

    @classmethod
    def numbered(cls, tables: Iterable[Table], start: int = 1) -> TableSet:
        """A set whose tables are numbered ``start``, ``start + 1``, …."""
        return cls(tuple(dataclasses.replace(t, number=start + k) for k, t in enumerate(tables)))

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    def __getitem__(self, item: int) -> Table:
        return self.tables[item]

    def __repr__(self) -> str:
        return f"<TableSet of {len(self.tables)} tables>"

    def to_text(self) -> str:
        """All tables as plain text, separated by blank lines."""
        return "\n\n".join(t.to_text() for t in self.tables)

    def __str__(self) -> str:
        return self.to_text()

    def to_markdown(self) -> str:
        """All tables as one Markdown document."""
        return "\n\n".join(t.to_markdown() for t in self.tables) + "\n"

    def to_html(self) -> str:
        """All tables as one HTML fragment (for the HTML report)."""
        body = "\n".join(t.to_html() for t in self.tables)
        return f'<div class="sem-csat-tables">\n{body}\n</div>'

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_latex(self, *, standalone: bool = False) -> str:
        r"""All tables as LaTeX; ``standalone=True`` wraps them in a compilable document.

        Without ``standalone`` the fragment starts with a comment naming the packages it needs
        (``booktabs``, ``threeparttable``), ready for ``\input``.
        """
        body = "\n\n".join(t.to_latex() for t in self.tables)
        if standalone:
            return (
                "\\documentclass{article}\n"
                + LATEX_PREAMBLE
                + "\\begin{document}\n"
                + body
                + "\n\\end{document}\n"
            )
        needs = "".join(f"% {line}\n" for line in LATEX_PREAMBLE.splitlines())
        return f"% sem_csat tables; the preamble needs:\n{needs}\n{body}\n"

    def add_to_docx(self, document: DocxDocument) -> None:
        """Append every table to a python-docx ``Document``."""
        for k, table in enumerate(self.tables):
            if k:
                document.add_paragraph()
            table.add_to_docx(document)

    def to_docx(self, path: str | Path) -> Path:
        """Write all tables to one Word file; return its path."""
        from sem_csat.rendering.word import write_docx

        return write_docx(list(self.tables), path)

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write ``tables.tex``, ``tables.md`` and ``tables.docx`` into ``out_dir``.

        The directory is created if needed.  Returns the three paths.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        tex = out / "tables.tex"
        tex.write_text(self.to_latex(), encoding="utf-8")
        md = out / "tables.md"
        md.write_text(self.to_markdown(), encoding="utf-8")
        return [tex, md, self.to_docx(out / "tables.docx")]
