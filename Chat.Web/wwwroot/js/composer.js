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
    var attached = form.querySelectorAll('[name="attachmentIds"]').length;
    if (form.querySelector('[data-upload]:not([data-ready]):not([data-failed])')) { e.preventDefault(); return; } // still uploading
    if ((!text || !text.trim()) && attached === 0) { e.preventDefault(); return; }
    var list = document.getElementById('messages');
    var template = document.getElementById('optimistic-bubble');
    if (list && template) {
      var bubble = template.content.firstElementChild.cloneNode(true);
      bubble.id = 'message_' + clientId;
      // textContent, never innerHTML: what the person typed is text, not markup.
      bubble.querySelector('[data-text]').textContent = text || (attached === 1 ? 'Sending an attachment…' : 'Sending ' + attached + ' attachments…');
      // Sent now, on the reader's clock (the template's time is the page's); the server's copy replaces it.
      var time = bubble.querySelector('time');
      if (time) { var now = new Date(); time.textContent = ('0' + now.getHours()).slice(-2) + ':' + ('0' + now.getMinutes()).slice(-2); time.setAttribute('datetime', now.toISOString()); }
      list.appendChild(bubble);
      list.scrollTop = list.scrollHeight;
    }
    // The next message gets a new id; this one is already on its way.
    form.querySelector('[name="clientMessageId"]').value = newClientId();
    form.querySelector('textarea').value = '';
    form.querySelectorAll('[data-upload][data-ready], [data-upload][data-failed]').forEach(function (row) { row.remove(); });
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

// Message actions: the sheet (a dialog over the chat, filled by the bubble's "⋯" link through htmx), replying from
// it, and jumping from a reply's quote to the original.
(function () {
  function sheet() { return document.getElementById('action-sheet'); }
  function closeSheet() { var s = sheet(); if (s && s.open) s.close(); }

  document.addEventListener('htmx:afterSwap', function (e) {
    var s = sheet();
    if (s && e.detail.target && e.detail.target.id === 'action-sheet-body' && !s.open) s.showModal();
  });
  // A done action answers 204 (its result comes over the socket to every tab): the sheet closes.
  document.addEventListener('htmx:afterRequest', function (e) {
    var s = sheet();
    if (s && s.contains(e.detail.elt) && e.detail.xhr && e.detail.xhr.status === 204) closeSheet();
  });
  document.addEventListener('click', function (e) {
    var s = sheet();
    if (s && e.target === s) { closeSheet(); return; } // the backdrop
    var close = e.target.closest && e.target.closest('#action-sheet [data-close-sheet]');
    if (close) { e.preventDefault(); closeSheet(); return; }

    var reply = e.target.closest && e.target.closest('#action-sheet [data-reply]');
    var bar = document.querySelector('[data-reply-bar]');
    if (reply && bar) {
      e.preventDefault();
      bar.querySelector('[name="replyToId"]').value = reply.getAttribute('data-reply');
      bar.querySelector('[data-reply-sender]').textContent = reply.getAttribute('data-reply-sender');
      bar.querySelector('[data-reply-snippet]').textContent = reply.getAttribute('data-reply-snippet');
      bar.classList.remove('hidden'); bar.classList.add('flex');
      closeSheet();
      document.getElementById('composer-text').focus();
      return;
    }
    var cancel = e.target.closest && e.target.closest('[data-reply-cancel]');
    if (cancel && bar) { e.preventDefault(); clearReply(bar); return; }

    var quote = e.target.closest && e.target.closest('#messages [data-jump]');
    if (quote) { e.preventDefault(); jumpTo(quote.getAttribute('data-jump'), 30); }
  });

  function clearReply(bar) {
    bar.querySelector('[name="replyToId"]').value = '';
    bar.classList.add('hidden'); bar.classList.remove('flex');
  }
  // Sent: the next message replies to nothing (the sent one carries its quote).
  document.addEventListener('htmx:configRequest', function (e) {
    if (!e.detail.elt.matches || !e.detail.elt.matches('[data-composer]')) return;
    var bar = document.querySelector('[data-reply-bar]');
    if (bar) setTimeout(function () { clearReply(bar); }, 0);
  });

  // The original on the page: scroll to it and flash it. Not yet: load the page above (the older sentinel's request)
  // and look again, a bounded number of pages; past that, the conversation opened around it (?at=).
  function jumpTo(id, pagesLeft) {
    var target = document.querySelector('#messages [data-id="' + CSS.escape(id) + '"]');
    if (target) {
      target.scrollIntoView({ block: 'center', behavior: 'smooth' });
      target.classList.add('jump-highlight');
      setTimeout(function () { target.classList.remove('jump-highlight'); }, 2000);
      return;
    }
    var older = document.querySelector('#messages [data-older]');
    if (!older || pagesLeft <= 0) { window.location.href = window.location.pathname + '?at=' + encodeURIComponent(id); return; }
    htmx.ajax('GET', older.getAttribute('hx-get'), { source: older, target: older, swap: 'outerHTML' }).then(function () {
      jumpTo(id, pagesLeft - 1);
    });
  }
})();
