// Attachments in the composer: a chosen file (or a recorded voice note) is uploaded at once to POST /media with a
// progress bar and a cancel button; once stored, the form carries its id (attachmentIds) and the send references it.
// Without JavaScript the file input simply posts with the form. Also the photo lightbox.
(function () {
  function token() {
    var meta = document.querySelector('meta[name="request-verification-token"]');
    return meta ? meta.content : '';
  }

  function sizeLabel(bytes) {
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KB';
    return (bytes / (1024 * 1024)).toFixed(1) + ' MB';
  }

  function updateSend(form) {
    var busy = !!form.querySelector('[data-upload]:not([data-ready]):not([data-failed])');
    form.querySelector('[data-send]').disabled = busy;
  }

  function upload(form, file, durationMs) {
    var list = form.querySelector('[data-uploads]');
    var row = document.getElementById('upload-row').content.firstElementChild.cloneNode(true);
    var progress = row.querySelector('[data-upload-progress]');
    var status = row.querySelector('[data-upload-status]');
    var cancel = row.querySelector('[data-upload-cancel]');
    row.querySelector('[data-upload-name]').textContent = file.name; // text, never markup
    list.appendChild(row);
    updateSend(form);

    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/media');
    xhr.setRequestHeader('RequestVerificationToken', token());
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round(e.loaded * 100 / e.total);
      progress.value = percent;
      status.textContent = 'Uploading… ' + percent + '%';
    });
    function fail(message) {
      row.setAttribute('data-failed', '');
      progress.hidden = true;
      status.textContent = message;
      cancel.textContent = 'Dismiss';
      updateSend(form);
    }
    xhr.addEventListener('load', function () {
      if (xhr.status !== 201 || !xhr.response) { fail((xhr.response && xhr.response.error) || 'The upload failed.'); return; }
      var id = document.createElement('input');
      id.type = 'hidden';
      id.name = 'attachmentIds';
      id.value = xhr.response.id;
      row.appendChild(id);
      row.setAttribute('data-ready', '');
      progress.value = 100;
      status.textContent = 'Ready · ' + sizeLabel(xhr.response.size);
      cancel.textContent = 'Remove';
      updateSend(form);
    });
    xhr.addEventListener('error', function () { fail('The upload failed; check the connection.'); });
    cancel.addEventListener('click', function () {
      xhr.abort(); // an upload removed after it was stored is never sent, and the server removes it within a day
      row.remove();
      updateSend(form);
    });
    var data = new FormData();
    if (durationMs != null) data.append('durationMs', String(Math.round(durationMs)));
    data.append('file', file, file.name);
    xhr.send(data);
  }

  document.addEventListener('change', function (e) {
    var input = e.target;
    if (!input.matches || !input.matches('[data-composer] [data-attach]')) return;
    var form = input.form;
    Array.prototype.forEach.call(input.files, function (file) { upload(form, file, null); });
    input.value = ''; // uploaded here: the form post must not carry the file again
  });

  // Voice notes: Opus in WebM (Chromium) or Ogg (Firefox), as the browser's recorder makes it.
  var recording = null;
  function recordTime(ms) {
    var s = Math.floor(ms / 1000);
    return Math.floor(s / 60) + ':' + ('0' + (s % 60)).slice(-2);
  }
  function startRecording(form, button) {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var type = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus'].filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0];
      var recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      var chunks = [];
      var started = Date.now();
      var time = button.querySelector('[data-record-time]');
      var timer = setInterval(function () { time.textContent = recordTime(Date.now() - started); }, 250);
      recorder.addEventListener('dataavailable', function (e) { if (e.data.size) chunks.push(e.data); });
      recorder.addEventListener('stop', function () {
        clearInterval(timer);
        stream.getTracks().forEach(function (t) { t.stop(); });
        var mime = recorder.mimeType || 'audio/webm';
        var blob = new Blob(chunks, { type: mime });
        if (blob.size) upload(form, new File([blob], 'voice-note.' + (/ogg/.test(mime) ? 'ogg' : 'webm'), { type: mime }), Date.now() - started);
        button.setAttribute('aria-pressed', 'false');
        button.querySelector('[data-record-icon]').classList.remove('hidden');
        button.querySelector('[data-record-stop]').classList.add('hidden');
        button.querySelector('[data-record-label]').textContent = 'Record a voice note';
        time.classList.add('hidden');
        recording = null;
      });
      recorder.start(250);
      recording = recorder;
      button.setAttribute('aria-pressed', 'true');
      button.querySelector('[data-record-icon]').classList.add('hidden');
      button.querySelector('[data-record-stop]').classList.remove('hidden');
      button.querySelector('[data-record-label]').textContent = 'Stop recording';
      time.textContent = '0:00';
      time.classList.remove('hidden');
    }).catch(function () {
      button.title = 'The microphone is not available';
    });
  }

  function showRecorder() {
    if (!(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) return;
    document.querySelectorAll('[data-composer] [data-record]').forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener('DOMContentLoaded', showRecorder);
  document.addEventListener('htmx:afterSettle', showRecorder);

  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('[data-composer] [data-record]');
    if (button) {
      if (recording) recording.stop();
      else startRecording(button.form, button);
      return;
    }
    // The lightbox: the full image over the page; Escape, the button or a click beside it closes it.
    var link = e.target.closest && e.target.closest('a[data-lightbox]');
    var box = document.getElementById('lightbox');
    if (link && box && box.showModal) {
      e.preventDefault();
      var image = box.querySelector('[data-lightbox-image]');
      image.src = link.getAttribute('href');
      image.alt = link.querySelector('img') ? link.querySelector('img').alt : '';
      box.showModal();
      return;
    }
    if (box && e.target === box) box.close();
  });
})();
