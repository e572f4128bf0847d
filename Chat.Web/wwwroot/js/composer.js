// The composer: Enter sends, Shift+Enter adds a line. On send an optimistic bubble with DOM id
// message_<clientMessageId> appears at once; the server's copy (an out-of-band swap with the same id)
// replaces it in place, so a message is never shown twice. Without JavaScript the form is a plain POST.
(function () {
  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, '0'); }).join('');
  }

  document.addEventListener('keydown', function (e) {
    var box = e.target;
    if (!box.matches || !box.matches('[data-composer] textarea')) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (box.value.trim() !== '') box.form.requestSubmit();
    }
  });

  document.addEventListener('htmx:configRequest', function (e) {
    var form = e.detail.elt;
    if (!form.matches || !form.matches('[data-composer]')) return;
    var text = e.detail.parameters.get ? e.detail.parameters.get('text') : e.detail.parameters.text;
    // A secret conversation's box has no name (its text is never posted, secret.js posts the envelope): read it here.
    if (form.hasAttribute('data-secret')) text = form.querySelector('textarea').value;
    var clientId = form.querySelector('[name="clientMessageId"]').value;
    if (!text || !text.trim()) { e.preventDefault(); return; }
    var list = document.getElementById('messages');
    var template = document.getElementById('optimistic-bubble');
    if (list && template) {
      var bubble = template.content.firstElementChild.cloneNode(true);
      bubble.id = 'message_' + clientId;
      // textContent, never innerHTML: what the person typed is text, not markup.
      bubble.querySelector('[data-text]').textContent = text;
      // Sent now, on the reader's clock (the template's time is the page's); the server's copy replaces it.
      var time = bubble.querySelector('time');
      if (time) { var now = new Date(); time.textContent = ('0' + now.getHours()).slice(-2) + ':' + ('0' + now.getMinutes()).slice(-2); time.setAttribute('datetime', now.toISOString()); }
      list.appendChild(bubble);
      list.scrollTop = list.scrollHeight;
    }
    // The next message gets a new id; this one is already on its way.
    form.querySelector('[name="clientMessageId"]').value = newClientId();
    form.querySelector('textarea').value = '';
  });

  // A rejected send takes its optimistic bubble away and gives the text back.
  document.addEventListener('htmx:afterRequest', function (e) {
    var form = e.detail.elt;
    if (!form.matches || !form.matches('[data-composer]') || e.detail.successful) return;
    var params = e.detail.requestConfig.parameters;
    var get = function (k) { return params.get ? params.get(k) : params[k]; };
    var bubble = document.getElementById('message_' + get('clientMessageId'));
    if (bubble) bubble.remove();
    var box = form.querySelector('textarea');
    if (!box.value) box.value = get('text') || '';
  });
})();
