// Runs before the first paint (a classic script in <head>): applies the saved theme so that a dark-theme user
// never sees a white flash. "system" (the default) follows the operating system and its changes.
(function () {
  var saved = null;
  try { saved = localStorage.getItem('hearth.theme'); } catch (e) { /* storage disabled */ }
  var dark = window.matchMedia('(prefers-color-scheme: dark)');
  function apply() {
    var choice = saved === 'light' || saved === 'dark' ? saved : 'system';
    var theme = choice === 'system' ? (dark.matches ? 'dark' : 'light') : choice;
    document.documentElement.dataset.theme = theme;
    document.documentElement.dataset.themeChoice = choice;
  }
  apply();
  dark.addEventListener('change', function () {
    try { saved = localStorage.getItem('hearth.theme'); } catch (e) { /* storage disabled */ }
    apply();
  });
  window.hearthSetTheme = function (choice) {
    saved = choice;
    try { localStorage.setItem('hearth.theme', choice); } catch (e) { /* storage disabled */ }
    apply();
  };
})();
