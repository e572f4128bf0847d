// The message list opens at the newest message. Older pages load when the top sentinel scrolls into
// view (hx-trigger="intersect"); they are inserted above, so the scroll offset is moved by the height
// they added and what the reader was looking at stays put.
(function () {
  function list() { return document.getElementById('messages'); }
  function toBottom() { var l = list(); if (l) l.scrollTop = l.scrollHeight; }
  // Opened at a message (/chat/...?at=<id>): that bubble is centred and highlighted instead.
  function toFocus() {
    var l = list(), seq = l && l.getAttribute('data-focus-seq');
    var bubble = seq && l.querySelector('[data-seq="' + seq.replace(/\D/g, '') + '"]');
    if (!bubble) return toBottom();
    bubble.setAttribute('data-focus', '');
    bubble.scrollIntoView({ block: 'center' });
  }

  document.addEventListener('DOMContentLoaded', toFocus);
  document.addEventListener('htmx:afterSettle', function (e) {
    if (e.detail.elt && e.detail.elt.id === 'messages') toBottom();
  });

  var before = null;
  document.addEventListener('htmx:beforeSwap', function (e) {
    var l = list();
    if (l && e.detail.target && e.detail.target.matches('[data-older]')) before = { height: l.scrollHeight, top: l.scrollTop };
  });
  document.addEventListener('htmx:afterSwap', function () {
    var l = list();
    if (!l || !before) return;
    // An older page that ends on the day the list started with repeats that day's separator: keep only the first.
    var day = null;
    l.querySelectorAll('[data-day]').forEach(function (s) {
      if (s.getAttribute('data-day') === day) s.remove(); else day = s.getAttribute('data-day');
    });
    l.scrollTop = before.top + (l.scrollHeight - before.height);
    before = null;
  });
})();
