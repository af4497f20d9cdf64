// Stands in for MathJax under the Jupyter server route and in the slides: the pages have
// no formulas, and must not fetch MathJax from a CDN. Typesetting does nothing.
window.MathJax = window.MathJax || {
  Hub: {
    Config() {}, Configured() {}, Queue() {}, Register: { StartupHook() {} },
    getAllJax: () => [], Rerender() {}, // asked by reveal.js on every slide change
  },
  startup: { promise: Promise.resolve(), defaultReady() {} },
  typesetPromise: () => Promise.resolve(),
  typesetClear() {},
  typeset() {},
};
