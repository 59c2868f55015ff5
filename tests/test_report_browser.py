"""report.html in a real browser: it renders, fetches nothing, and its diagram text is ≥ 9 px.

Headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it) loads a copy of the report
with a probe script appended; the script records what the page loaded
(``performance.getEntriesByType('resource')``), the headings, and the on-screen size of every
text in the path diagram.  matplotlib writes text as glyph paths in a group scaled by
``fontsize / 100`` (``svg.fonttype = 'path'``), so a text's rendered em size in CSS pixels is
100 times the scale of that group's screen transformation matrix.  The network is cut off
(every host name resolves to nothing), so a reference to anything outside the file would show
up as a failed resource.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest

import sem_csat
from sem_csat.errors import SemCsatWarning
from sem_csat.report import write_report

#: Smallest diagram text, in CSS pixels, at a desktop window width (issue 13).
MIN_TEXT_PX = 9.0

PROBE = """<script>
(function () {
  var out = {resources: performance.getEntriesByType("resource").map(function (e) {
    return e.name; })};
  var svg = document.querySelector("#model svg");
  var sizes = [];
  if (svg) {
    var box = svg.getBoundingClientRect();
    out.svg_px = [box.width, box.height];
    svg.querySelectorAll("g").forEach(function (g) {
      var glyphs = Array.prototype.filter.call(g.children, function (c) {
        var ref = c.getAttribute("xlink:href") || c.getAttribute("href") || "";
        return c.tagName === "use" && ref.charAt(0) === "#" && !/^#m[0-9a-f]{8,}$/.test(ref);
      });
      if (!glyphs.length) return;
      var m = g.getScreenCTM();
      sizes.push(100 * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)));
    });
  }
  out.text_px = sizes;
  out.headings = Array.prototype.map.call(document.querySelectorAll("h1, h2"),
    function (h) { return h.textContent; });
  var pre = document.createElement("pre");
  pre.id = "sem-csat-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium); .ci/run installs it",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        result = sem_csat.fit("ecsi", sem_csat.datasets.load("ecsi_mobile"))
        return write_report(result, tmp_path_factory.mktemp("report"))


def _render(page: Path, width: int) -> tuple[dict[str, Any], str]:
    """Load ``page`` in headless Chromium without network; the probe's record and the log."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--window-size={width},1000",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    match = re.search(r'<pre id="sem-csat-probe">(.*?)</pre>', done.stdout, re.S)
    assert match is not None, f"the page did not render: {done.stderr[-2000:]}"
    return json.loads(html.unescape(match.group(1))), done.stderr


def test_report_references_nothing_outside_the_file(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<link" not in page
    assert "@import" not in page
    refs = re.findall(r"""\b(?:src|href|xlink:href|action|poster)\s*=\s*["']([^"']*)""", page)
    outside = [r for r in refs if not r.startswith("#")]
    assert outside == []
    assert re.findall(r"url\(\s*['\"]?(?!#)", page) == []


def test_report_renders_offline_with_legible_diagram_text(report: Path, tmp_path: Path) -> None:
    page = tmp_path / "probed.html"
    text = report.read_text(encoding="utf-8")
    assert text.count("</body>") == 1
    page.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    probe, log = _render(page, width=1280)
    assert probe["headings"][0] == "sem_csat report: ECSI"
    for heading in ("Warnings", "Model", "Data", "Measurement quality", "Structural model"):
        assert heading in probe["headings"]
    assert probe["resources"] == []  # nothing fetched, not even from the local disk
    assert "ERR_NAME_NOT_RESOLVED" not in log
    # the diagram is drawn, at its print width or wider, with every text at 9 px or more
    width, height = probe["svg_px"]
    assert width > 400
    assert height > 50
    sizes = probe["text_px"]
    assert len(sizes) >= 20  # 7 construct names and 12 coefficients at least
    assert min(sizes) >= MIN_TEXT_PX, sorted(sizes)[:5]
    assert report.read_text(encoding="utf-8") == text  # the report itself is untouched
