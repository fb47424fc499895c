"""``report.html`` of ``imbweight compare``: self-contained, and it opens.

One run of the command, with boosting strategies and a cost matrix; the page
is then checked as a file (its figures embedded, nothing fetched) and in a
real browser: Debian's Chromium, headless, which CI installs (``.ci/run``).
"""

import base64
import io
import os
import re
import shutil
import subprocess
import sys
from html import unescape

import pytest

from imbweight._compare import _plots
from imbweight.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Marks the page once it has loaded: whether every image decoded, and how
# many errors (a script error, or an image or other resource that failed)
# happened on the way.
PROBE = """<script>
let failures = 0;
window.addEventListener("error", () => { failures += 1; }, true);
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const decoded = images.filter((i) => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.probe = `images ${decoded}/${images.length} errors ${failures}`;
});
</script>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    costs = folder / "costs.csv"
    costs.write_text("truth \\ decision,0,1\n0,0,1\n1,10,0\n")
    argv = ["compare", "--dataset", "glass5", "--cv", "3", "--repeats", "1"]
    argv += ["--strategies", "logreg,balanced,lightgbm,lightgbm+focal(gamma=2)"]
    argv += ["--cost-matrix", costs, "--out", folder / "out"]
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", stdout)
        patch.setattr(sys, "stderr", stderr)
        code = main([str(arg) for arg in argv])
    assert code == 0, stderr.getvalue()
    return folder / "out" / "report.html"


def test_report_embeds_its_figures_and_fetches_nothing(report):
    html = report.read_text(encoding="utf-8")
    images = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)"', html)
    assert [unescape(alt) for alt, _ in images] == list(_plots.FIGURES.values())
    for (_, data), name in zip(images, _plots.FIGURES, strict=True):
        png = base64.b64decode(data, validate=True)
        # The very file beside the report.
        assert png.startswith(PNG_MAGIC)
        assert png == (report.parent / name).read_bytes()
    # Nothing outside the file: every src or href is a data URI.
    assert re.findall(r'(?:src|href)="(?!data:)', html) == []
    assert "<script" not in html
    # The table, the costs and the strategies of both families.
    assert html.count("<table>") == 1
    assert "expected cost" in html and "lightgbm+focal(gamma=2)" in html
    assert 'class="recommended"' in html


def _chromium():
    path = shutil.which("chromium")
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}, and CI installs it")
        pytest.skip(message)
    return path


def test_report_opens_in_headless_chromium(report, tmp_path):
    chromium = _chromium()
    page = tmp_path / "probe.html"
    html = report.read_text(encoding="utf-8")
    page.write_text(html.replace("</body>", f"{PROBE}</body>"), encoding="utf-8")
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert 'data-probe="images 3/3 errors 0"' in dom, result.stderr[-2000:]
    assert "<table>" in dom and "Recommended: " in dom
    # Messages the page writes to the console, an error among them, would
    # be logged as CONSOLE lines.
    assert "CONSOLE" not in result.stderr
