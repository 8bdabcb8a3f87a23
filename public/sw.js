/*
 * BookIT notifications: a sample service worker for Web Push.
 *
 * The service sends each push as JSON, encrypted to this browser (RFC 8291):
 *   { "title", "body", "url", "notificationId", "type", "unreadCount", "tag"? }
 * This worker shows it as a system notification and opens `url` when it is clicked.
 * Copy it into your frontend (it must be served from your app's origin), or use it as it is
 * from this service at /sw.js for a quick try.
 */

self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

function readMessage(event) {
  if (!event.data) return { title: 'BookIT', body: '' }
  try {
    return event.data.json()
  } catch {
    // Not JSON (a test push from a developer tool): show the text as it is.
    return { title: 'BookIT', body: event.data.text() }
  }
}

self.addEventListener('push', (event) => {
  const message = readMessage(event)
  const options = {
    body: message.body || '',
    data: { url: message.url || '/', notificationId: message.notificationId || null },
    // Messages about one booking share a tag: the newest replaces the older one on the device.
    ...(message.tag ? { tag: message.tag, renotify: true } : {}),
  }
  const shown = self.registration.showNotification(message.title || 'BookIT', options)
  // The app icon's badge follows the unread count where the browser supports it.
  const badge = typeof message.unreadCount === 'number' && self.navigator.setAppBadge ? self.navigator.setAppBadge(message.unreadCount).catch(() => {}) : Promise.resolve()
  event.waitUntil(Promise.all([shown, badge]))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = (event.notification.data && event.notification.data.url) || '/'
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      // Reuse a tab that already shows this page; otherwise open one.
      const open = windows.find((w) => w.url === url)
      return open ? open.focus() : self.clients.openWindow(url)
    }),
  )
})
