// The service worker: shows pushed notifications, opens their conversation on click, resubscribes when the
// push service rotates the subscription, and caches static assets only (never pages: they hold private data).
const CACHE = 'static-v1';
const STATIC = /^\/(css|js|lib|icons)\/|^\/manifest\.webmanifest$/;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil((async () => {
  for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
  await self.clients.claim();
})()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !STATIC.test(url.pathname)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(event.request);
    if (hit) return hit;
    const response = await fetch(event.request);
    if (response.ok) cache.put(event.request, response.clone());
    return response;
  })());
});

// Always shows a notification: browsers revoke subscriptions that push silently.
self.addEventListener('push', (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = {}; }
  const title = data.title || 'E2E Chat';
  event.waitUntil(Promise.all([
    self.registration.showNotification(title, {
      body: data.body || 'New message',
      tag: data.tag || 'chat',
      renotify: true,
      icon: '/icons/icon-192.png',
      badge: '/icons/badge-96.png',
      data: { url: data.url || '/chat', conversationId: data.conversationId },
    }),
    typeof data.unread === 'number' && self.navigator.setAppBadge ? self.navigator.setAppBadge(data.unread).catch(() => {}) : null,
  ]));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || '/chat', self.location.origin);
  event.waitUntil((async () => {
    const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const same = tabs.find((t) => new URL(t.url).pathname === target.pathname);
    if (same) return same.focus();
    const any = tabs.find((t) => new URL(t.url).origin === target.origin && 'navigate' in t);
    if (any) {
      // navigate() works on tabs this worker controls; focus() may be refused without the click's user activation.
      const tab = await any.navigate(target.href).catch(() => null);
      if (tab) return tab.focus().catch(() => {});
    }
    return self.clients.openWindow(target.href);
  })());
});

// The push service replaced the subscription: subscribe again with the same key and tell the server.
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil((async () => {
    const keyResponse = await fetch('/settings/notifications?handler=key', { credentials: 'same-origin' });
    if (!keyResponse.ok) return;
    const key = await keyResponse.json();
    const subscription = event.newSubscription || await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: event.oldSubscription?.options?.applicationServerKey || key.publicKey,
    });
    await fetch('/settings/notifications?handler=subscribe', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', RequestVerificationToken: key.token },
      body: JSON.stringify(subscription.toJSON()),
    });
  })());
});
