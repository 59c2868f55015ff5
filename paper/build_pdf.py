"""Build paper/paper.pdf from paper.md with pandoc, with whatever PDF engine is installed.

Order of preference: a LaTeX engine (as the Journal of Open Source Software uses), then
WeasyPrint (HTML to PDF); with neither, a standalone ``paper.html``.  Without pandoc, say how to
install it.  The tables and figures are made by ``make_paper.py``; this script only typesets.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PAPER = Path(__file__).resolve().parent
LATEX_ENGINES = ("xelatex", "lualatex", "pdflatex", "tectonic")
INSTALL = (
    "apt-get install pandoc texlive-latex-recommended texlive-fonts-recommended "
    "texlive-latex-extra  (Debian/Ubuntu; or: pip install weasyprint)"
)


def pandoc_command() -> tuple[list[str], Path] | None:
    """The pandoc command line and its output file, or None without pandoc."""
    if shutil.which("pandoc") is None:
        return None
    base = ["pandoc", "paper.md", "--citeproc", "--standalone", "--resource-path=."]
    for engine in LATEX_ENGINES:
        if shutil.which(engine):
            pdf = PAPER / "paper.pdf"
            return [
                *base,
                f"--pdf-engine={engine}",
                "-V",
                "geometry:margin=2.5cm",
                "-o",
                pdf.name,
            ], pdf
    if shutil.which("weasyprint"):
        pdf = PAPER / "paper.pdf"
        return [*base, "--pdf-engine=weasyprint", "-t", "html5", "-o", pdf.name], pdf
    html = PAPER / "paper.html"
    return [*base, _embed_option(), "-t", "html5", "-o", html.name], html


def _embed_option() -> str:
    """pandoc 2.19 renamed ``--self-contained`` to ``--embed-resources``."""
    out = subprocess.run(["pandoc", "--version"], capture_output=True, text=True, check=False)
    try:
        version = tuple(int(x) for x in out.stdout.split()[1].split(".")[:2])
    except (IndexError, ValueError):
        return "--self-contained"
    return "--embed-resources" if version >= (2, 19) else "--self-contained"


def main() -> int:
    found = pandoc_command()
    if found is None:
        print("pandoc is not installed: the tables and figures are up to date, but no PDF.")
        print(f"To build paper/paper.pdf, install pandoc and a PDF engine: {INSTALL}")
        return 0
    command, target = found
    print("$ " + " ".join(command))
    done = subprocess.run(command, cwd=PAPER, check=False)
    if done.returncode != 0:
        print(f"error: pandoc failed (exit {done.returncode})", file=sys.stderr)
        return done.returncode
    print(f"wrote {target.relative_to(PAPER.parent)}")
    if target.suffix == ".html":
        print("No PDF engine (LaTeX or WeasyPrint) found, so the paper was written as HTML.")
        print(f"For the PDF, install one: {INSTALL}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
