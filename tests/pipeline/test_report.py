"""Grade reports: one self-contained HTML file (and PDF) whose numbers are the JSON report's,
checked in a real browser (headless Chromium) and as a PDF (pdfinfo, pdftoppm)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from gradecli.cli.app import run
from gradecli.io.report import find_chromium
from tests.pipeline.test_match import cool, warm, write_clip

#: scripts/test.sh (CI) installs Chromium and poppler-utils and sets this: there a missing
#: browser fails the browser tests instead of skipping them.
REQUIRED = bool(os.environ.get("GRADECLI_REQUIRE_BROWSER"))


def _need(tool: str | None, what: str) -> str:
    if tool is None:
        if REQUIRED:
            pytest.fail(f"{what} is not installed (scripts/test.sh installs it)")
        pytest.skip(f"{what} is not installed")
    return tool


@pytest.fixture(scope="module")
def matched(tmp_path_factory) -> Path:
    """Two short clips of different scenes, matched with a report (HTML and PDF)."""
    d = tmp_path_factory.mktemp("report")
    a = write_clip(d / "a.mkv", [(0, 10), (2, 10)], cast=warm)
    b = write_clip(d / "b.mkv", [(1, 12)], cast=cool)
    out = d / "m"
    code = run(["-q", "match", str(a), str(b), "-o", str(out), "--codec", "ffv1",
                "--report", str(out.parent / "report.html")])
    assert code in (0, 1)
    return out


def _html(matched: Path) -> str:
    return (matched.parent / "report.html").read_text(encoding="utf-8")


def test_one_self_contained_file(matched):
    html = _html(matched)
    assert (matched.parent / "report.html").stat().st_size < 5_000_000
    srcs = re.findall(r'<img src="([^"]+)"', html)
    assert srcs and all(s.startswith("data:image/") for s in srcs)
    assert not re.search(r'(src|href)="(https?:|//)', html)  # no network
    assert "<script" not in html and "a.mkv" in html and "shot 2" in html


def test_numbers_are_the_json_report(matched):
    report = json.loads((matched / "match_report.json").read_text())
    html = _html(matched)
    pair = report["pairs"][0]
    key = "look_" if report["by"] == "look" else ""
    after = pair["rendered"] if pair["rendered"] is not None else pair[key + "after"]
    cells = re.findall(r"<td class=num>([^<]+)</td>", html)
    assert f"{pair[key + 'before']:.2f}" in cells and f"{after:.2f}" in cells
    assert f"{report['max_delta_e00_after']:.2f}" in html and f"{report['threshold']:g}" in html
    for clip in report["clips"]:
        for shot in clip["shots"]:
            assert Path(shot["lut"]).name in html
            assert shot["look_before"]["words"] in html


def test_report_later_from_the_json_gives_the_same_page(matched, tmp_path):
    again = tmp_path / "again.html"
    assert run(["-q", "report", str(matched / "match_report.json"), "-o", str(again)]) == 0
    # The same page but for the command line, the time it was made and the pictures' bytes (a
    # match has its LUTs in memory, the later report reads the .cube files: 10 decimals).
    strip = re.compile(r"<p class=sub>gradecli[^<]*</p>|<tr><td>created</td><td>[^<]*</td></tr>"
                       r'|src="data:[^"]*"')
    assert strip.sub("", again.read_text()) == strip.sub("", _html(matched))


def test_without_the_extra_it_fails_before_any_work(tmp_path, monkeypatch, capsys):
    import gradecli.pipeline.report as report_mod

    monkeypatch.setattr(report_mod, "have_matplotlib", lambda: False)
    a = write_clip(tmp_path / "a.mkv", [(0, 6)])
    b = write_clip(tmp_path / "b.mkv", [(1, 6)])
    out = tmp_path / "m"
    assert run(["match", str(a), str(b), "-o", str(out), "--report", str(tmp_path / "r.html")]) \
        == 2
    assert "pip install 'gradecli[report]'" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "r.html").exists()
    assert run(["verify", str(a), str(b), "--report", str(tmp_path / "r.txt")]) == 2


def test_grade_and_verify_reports(tmp_path, capsys):
    still = tmp_path / "s.png"
    yy, xx = np.mgrid[0:40, 0:60] / 60
    cv2.imwrite(str(still), (np.stack([1 - xx, yy, xx], -1) * 255).astype(np.uint8))
    assert run(["-q", "grade", str(still), "--prompt", "warm", "-o", str(tmp_path / "g.png"),
                "--report", str(tmp_path / "g.html")]) == 0
    assert "LUT g.cube" in (tmp_path / "g.html").read_text()
    a = write_clip(tmp_path / "a.mkv", [(0, 6)])
    assert run(["-q", "verify", str(a), str(still), "--report", str(tmp_path / "v.html")]) in (
        0, 1)
    assert "a.mkv" in (tmp_path / "v.html").read_text()


def test_opens_in_a_real_browser(matched, tmp_path):
    browser = _need(find_chromium(), "Chromium")
    page = tmp_path / "report.html"
    shutil.copy(matched.parent / "report.html", page)
    harness = tmp_path / "harness.html"
    harness.write_text(
        "<!DOCTYPE html><html><body><div id=result>pending</div>"
        '<iframe id=f src="report.html" style="width:1200px;height:800px"></iframe><script>'
        'document.getElementById("f").addEventListener("load", () => {'
        ' const d = document.getElementById("f").contentWindow.document;'
        " const imgs = Array.from(d.images);"
        ' document.getElementById("result").textContent = JSON.stringify({images: imgs.length,'
        " broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length,"
        " width: d.documentElement.scrollWidth}); });</script></body></html>"
    )
    base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}", "--allow-file-access-from-files",
            "--virtual-time-budget=10000", "--enable-logging=stderr", "--v=0"]
    res = subprocess.run([*base, "--dump-dom", harness.as_uri()], capture_output=True,
                         text=True, timeout=120)
    found = re.search(r'<div id="result">([^<]*)</div>', res.stdout)
    assert found, res.stderr[-2000:]
    result = json.loads(found.group(1))
    assert result["images"] >= 6 and result["broken"] == 0
    assert result["width"] <= 1200  # nothing overflows the page
    console = [line for line in res.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console
    shot = tmp_path / "shot.png"
    subprocess.run([*base, "--hide-scrollbars", f"--screenshot={shot}", "--window-size=390,900",
                    page.as_uri()], capture_output=True, timeout=120, check=True)
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (900, 390)  # a phone's width
    assert float(img.std()) > 10.0  # not blank


def test_pdf_opens_and_is_not_blank(matched, tmp_path):
    _need(find_chromium(), "Chromium")
    pdfinfo = _need(shutil.which("pdfinfo"), "pdfinfo (poppler-utils)")
    pdftoppm = _need(shutil.which("pdftoppm"), "pdftoppm (poppler-utils)")
    pdf = tmp_path / "report.pdf"
    assert run(["-q", "report", str(matched / "match_report.json"), "-o", str(pdf)]) == 0
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 1 <= pages <= 8 and "A4" in info
    subprocess.run([pdftoppm, "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = cv2.imread(str(next(tmp_path.glob("page*.png"))))
    assert page is not None and float(page.std()) > 10.0


def test_report_inside_the_output_folder_match_creates(tmp_path, capsys):
    # What scripts/demo.sh does on a fresh checkout: the report goes into -o's new folder.
    a = write_clip(tmp_path / "a.mkv", [(0, 6)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(1, 6)], cast=cool)
    out = tmp_path / "new"
    code = run(["-q", "match", str(a), str(b), "-o", str(out), "--codec", "ffv1",
                "--report", str(out / "report.html")])
    assert code in (0, 1)
    assert (out / "report.html").stat().st_size > 0
    # Any other folder that does not exist is still an error, before any work.
    elsewhere = tmp_path / "missing" / "r.html"
    assert run(["match", str(a), str(b), "-o", str(tmp_path / "n2"),
                "--report", str(elsewhere)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "n2").exists()
