import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * The signed link an email carries for its notification: opening it marks the notification
 * read and goes on to the notification's page in the app. The email is the credential, so the
 * link is signed (HMAC-SHA256 over the notification id) and never expires, like an unsubscribe link.
 */

/**
 * Its own key, derived from the unsubscribe key: one secret to configure and rotate, and a
 * signature made for one purpose can never be replayed as the other.
 */
function openKey(secret: string): Buffer {
  let key = openKeys.get(secret)
  if (!key) openKeys.set(secret, (key = createHmac('sha256', secret).update('notification-open').digest()))
  return key
}
// Derived once per secret, not once per email (one secret in production; tests use a few).
const openKeys = new Map<string, Buffer>()

export function signNotificationOpen(notificationId: string, secret: string): string {
  return createHmac('sha256', openKey(secret)).update(notificationId).digest('base64url')
}

/** Whether `sig` was made by this service for this id; compared in constant time. */
export function verifyNotificationOpen(notificationId: string, sig: string, secret: string): boolean {
  const expected = Buffer.from(signNotificationOpen(notificationId, secret))
  const given = Buffer.from(sig)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** The open link under PUBLIC_URL (this service), as emails print it. */
export function notificationOpenUrl(publicUrl: string, notificationId: string, secret: string): string {
  return `${publicUrl}/v1/notifications/${encodeURIComponent(notificationId)}/open?sig=${signNotificationOpen(notificationId, secret)}`
}
