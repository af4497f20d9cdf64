"""The page's address and the browser's print dialog, which the kernel cannot reach: a small anywidget.

The dashboard writes the view it shows as a query string (``apps/view_state.py``);
this widget puts it in the address bar without reloading (``history.replaceState``),
so a reload or a sent link opens the same view. Its two buttons copy that link and
print the page (the print style sheet is in the dashboard's Voila template).
It also keeps the charts' brush rectangles out of screen readers' way.
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

function render({ model, el }) {
  const charts = new MutationObserver(() => hideBrushes(document));
  charts.observe(document.body, { childList: true, subtree: true });
  hideBrushes(document);
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
  return () => charts.disconnect();
}

export default { render };
"""


class PageBridge(anywidget.AnyWidget):
    """The address bar's query (``query``, without the ``?``) and the page's Copy link and Print buttons."""

    _esm = _ESM
    query = traitlets.Unicode("").tag(sync=True)
