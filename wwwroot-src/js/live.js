// The live chat screen over the htmx ws extension (/chat/socket). The server pushes HTML fragments as
// out-of-band swaps; bubbles come as "beforeend:#messages" and are placed here by seq, replacing a bubble of
// the same id (the optimistic one, or one already shown), so a message never appears twice. On every
// (re)connect the page asks for what it missed after its last seq; while visible it reports what it has read.
(function () {
  var socket = null;
  var wrapper = null;
  var typingSentAt = 0;

  function stored() { return document.querySelectorAll('#messages [id^="message_"]'); }
  // Changes (edits, reactions, deletes) take seqs of their own: the page has seen the highest it applied, too.
  var changedUpTo = 0;
  function lastSeq() {
    var max = changedUpTo;
    stored().forEach(function (b) {
      var s = Math.max(parseInt(b.getAttribute('data-seq'), 10) || 0, parseInt(b.getAttribute('data-changed-seq'), 10) || 0);
      if (s > max) max = s;
    });
    return max;
  }
  function send(frame) { if (socket) socket.send(JSON.stringify(frame), document.body); }
  function reportRead() {
    if (document.visibilityState !== 'visible' || !document.getElementById('messages')) return;
    var seq = lastSeq();
    if (seq > 0) send({ type: 'read', seq: seq });
  }

  document.addEventListener('htmx:wsOpen', function (e) {
    socket = wrapper = e.detail.socketWrapper;
    if (document.getElementById('messages')) send({ type: 'sync', after: lastSeq() });
  });
  // 4401: the session ended (logged out everywhere, password changed, account removed). Reloading lets the server
  // decide where this tab belongs now: the sign-in page.
  document.addEventListener('htmx:wsClose', function (e) {
    socket = null;
    if (e.detail.event && e.detail.event.code === 4401) window.location.reload();
  });
  // Back online: a socket from before may be half-dead without knowing it; reconnect now (and sync) rather than wait.
  window.addEventListener('online', function () { if (wrapper) wrapper.reconnect(); });
  document.addEventListener('htmx:wsAfterMessage', reportRead);
  document.addEventListener('visibilitychange', reportRead);

  // Ticks only move forward: a receipt can overtake the bubble it belongs to (the POST's answer, the socket's copy),
  // so a tick that found no bubble waits here, and a bubble swapped in never shows an older tick than the page had.
  var rank = { sent: 0, delivered: 1, read: 2 };
  var lateTicks = {};
  function keepNewestTicks(bubble, old) {
    var ticks = bubble.querySelector('[id^="ticks_"]');
    if (!ticks) return;
    var candidates = [lateTicks[ticks.id], old && old.querySelector('[id^="ticks_"]')];
    candidates.forEach(function (c) {
      if (c && c.id === ticks.id && rank[c.getAttribute('data-delivery')] > rank[ticks.getAttribute('data-delivery')]) {
        var copy = c.cloneNode(true);
        ticks.replaceWith(copy);
        ticks = copy;
      }
    });
    delete lateTicks[ticks.id];
  }
  document.addEventListener('htmx:oobErrorNoTarget', function (e) {
    var el = e.detail && e.detail.content;
    if (el && el.id && el.id.indexOf('ticks_') === 0) {
      var prev = lateTicks[el.id];
      if (!prev || rank[el.getAttribute('data-delivery')] > rank[prev.getAttribute('data-delivery')]) lateTicks[el.id] = el.cloneNode(true);
    }
  });

  // A tick already there is not replaced by an older one: the "delivered" and the "read" receipt of a message are
  // published by different requests, and the later mark's event can arrive first.
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var d = e.detail;
    var ticks = d.fragment && d.fragment.firstElementChild;
    if (!d.target || !ticks || !ticks.id || ticks.id.indexOf('ticks_') !== 0) return;
    if (rank[d.target.getAttribute('data-delivery')] > rank[ticks.getAttribute('data-delivery')]) d.shouldSwap = false;
  });

  // A list row (after a message on the socket, or a newcomer on the SSE stream) comes as "afterbegin:#conversation-list":
  // its old copy goes first, so the row moves to the top instead of appearing twice (a newcomer's, below the conversations). While a search shows its
  // results, a row already there is updated in place and no other is added. A row that targets itself (after an edit
  // or a delete) is swapped where it is.
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var d = e.detail;
    var row = d.fragment && d.fragment.firstElementChild;
    if (!d.target || d.target.id !== 'conversation-list' || !row || !row.id || row.id.indexOf('conversation_') !== 0) return;
    var existing = document.getElementById(row.id);
    var search = document.getElementById('directory-search');
    if (search && search.value.trim() !== '') {
      d.shouldSwap = false;
      if (existing) { existing.replaceWith(row); htmx.process(row); }
      return;
    }
    if (existing) existing.remove();
    var empty = d.target.querySelector('[data-empty]');
    if (empty) empty.remove();
    // A newcomer (a person, no conversation yet) goes where a reload would put them: first below the conversations.
    if (row.getAttribute('data-row') === 'person') {
      d.shouldSwap = false;
      d.target.insertBefore(row, d.target.querySelector(':scope > [data-row="person"]'));
      row.removeAttribute('hx-swap-oob');
      htmx.process(row);
    }
  });

  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var d = e.detail;
    if (!d.target || !d.fragment) return;
    // The fragment is an element (the socket's "beforeend" wrapper) or a DocumentFragment (the POST's answer, an
    // outerHTML swap): search its children, since ":scope >" matches nothing in a DocumentFragment.
    var bubble = childMatching(d.fragment, '[id^="message_"]');
    if (!bubble) return;
    var separator = childMatching(d.fragment, '[data-day]');
    var list = document.getElementById('messages');
    if (!list) return;
    d.shouldSwap = false;
    bubble.removeAttribute('hx-swap-oob');
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    var existing = document.getElementById(bubble.id);
    // Deleted for me in another tab: out it goes. A change of a message this page has not loaded: nothing to show.
    if (bubble.hasAttribute('data-hidden')) { if (existing) existing.remove(); return; }
    var changed = parseInt(bubble.getAttribute('data-changed-seq'), 10) || 0;
    if (changed > changedUpTo) changedUpTo = changed;
    if (changed && !existing) return;
    keepNewestTicks(bubble, existing);
    if (existing) {
      existing.replaceWith(bubble);
    } else {
      var seq = parseInt(bubble.getAttribute('data-seq'), 10) || 0;
      var next = Array.prototype.find.call(stored(), function (b) {
        var s = parseInt(b.getAttribute('data-seq'), 10) || 0;
        return s > seq;
      });
      list.insertBefore(bubble, next || null);
      var empty = list.querySelector('[data-empty]');
      if (empty) empty.remove();
    }
    // The day's separator goes in only where the day changes (the first message, or the first after midnight).
    if (separator && dayBefore(bubble) !== separator.getAttribute('data-day')) list.insertBefore(separator, bubble);
    htmx.process(bubble);
    if (atBottom) list.scrollTop = list.scrollHeight;
  });

  function childMatching(parent, selector) {
    return Array.prototype.find.call(parent.children, function (c) { return c.matches(selector); }) || null;
  }

  function dayBefore(el) {
    for (var e = el.previousElementSibling; e; e = e.previousElementSibling) if (e.hasAttribute('data-day')) return e.getAttribute('data-day');
    return null;
  }

  // Typing: "start" at most every 2 s while keys go in, "stop" when the box empties, loses focus or sends.
  document.addEventListener('input', function (e) {
    if (!e.target.matches || !e.target.matches('[data-composer] textarea')) return;
    if (e.target.value === '') { typingSentAt = 0; send({ type: 'typing', state: 'stop' }); return; }
    var now = Date.now();
    if (now - typingSentAt > 2000) { typingSentAt = now; send({ type: 'typing', state: 'start' }); }
  });
  function stopTyping() { if (typingSentAt) { typingSentAt = 0; send({ type: 'typing', state: 'stop' }); } }
  document.addEventListener('focusout', function (e) { if (e.target.matches && e.target.matches('[data-composer] textarea')) stopTyping(); });
  document.addEventListener('htmx:configRequest', function (e) { if (e.detail.elt.matches && e.detail.elt.matches('[data-composer]')) stopTyping(); });
})();
