// Runs before the first paint (a plain script in <head>, allowed by the
// server's CSP as 'self'): sets <html data-theme> from the choice saved by
// the header's toggle, else from the OS, so the page never flashes the wrong
// theme. use-theme.ts keeps the same rule afterwards; keep the two in step.
(function () {
  var choice = null;
  try {
    choice = localStorage.getItem('cadre.theme');
  } catch {
    // Storage disabled: follow the OS.
  }
  var light =
    choice === 'light' ||
    (choice !== 'dark' && window.matchMedia('(prefers-color-scheme: light)').matches);
  document.documentElement.dataset.theme = light ? 'light' : 'dark';
})();
