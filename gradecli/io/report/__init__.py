"""Grade reports for people: one self-contained HTML page (and its PDF print)."""

from gradecli.io.report.html import render_html, write_html
from gradecli.io.report.model import ItemPart, PairRow, Picture, ReportData, ShotPart
from gradecli.io.report.pdf import find_chromium, write_pdf
from gradecli.io.report.plots import have_matplotlib, jpeg, lut_ramps_png, scopes_png

__all__ = ["ItemPart", "PairRow", "Picture", "ReportData", "ShotPart", "find_chromium",
           "have_matplotlib", "jpeg", "lut_ramps_png", "render_html", "scopes_png",
           "write_html", "write_pdf"]
