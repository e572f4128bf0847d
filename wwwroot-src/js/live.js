// The live chat screen over the htmx ws extension (/chat/socket). The server pushes HTML fragments as
// out-of-band swaps; bubbles come as "beforeend:#messages" and are placed here by seq, replacing a bubble of
// the same id (the optimistic one, or one already shown), so a message never appears twice. On every
// (re)connect the page asks for what it missed after its last seq; while visible it reports what it has read.
(function () {
  var socket = null;
  var typingSentAt = 0;

  function stored() { return document.querySelectorAll('#messages [id^="message_"]'); }
  function lastSeq() {
    var max = 0;
    stored().forEach(function (b) { var s = parseInt(b.getAttribute('data-seq'), 10) || 0; if (s > max) max = s; });
    return max;
  }
  function send(frame) { if (socket) socket.send(JSON.stringify(frame), document.body); }
  function reportRead() {
    if (document.visibilityState !== 'visible' || !document.getElementById('messages')) return;
    var seq = lastSeq();
    if (seq > 0) send({ type: 'read', seq: seq });
  }

  document.addEventListener('htmx:wsOpen', function (e) {
    socket = e.detail.socketWrapper;
    if (document.getElementById('messages')) send({ type: 'sync', after: lastSeq() });
  });
  document.addEventListener('htmx:wsClose', function () { socket = null; });
  document.addEventListener('htmx:wsAfterMessage', reportRead);
  document.addEventListener('visibilitychange', reportRead);

  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var d = e.detail;
    if (!d.target || d.target.id !== 'messages' || !d.fragment) return;
    var bubble = d.fragment.firstElementChild;
    if (!bubble || !bubble.id || bubble.id.indexOf('message_') !== 0) return;
    d.shouldSwap = false;
    var list = d.target;
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    var existing = document.getElementById(bubble.id);
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
    if (atBottom) list.scrollTop = list.scrollHeight;
  });

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
