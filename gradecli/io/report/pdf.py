"""The report as PDF: the HTML page printed by headless Chromium (the engine the report's
browser test runs in, so the PDF looks like the page; no extra Python package with native
libraries to install)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from gradecli.errors import BadInputError, GradeError
from gradecli.io.video import temp_path_for

__all__ = ["CHROMIUM_NAMES", "find_chromium", "write_pdf"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The path of a Chromium-family browser (``GRADECLI_CHROMIUM`` first), or None."""
    env = os.environ.get("GRADECLI_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(html_text: str, path: str | os.PathLike, timeout_s: float = 120.0) -> None:
    """Print ``html_text`` to the PDF ``path`` (A4, backgrounds, no header or footer),
    atomically. Raises BadInputError when no Chromium is installed, GradeError when it fails."""
    browser = find_chromium()
    if browser is None:
        raise BadInputError("--report FILE.pdf needs Chromium (apt-get install chromium); "
                            "--report FILE.html needs nothing more")
    target = Path(path)
    tmp = temp_path_for(target)
    with tempfile.TemporaryDirectory(prefix="gradecli-report-") as d:
        page = Path(d) / "report.html"
        page.write_text(html_text, encoding="utf-8")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               f"--user-data-dir={d}/profile", "--no-pdf-header-footer",
               "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000",
               f"--print-to-pdf={tmp}", page.as_uri()]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except (OSError, subprocess.TimeoutExpired) as e:
            tmp.unlink(missing_ok=True)
            raise GradeError(f"{target}: Chromium could not print the report ({e})") from e
    if res.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        tail = (res.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise GradeError(f"{target}: Chromium could not print the report ({tail[0]})")
    os.replace(tmp, target)
