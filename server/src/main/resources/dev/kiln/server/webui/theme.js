// Runs before the page is painted (a classic script in <head>): applies the saved or the system's colour theme so
// the page never flashes the wrong one. app.js switches it later.
(function () {
  var saved = null;
  try {
    saved = localStorage.getItem('kiln.theme');
  } catch (e) {
    // storage refused (private mode): follow the system
  }
  var dark = saved ? saved === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
})();
