"""The "Wire partitions" page: an inline-SVG bar chart of stories per hour and the table beneath.

Pure rendering of an `ingest.partitions_report.Report` to one self-contained HTML document (no
scripts, no external assets), so the Airflow plugin only has to fetch the report and return this.
"""

from __future__ import annotations

from html import escape

from ingest.partitions_report import HourRow, Report

_WIDTH = 960
_HEIGHT = 220
_PAD_LEFT = 44
_PAD_BOTTOM = 28
_PAD_TOP = 12

_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:16px;color:#1f2933;background:#fff}
h1{font-size:20px;margin:0 0 4px} p.sub{margin:0 0 12px;color:#52606d}
.totals span{display:inline-block;margin-right:18px} .totals b{font-size:18px}
svg{border:1px solid #e4e7eb;background:#fbfcfd;margin:10px 0}
table{border-collapse:collapse;font-size:13px;min-width:720px}
th,td{padding:3px 10px;border-bottom:1px solid #e4e7eb;text-align:right}
th:first-child,td:first-child,th:last-child,td.src{text-align:left}
tr.gap td{color:#9aa5b1;background:#fdf3f2} tr.spike td.q{color:#c81e1e;font-weight:600}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
"""


def _spike_threshold(rows: tuple[HourRow, ...]) -> int:
    """Quarantine counts above this are spikes: above 2, and above twice the median of landed hours."""
    counts = sorted(r.quarantined for r in rows if r.present)
    median = counts[len(counts) // 2] if counts else 0
    return max(2, 2 * median)


def chart_svg(report: Report) -> str:
    """The bar chart: stories (blue) with quarantined (red) stacked on top; gaps as grey hatched columns."""
    rows = report.rows
    n = max(1, len(rows))
    top = max([r.stories + r.quarantined for r in rows] + [1])
    plot_w = _WIDTH - _PAD_LEFT - 8
    plot_h = _HEIGHT - _PAD_BOTTOM - _PAD_TOP
    step_w = plot_w / n
    bar_w = max(1.0, step_w * 0.8)
    base = _HEIGHT - _PAD_BOTTOM
    spike = _spike_threshold(rows)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="chart" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label="stories per hour">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eceff1"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#b0bec5" stroke-width="3"/></pattern></defs>',
        f'<line x1="{_PAD_LEFT}" y1="{base}" x2="{_WIDTH - 8}" y2="{base}" stroke="#9aa5b1"/>',
        f'<text x="{_PAD_LEFT - 6}" y="{_PAD_TOP + 10}" font-size="11" text-anchor="end">{top}</text>',
        f'<text x="{_PAD_LEFT - 6}" y="{base}" font-size="11" text-anchor="end">0</text>',
    ]
    for i, r in enumerate(rows):
        x = _PAD_LEFT + i * step_w + (step_w - bar_w) / 2
        label = f"{r.hour:%Y-%m-%d %H}:00"
        if r.gap:
            out.append(
                f'<rect class="gap" x="{x:.1f}" y="{_PAD_TOP}" width="{bar_w:.1f}" height="{plot_h}" '
                f'fill="url(#hatch)"><title>{label}: gap (no manifest)</title></rect>'
            )
            continue
        h_s = plot_h * r.stories / top
        h_q = plot_h * r.quarantined / top
        out.append(
            f'<rect class="stories" x="{x:.1f}" y="{base - h_s:.1f}" width="{bar_w:.1f}" height="{h_s:.1f}" '
            f'fill="#3e7bfa"><title>{label}: {r.stories} stories</title></rect>'
        )
        if r.quarantined:
            colour = "#c81e1e" if r.quarantined > spike else "#f29b9b"
            out.append(
                f'<rect class="quarantine" x="{x:.1f}" y="{base - h_s - h_q:.1f}" width="{bar_w:.1f}" '
                f'height="{h_q:.1f}" fill="{colour}"><title>{label}: {r.quarantined} quarantined'
                f"</title></rect>"
            )
    # labels on clock hours that divide the day (every 1, 2, 3, 6, 12 or 24 h: about 12 in all),
    # so midnight always gets one and two labels never share a spot
    step = next((h for h in (1, 2, 3, 6, 12) if n / h <= 12), 24)
    for i, r in enumerate(rows):
        if r.hour.hour % step == 0:
            x = _PAD_LEFT + i * step_w
            label = f"{r.hour:%m-%d}" if r.hour.hour == 0 else f"{r.hour:%H}h"
            out.append(f'<text x="{x:.1f}" y="{_HEIGHT - 8}" font-size="11">{label}</text>')
    out.append("</svg>")
    return "".join(out)


def _row_html(r: HourRow, spike: int) -> str:
    classes = "gap" if r.gap else ("spike" if r.quarantined > spike else "")
    if r.gap:
        cells = ["—"] * 5 + ["gap: no manifest"]
    else:
        sources = ", ".join(f"{escape(k)} {v}" for k, v in sorted(r.sources.items()))
        if r.note:
            sources = f"{sources} ({escape(r.note)})" if sources else escape(r.note)
        cells = [str(r.stories), str(r.quarantined), str(r.superseded), str(r.parts), f"{r.bytes:,}", sources]
    tds = "".join(
        f'<td class="{c}">{v}</td>' for c, v in zip(("s", "q", "v", "p", "b", "src"), cells, strict=True)
    )
    return f'<tr class="{classes}"><td>{r.hour:%Y-%m-%d %H}:00</td>{tds}</tr>'


def render_page(report: Report, *, bucket: str) -> str:
    """The whole HTML page for `report`."""
    spike = _spike_threshold(report.rows)
    rows = "\n".join(_row_html(r, spike) for r in reversed(report.rows))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wire partitions</title><style>{_STYLE}</style></head>
<body>
<h1>Wire partitions</h1>
<p class="sub">{escape(bucket)} · {report.start:%Y-%m-%d %H}:00 → {report.end:%Y-%m-%d %H}:00 UTC ·
{len(report.rows)} hours, from the partitions' <code>_manifest.json</code></p>
<div class="totals"><span><b id="total-stories">{report.stories}</b> stories</span>
<span><b id="total-quarantined">{report.quarantined}</b> quarantined</span>
<span><b id="total-superseded">{report.superseded}</b> versions superseded</span>
<span><b id="total-gaps">{report.gaps}</b> gaps</span></div>
<div class="legend"><i style="background:#3e7bfa"></i>stories<i style="background:#f29b9b"></i>quarantined
<i style="background:#c81e1e"></i>quarantine spike<i style="background:#b0bec5"></i>gap (no manifest)</div>
{chart_svg(report)}
<table id="partitions"><thead><tr><th>hour (UTC)</th><th>stories</th><th>quarantined</th>
<th>superseded</th><th>parts</th><th>bytes</th><th>sources</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""
