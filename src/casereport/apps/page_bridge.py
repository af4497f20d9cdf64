"""The page's address and the browser's print dialog, which the kernel cannot reach: a small anywidget.

The dashboard writes the view it shows as a query string (``apps/view_state.py``);
this widget puts it in the address bar without reloading (``history.replaceState``),
so a reload or a sent link opens the same view. Its two buttons copy that link and
print the page (the print style sheet is in the dashboard's Voila template).
It also keeps the charts' brush rectangles out of screen readers' way, and tells Vega
when a chart's container changes width (Vega itself listens only to the window).
The script is inline: nothing is fetched from another host.
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = """
function button(text, title, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'jupyter-button widget-button casereport-action';
  b.textContent = text;
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

// The brush's rectangles are drawn as unlabelled graphics; the range they show is in the
// From/To inputs and the summary, so screen readers skip them (axe: svg-img-alt).
function hideBrushes(root) {
  for (const g of root.querySelectorAll('g.mark-rect[class*="_brush"]:not([aria-hidden])')) {
    g.setAttribute('aria-hidden', 'true');
  }
}

// Vega reads its container's width when it first draws and again on a window resize.
// A chart drawn before the page is laid out would stay 0 px wide, and a column that
// changes width without the window would not redraw: say "resize" when a chart's box does.
const widths = new WeakMap();
let pending = 0;
const resized = new ResizeObserver(entries => {
  let changed = false;
  for (const entry of entries) {
    // A chart being replaced leaves the page (width 0): nothing to redraw, and its view is going.
    if (!entry.target.isConnected) { resized.unobserve(entry.target); continue; }
    const width = Math.round(entry.contentRect.width);
    if (width > 0 && widths.get(entry.target) !== width) { widths.set(entry.target, width); changed = true; }
  }
  if (changed) {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => window.dispatchEvent(new Event('resize')));
  }
});

function watchCharts(root) {
  for (const chart of root.querySelectorAll('.casereport-chart')) {
    if (!widths.has(chart)) { widths.set(chart, -1); resized.observe(chart); }
  }
}

// A view may also be made after its container was measured (a slow page): when a chart's
// drawing is far narrower than its container, Vega read a width of 0; ask again, a few times.
const fits = new WeakMap();
let fitting = 0;
function fitCharts(root) {
  for (const chart of root.querySelectorAll('.casereport-chart')) {
    const svg = chart.querySelector('svg');
    const tries = fits.get(chart) || 0;
    if (!svg || !chart.clientWidth || tries >= 5 || fitting) continue;
    if (svg.getBoundingClientRect().width < 0.5 * chart.clientWidth) {
      fits.set(chart, tries + 1);
      fitting = requestAnimationFrame(() => { fitting = 0; window.dispatchEvent(new Event('resize')); });
    }
  }
}

function render({ model, el }) {
  const charts = new MutationObserver(() => { hideBrushes(document); watchCharts(document); fitCharts(document); });
  charts.observe(document.body, { childList: true, subtree: true });
  hideBrushes(document);
  watchCharts(document);
  el.classList.add('casereport-page-actions');
  const status = document.createElement('span');
  status.className = 'casereport-note';
  status.setAttribute('role', 'status');
  const show = () => {
    const query = model.get('query');
    const url = window.location.pathname + (query ? '?' + query : '') + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(window.history.state, '', url);
    }
  };
  model.on('change:query', show);
  show();
  const copy = button('Copy link to this view', 'The address keeps the range, staging, analytes and scales', () => {
    const done = () => { status.textContent = 'Link copied.'; };
    const shown = () => { status.textContent = window.location.href; };
    if (navigator.clipboard) { navigator.clipboard.writeText(window.location.href).then(done, shown); } else { shown(); }
  });
  const print = button('Print summary', 'One or two A4 pages: header, charts, imaging, adverse events, source', () => window.print());
  el.append(copy, print, status);
  // The page is drawn: Python may now add what only a printout needs.
  model.set('rendered', true);
  model.save_changes();
  return () => charts.disconnect();
}

export default { render };
"""


class PageBridge(anywidget.AnyWidget):
    """The address bar's query (``query``, without the ``?``), the page's Copy link and Print buttons,
    and word (``rendered``) that the page is drawn."""

    _esm = _ESM
    query = traitlets.Unicode("").tag(sync=True)
    rendered = traitlets.Bool(False).tag(sync=True)  # set by the page once it is drawn
