// Dark mode toggle. The first paint is already right: the nonce'd bootstrap in <head> (_Layout.cshtml)
// sets the `dark` class from localStorage or the system before any CSS applies. This file only
// handles the toggle, system changes, and other tabs (the `storage` event fires in every other tab).
(function () {
  var key = 'theme';
  var media = window.matchMedia('(prefers-color-scheme: dark)');

  function stored() {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }
  function apply() {
    var choice = stored();
    var dark = choice === 'dark' || (choice !== 'light' && media.matches);
    document.documentElement.classList.toggle('dark', dark);
    document.querySelectorAll('[data-theme-toggle]').forEach(function (b) {
      b.setAttribute('aria-pressed', dark ? 'true' : 'false');
    });
  }

  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('[data-theme-toggle]');
    if (!button) return;
    var dark = !document.documentElement.classList.contains('dark');
    try { localStorage.setItem(key, dark ? 'dark' : 'light'); } catch (err) { /* private mode: this tab only */ }
    apply();
  });
  window.addEventListener('storage', function (e) { if (e.key === key) apply(); });
  media.addEventListener('change', apply);
  apply();
})();

// The server renders every time (bubbles, list rows, date separators), so it needs the reader's time zone:
// the IANA name goes in the "tz" cookie (ViewerTime.cs). Without JavaScript, times are UTC.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || document.cookie.split('; ').indexOf('tz=' + zone) >= 0) return;
    document.cookie = 'tz=' + zone + '; path=/; max-age=31536000; samesite=lax' + (location.protocol === 'https:' ? '; secure' : '');
  } catch (e) { /* no Intl: UTC */ }
})();
