"""The self-contained HTML report that ``sem-csat fit`` writes as ``report.html``.

One file, readable offline and archivable with the paper's data: inline CSS, the path diagram and
the importance–performance map as inline SVG, no script and nothing loaded from the network.
Every name that comes from the spec or the data is HTML-escaped.

Sections, in the order a reviewer asks for them: warnings (first, so that they are seen), the
model and its diagram, the data (N used of N total, missing answers), measurement quality, the
structural results, global fit (when the result has fit measures), the group comparison (a
result with groups: paths by group, MICOM, the multi-group analysis, the index by group), index
scores and the result's own figures such as the IPMA (when it has them), the survey metrics the
spec declares (NPS, CSAT, CES, Kano with its better/worse map, SERVQUAL), and the settings and
versions that make the run reproducible.  Everything comes from the result contract
(:mod:`sem_csat.contract`) and the tables' kinds; the report never asks which engine made the
result.
"""

from __future__ import annotations

import html
import io
import json
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sem_csat.diagnostics import Diagnostic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sem_csat.contract import ResultFigure, SEMResult
    from sem_csat.diagram import Diagram
    from sem_csat.tables import TableSet

__all__ = ["render_report", "write_report"]

_CSS = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #222;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #bbb; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; }
.subtitle { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; }
caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: .3rem; }
th, td { padding: .2rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 1px solid #222; }
table { border-top: 2px solid #222; border-bottom: 2px solid #222; }
.note { font-size: .85rem; color: #444; }
.warnings { border-left: 4px solid #b35900; background: #fff6ec; padding: .5rem 1rem; }
.warnings.none { border-left-color: #3a7d44; background: #f0f8f1; }
.severity-error { color: #a00000; font-weight: bold; }
.severity-warning { color: #b35900; font-weight: bold; }
.severity-info { color: #555; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: #444; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: .8rem; }
"""

_SVG_START = re.compile(r"<svg\b", re.IGNORECASE)


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def figure_svg(figure: Figure) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog or DOCTYPE; text as paths so that
    it renders the same without the fonts installed)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "sem_csat"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    match = _SVG_START.search(text)
    return text[match.start() :] if match else ""


def _facts(items: Iterable[tuple[str, object]]) -> str:
    rows = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    return f'<dl class="facts">{rows}</dl>'


def _warnings_section(diagnostics: Sequence[Diagnostic]) -> str:
    serious = [d for d in diagnostics if d.severity != "info"]
    notes = [d for d in diagnostics if d.severity == "info"]
    if serious:
        items = "".join(
            f'<li><span class="severity-{_esc(d.severity)}">{_esc(d.severity)}</span> '
            f"<code>{_esc(d.code)}</code>: {_esc(d.message)}</li>"
            for d in serious
        )
        body = (
            f'<div class="warnings"><p>{len(serious)} finding(s) to read before the results are '
            f"interpreted or published:</p><ul>{items}</ul></div>"
        )
    else:
        body = (
            '<div class="warnings none"><p>No warnings: the estimation raised no problem.</p></div>'
        )
    if notes:
        items = "".join(f"<li><code>{_esc(d.code)}</code>: {_esc(d.message)}</li>" for d in notes)
        body += f"<details><summary>Notes ({len(notes)})</summary><ul>{items}</ul></details>"
    return f'<section id="warnings"><h2>Warnings</h2>{body}</section>'


def _model_section(result: SEMResult, diagram: Diagram) -> str:
    spec = result.spec
    parts = ['<section id="model"><h2>Model</h2>']
    if spec.description:
        parts.append(f"<p>{_esc(spec.description)}</p>")
    panels = ""
    g = result.grouping
    if g is not None:
        panels = f" One panel per {g.noun}, each estimated on its own respondents."
        if "mga" in result.tables():
            panels += (
                f" † marks a path whose coefficient differs between {g.nouns} (permutation "
                "test, p &lt; .05)."
            )
    parts.append(
        f"<figure>{figure_svg(diagram.figure)}<figcaption>Path diagram of {_esc(spec.name)}: "
        "standardized coefficients; * p &lt; .05, ** p &lt; .01, *** p &lt; .001 where p-values "
        f"are available; dashed paths are not significant at .05.{panels}</figcaption></figure>"
    )
    rows = "".join(
        f"<tr><td>{_esc(c.name)}</td><td>{_esc(c.label or '')}</td><td>{_esc(c.mode)}</td>"
        f"<td>{_esc(', '.join(i.name for i in c.indicators))}</td></tr>"
        for c in spec.constructs
    )
    parts.append(
        "<table><caption>Constructs and their indicators</caption><thead><tr><th>Construct</th>"
        f"<th>Label</th><th>Mode</th><th>Indicators</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    parts.append("</section>")
    return "".join(parts)


def _data_section(result: SEMResult, info: Mapping[str, Any]) -> str:
    data = info.get("data", {}) if isinstance(info.get("data"), Mapping) else {}
    settings = info.get("settings", {}) if isinstance(info.get("settings"), Mapping) else {}
    n_total = data.get("n_total", result.data.n_total)
    n_used = data.get("n_used", result.n_obs)
    facts: list[tuple[str, object]] = [
        ("Source", data.get("source", "")),
        ("Respondents used", f"{n_used} of {n_total}"),
        ("Missing answers", settings.get("missing", "listwise")),
    ]
    na = settings.get("na_values")
    if na:
        facts.append(("Missing-value codes", ", ".join(str(v) for v in na)))
    imputed = {k: v for k, v in result.data.n_imputed.items() if v}
    if imputed:
        facts.append(
            (
                "Values replaced by the item mean",
                ", ".join(f"{k}: {v}" for k, v in imputed.items()),
            )
        )
    g = result.grouping
    if g is not None:
        facts.insert(2, (g.nouns.capitalize(), g.describe()))
    if data.get("sha256"):
        facts.append(("SHA-256 of the data file", data["sha256"]))
    return f'<section id="data"><h2>Data</h2>{_facts(facts)}</section>'


def _tables_section(section_id: str, title: str, tables: Sequence[Any]) -> str:
    if not tables:
        return ""
    body = "".join(t.to_html() for t in tables)
    return f'<section id="{section_id}"><h2>{_esc(title)}</h2>{body}</section>'


def _csi_section(tables: Sequence[Any], figures: Mapping[str, ResultFigure]) -> str:
    """The index and IPMA tables of the table set, and the result's own figures."""
    if not tables and not figures:
        return ""
    title = "Index scores and importance–performance map" if tables else "Figures"
    parts = [f'<section id="csi"><h2>{_esc(title)}</h2>']
    parts += [t.to_html() for t in tables]
    for figure in figures.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            drawing = figure.figure()
        parts.append(
            f"<figure>{figure_svg(drawing)}<figcaption>{_esc(figure.title)}.</figcaption></figure>"
        )
    parts.append("</section>")
    return "".join(parts)


def _groups_section(result: SEMResult, tables: Sequence[Any]) -> str:
    """Paths by group, MICOM, the multi-group analysis and the index by group."""
    g = result.grouping
    if g is None or not tables:
        return ""
    if "invariance" in result.tables() or result.method not in ("pls", "plsc"):
        intro = (
            f"The model was estimated jointly in all {g.nouns} ({_esc(g.describe())}) with a "
            "mean structure; the invariance ladder adds equality constraints across the "
            f"{g.nouns} level by level, and latent means are compared only where the item "
            "intercepts are equal (scalar invariance)."
        )
    elif result.boot is None:
        intro = (
            f"The model was estimated in each {g.noun} separately ({_esc(g.describe())}). "
            "MICOM, the multi-group analysis and the index comparison need the resampling "
            "(<code>result.bootstrap(n_boot, n_perm=...)</code>; on the command line "
            "<code>--bootstrap N --permutations N</code>)."
        )
    else:
        intro = (
            f"The model was estimated in each {g.noun} separately ({_esc(g.describe())}) and "
            f"compared by permutation and by bootstrapping each {g.noun}: first measurement "
            "invariance of the composites (MICOM), then the differences of the paths and of the "
            "index. A difference is interpretable only for constructs with compositional "
            "invariance."
        )
    body = f"<p>{intro}</p>" + "".join(t.to_html() for t in tables)
    title = f"{g.noun.capitalize()} comparison"
    return f'<section id="groups"><h2>{_esc(title)}</h2>{body}</section>'


def _metrics_section(tables: Sequence[Any], figures: Mapping[str, ResultFigure]) -> str:
    """NPS, CSAT, CES, Kano (with its map) and SERVQUAL, as the spec declares them."""
    if not tables:
        return ""
    parts = [
        '<section id="metrics"><h2>Survey metrics</h2>'
        "<p>The survey metrics the spec declares, computed on the respondents of the model.</p>"
    ]
    parts += [t.to_html() for t in tables]
    for figure in figures.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            drawing = figure.figure()
        parts.append(
            f"<figure>{figure_svg(drawing)}<figcaption>{_esc(figure.title)}.</figcaption></figure>"
        )
    parts.append("</section>")
    return "".join(parts)


def _reproducibility_section(info: Mapping[str, Any]) -> str:
    settings = info.get("settings", {})
    facts: list[tuple[str, object]] = [(str(k), v) for k, v in dict(settings).items()]
    if info.get("seed") is not None:
        facts.append(("seed", info["seed"]))
    if info.get("command"):
        facts.append(("command", " ".join(str(a) for a in info["command"])))
    versions = dict(info.get("versions", {}))
    body = _facts(facts) + "<h3>Versions</h3>" + _facts(versions.items())
    body += (
        "<details><summary>run.json</summary><pre>"
        f"{_esc(json.dumps(dict(info), indent=2, ensure_ascii=False, default=str))}</pre></details>"
    )
    return f'<section id="reproducibility"><h2>Settings and versions</h2>{body}</section>'


def render_report(
    result: SEMResult,
    info: Mapping[str, Any] | None = None,
    *,
    tables: TableSet | None = None,
    diagram: Diagram | None = None,
) -> str:
    """The complete HTML document of a fitted result.

    Parameters
    ----------
    result
        A fitted result of either engine (:class:`~sem_csat.contract.SEMResult`).  The
        Warnings section shows all its findings (``result.findings()``: the estimation's, the
        measurement-quality verdicts and the notes of its tables).
    info
        The run facts written to ``run.json`` (:func:`sem_csat.provenance.run_record`, made
        here when omitted); settings, data facts and versions come from it.
    tables, diagram
        The result's :func:`~sem_csat.tables.publication_tables` and
        :func:`~sem_csat.diagram.path_diagram` (double column) when the caller has them
        already; made here otherwise.

    Returns
    -------
    str
        A standalone HTML5 document.
    """
    from sem_csat.diagram import path_diagram
    from sem_csat.tables import publication_tables

    if info is None:
        from sem_csat.provenance import run_record

        info = run_record(result)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tableset = tables if tables is not None else publication_tables(result)
        diagram = diagram if diagram is not None else path_diagram(result, size="double")
        diagnostics = list(result.findings())
        figures = result.figures()
    groups: dict[str, list[Any]] = {"measurement": [], "structural": [], "fit": []}
    for table in tableset.tables:
        groups.setdefault(table.kind, []).append(table)
    method = result.method.upper()
    title = f"sem_csat report: {result.spec.name}"
    subtitle = f"{method} on {result.n_obs} respondents"
    if result.grouping is not None:
        subtitle += f" in {len(result.grouping.levels)} {result.grouping.nouns}"
    if info.get("created"):
        subtitle += f" · {info['created']}"
    sections = [
        _warnings_section(diagnostics),
        _model_section(result, diagram),
        _data_section(result, info),
        _tables_section("measurement", "Measurement quality", groups.get("measurement", [])),
        _tables_section("structural", "Structural model", groups.get("structural", [])),
        _tables_section("fit", "Model fit", groups.get("fit", [])),
        _groups_section(result, groups.get("groups", [])),
    ]
    metric_figures = {k: v for k, v in figures.items() if k == "kano"}
    other_figures = {k: v for k, v in figures.items() if k not in metric_figures}
    sections.append(_csi_section(groups.get("index", []), other_figures))
    sections.append(_metrics_section(groups.get("metrics", []), metric_figures))
    sections.append(_reproducibility_section(info))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{_esc(title)}</h1><p class="subtitle">{_esc(subtitle)}</p>'
        + "".join(sections)
        + "</body></html>\n"
    )


def write_report(
    result: SEMResult,
    out: str | Path,
    info: Mapping[str, Any] | None = None,
    *,
    tables: TableSet | None = None,
    diagram: Diagram | None = None,
) -> Path:
    """Write ``report.html`` into the folder ``out`` and return its path (arguments as in
    :func:`render_report`)."""
    path = Path(out) / "report.html"
    page = render_report(result, info, tables=tables, diagram=diagram)
    path.write_text(page, encoding="utf-8")
    return path
