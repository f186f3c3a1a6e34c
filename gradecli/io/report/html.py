"""The report as one self-contained HTML file: no network, no external files (pictures inlined as
data: URIs, styles inline), readable on a laptop and a phone, printable."""

from __future__ import annotations

import base64
import html
import os

from gradecli.io.files import write_atomic
from gradecli.io.report.model import ItemPart, PairRow, Picture, ReportData, ShotPart

__all__ = ["render_html", "write_html"]

_CSS = """
:root { --ink:#1d2127; --muted:#5d6673; --line:#d9dde3; --ok:#1f7a3a; --bad:#b3261e;
        --panel:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
       color:var(--ink); background:#fff; }
main { max-width:1100px; margin:0 auto; padding:20px 16px 48px; }
h1 { font-size:1.5rem; margin:0 0 4px; }
h2 { font-size:1.2rem; margin:28px 0 8px; border-bottom:1px solid var(--line); padding-bottom:4px; }
h3 { font-size:1rem; margin:16px 0 6px; }
.sub { color:var(--muted); margin:0 0 12px; overflow-wrap:anywhere; }
.verdict { display:inline-block; padding:6px 12px; border-radius:6px; font-weight:600;
           margin:8px 0; }
.pass { background:#e3f4e8; color:var(--ok); } .fail { background:#fbe4e2; color:var(--bad); }
.na { background:var(--panel); color:var(--muted); }
table { border-collapse:collapse; width:100%; font-size:0.9rem; margin:6px 0 10px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line);
         vertical-align:top; overflow-wrap:anywhere; }
th { background:var(--panel); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.item { border:1px solid var(--line); border-radius:8px; padding:12px; margin:14px 0; }
.paths { color:var(--muted); font-size:0.85rem; overflow-wrap:anywhere; margin:0 0 8px; }
.timeline { position:relative; height:18px; background:#e8ebef; border-radius:4px;
            margin:6px 0 14px; }
.timeline .cut { position:absolute; top:-3px; bottom:-3px; width:2px; background:var(--bad); }
.timeline .tick { position:absolute; top:20px; font-size:0.7rem; color:var(--muted);
                  transform:translateX(-50%); white-space:nowrap; }
.shots { display:flex; flex-wrap:wrap; gap:12px; }
.shot { flex:1 1 300px; max-width:100%; background:var(--panel); border-radius:6px; padding:8px;
        break-inside:avoid; }
.pics { display:flex; gap:6px; }
.pics figure { margin:0; flex:1 1 0; min-width:0; }
figure img { width:100%; height:auto; display:block; border-radius:3px; }
figcaption { font-size:0.75rem; color:var(--muted); margin-top:2px; }
.look { font-size:0.85rem; margin:6px 0 0; }
.lut { display:flex; gap:8px; align-items:center; margin-top:6px; font-size:0.8rem;
       color:var(--muted); overflow-wrap:anywhere; }
.lut img { width:140px; flex:none; }
.scopes img { max-width:100%; height:auto; }
.facts td:first-child { width:28%; color:var(--muted); }
.shot .facts td:first-child { width:1%; white-space:nowrap; }
.notes li { margin:4px 0; }
td.verdict-cell { white-space:nowrap; }
@media (max-width:600px) { body { font-size:14px; } table { font-size:0.8rem; }
  th, td { padding:4px 5px; } .timeline .tick { display:none; }
  .timeline + p.sub { margin-top:4px !important; } }
@page { size:A4; margin:12mm; }
@media print { main { max-width:none; padding:0; } .item { border-color:#bbb; }
               h2, h3, .timeline, .paths { break-after:avoid; } .scopes { break-inside:avoid; } }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _img(p: Picture | None, caption: str | None = None, css: str = "") -> str:
    if p is None:
        return ""
    uri = f"data:{p.mime};base64,{base64.b64encode(p.data).decode('ascii')}"
    img = f'<img src="{uri}" alt="{_e(p.alt)}"{f" class={css!r}" if css else ""}>'
    if caption is None:
        return img
    return f"<figure>{img}<figcaption>{_e(caption)}</figcaption></figure>"


def _num(v: float | None) -> str:
    return "&ndash;" if v is None else f"{v:.2f}"


def _verdict(passed: bool | None, text: str) -> str:
    css = "na" if passed is None else ("pass" if passed else "fail")
    return f'<div class="verdict {css}">{_e(text)}</div>'


def _pairs(rows: tuple[PairRow, ...], what: str) -> str:
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{_e(r.a)}</td><td>{_e(r.b)}</td><td class=num>{_num(r.before)}</td>"
        f"<td class=num>{_num(r.after)}</td><td class=verdict-cell>"
        + ("" if r.passed is None else ("PASS" if r.passed else "<b>FAIL</b>"))
        + "</td></tr>"
        for r in rows
    )
    return (f"<h2>Pairs</h2><p class=sub>{_e(what)}</p><table><thead><tr><th>a</th><th>b</th>"
            f"<th class=num>before</th><th class=num>after</th><th></th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _timeline(item: ItemPart) -> str:
    if not item.duration_s or item.duration_s <= 0:
        return ""
    d = item.duration_s
    marks = "".join(
        f'<div class=cut style="left:{100 * t / d:.2f}%" title="cut at {t:.2f} s"></div>'
        f'<div class=tick style="left:{100 * t / d:.2f}%">{t:.2f} s</div>'
        for t in item.cuts_s
    )
    at = (" at " + ", ".join(f"{t:.2f}" for t in item.cuts_s) + " s") if item.cuts_s else ""
    label = f"{d:.2f} s, {len(item.cuts_s)} cut(s){at}"
    return (f'<div class=timeline role="img" aria-label="time line: {_e(label)}">{marks}</div>'
            f'<p class=sub style="margin-top:18px">{_e(label)}</p>')


def _shot(s: ShotPart) -> str:
    pics = ""
    if s.before is not None or s.after is not None:
        pics = f"<div class=pics>{_img(s.before, 'before')}{_img(s.after, 'after')}</div>"
    look = ""
    if s.look_before or s.look_after:
        look = (f"<p class=look>look: {_e(s.look_before or '-')} &rarr; "
                f"{_e(s.look_after or '-')}</p>")
    lut = ""
    if s.lut or s.lut_plot is not None:
        lut = f"<div class=lut>{_img(s.lut_plot)}<span>LUT {_e(s.lut or '')}</span></div>"
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in s.rows)
    table = f"<table class=facts><tbody>{rows}</tbody></table>" if rows else ""
    return f"<div class=shot><h3>{_e(s.title)}</h3>{pics}{look}{lut}{table}</div>"


def _item(item: ItemPart) -> str:
    paths = _e(item.path) + (f" &rarr; {_e(item.output)}" if item.output else "")
    lines = "".join(f"<p class=look>{_e(line)}</p>" for line in item.lines)
    scopes = (f"<h3>CIELAB scopes</h3><div class=scopes>{_img(item.scopes)}</div>"
              if item.scopes is not None else "")
    if item.luts is not None:
        scopes += (f"<h3>LUTs on a neutral ramp (output R'G'B' against input grey)</h3>"
                   f"<div class=scopes>{_img(item.luts)}</div>")
    shots = "".join(_shot(s) for s in item.shots)
    return (f"<section class=item><h2>{_e(item.name)}</h2><p class=paths>{paths}</p>{lines}"
            f"{_timeline(item)}<div class=shots>{shots}</div>{scopes}</section>")


def render_html(data: ReportData) -> str:
    """The report as one HTML document (str)."""
    facts = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in data.facts)
    failures = "".join(f"<li><b>{_e(p)}</b>: {_e(e)}</li>" for p, e in data.failures)
    notes = "".join(f"<li>{_e(n)}</li>" for n in data.notes)
    return "".join([
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        '<meta name=viewport content="width=device-width, initial-scale=1">',
        f"<title>{_e(data.title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(data.title)}</h1><p class=sub>{_e(data.command)}</p>",
        _verdict(data.passed, data.verdict),
        f"<ul class=notes>{notes}</ul>" if notes else "",
        f"<h2>Failures</h2><ul>{failures}</ul>" if failures else "",
        _pairs(data.pairs, data.what),
        "".join(_item(i) for i in data.items),
        f"<h2>Run</h2><table class=facts><tbody>{facts}</tbody></table>" if facts else "",
        "</main></body></html>\n",
    ])


def write_html(data: ReportData, path: str | os.PathLike) -> None:
    """Write the report to ``path`` atomically."""
    write_atomic(path, render_html(data).encode("utf-8"))
