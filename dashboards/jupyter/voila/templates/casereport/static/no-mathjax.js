// Stands in for MathJax under the Jupyter server route: the dashboard has no
// formulas, and the page must not fetch MathJax from a CDN. Typesetting does nothing.
window.MathJax = window.MathJax || {
  Hub: { Config() {}, Configured() {}, Queue() {}, Register: { StartupHook() {} } },
  startup: { promise: Promise.resolve(), defaultReady() {} },
  typesetPromise: () => Promise.resolve(),
  typesetClear() {},
  typeset() {},
};
