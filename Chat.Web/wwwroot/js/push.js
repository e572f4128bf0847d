// Web Push on the browser side: registers the service worker (/sw.js) and, only when the user clicks
// "Turn on notifications", asks for permission, subscribes with the server's VAPID key and sends the
// subscription to /settings/notifications. Never asks on page load.
(() => {
  const settings = '/settings/notifications';
  const supported = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  if (!supported) return;

  const urlKey = (base64url) => {
    const raw = atob(base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - base64url.length % 4) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };

  async function serverKey() {
    const response = await fetch(`${settings}?handler=key`, { credentials: 'same-origin' });
    return response.ok ? response.json() : null;
  }

  async function send(subscription, token) {
    const response = await fetch(`${settings}?handler=subscribe`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', RequestVerificationToken: token },
      body: JSON.stringify(subscription),
    });
    if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error || 'The server refused the subscription.');
  }

  async function subscribe(registration) {
    const key = await serverKey();
    if (!key) throw new Error('Push notifications are not enabled on this server.');
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlKey(key.publicKey) });
    await send(subscription.toJSON(), key.token);
  }

  function show(prompt, visible, status) {
    prompt.hidden = !visible && !status;
    const button = prompt.querySelector('[data-push-enable]');
    const line = prompt.querySelector('[data-push-status]');
    if (button) button.hidden = !visible;
    if (line) {
      line.textContent = status || '';
      line.classList.toggle('hidden', !status);
    }
  }

  navigator.serviceWorker.register('/sw.js').then(async (registration) => {
    const prompts = document.querySelectorAll('[data-push-prompt]');
    const existing = await registration.pushManager.getSubscription();
    if (existing && Notification.permission === 'granted') {
      // Keeps the server's copy current (it may have removed it on "log out everywhere").
      const key = await serverKey();
      if (key) send(existing.toJSON(), key.token).catch(() => {});
    }
    for (const prompt of prompts) {
      if (Notification.permission === 'denied') show(prompt, false, location.pathname === settings ? 'Notifications are blocked for this site in your browser settings.' : '');
      else show(prompt, !(existing && Notification.permission === 'granted'), '');
      prompt.querySelector('[data-push-enable]')?.addEventListener('click', async () => {
        try {
          if (await Notification.requestPermission() !== 'granted') return show(prompt, false, 'Notifications stay off: the browser did not allow them.');
          await subscribe(registration);
          show(prompt, false, 'Notifications are on for this browser.');
          document.dispatchEvent(new CustomEvent('push-subscribed'));
        } catch (e) {
          show(prompt, true, e.message);
        }
      });
    }
  }).catch(() => {});
})();
