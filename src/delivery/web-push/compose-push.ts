import { createHash } from 'node:crypto'

/** What planning puts in a push delivery's payload: the in-app notification's text and where it leads. */
export interface PushJobPayload {
  title: string
  body: string
  /** A path in the app (`/bookings/b-7`) or an absolute URL; default: the booking, else the app. */
  url?: string
  bookingId?: string
}

/** The JSON the service worker receives once the browser has decrypted it. */
export interface PushMessage {
  title: string
  body: string
  /** Absolute, under APP_URL: the service worker opens it on click. */
  url: string
  notificationId: string | null
  type: string
  unreadCount: number
  /** Same for every message about one booking, so the device shows only the newest. */
  tag?: string
}

export type Urgency = 'very-low' | 'low' | 'normal' | 'high'

export interface ComposedPush {
  message: PushMessage
  /** Seconds the push service keeps an undelivered message (RFC 8030 `TTL`). */
  ttlSeconds: number
  urgency: Urgency
  /** RFC 8030 `Topic`: a newer message with the same topic replaces an undelivered older one. */
  topic?: string
}

// A day: a booking message older than that is stale on a device that was offline.
const TTL_SECONDS = 24 * 60 * 60
// Text limits keep the encrypted body well inside the 4096 bytes every push service must take.
const MAX_TITLE = 200
const MAX_BODY = 1000

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`)

/** base64url of a hash of the booking id: ≤ 32 URL-safe characters as RFC 8030 requires, and no id leaks into a header. */
export function bookingTopic(bookingId: string): string {
  return createHash('sha256').update(`booking:${bookingId}`).digest('base64url').slice(0, 32)
}

export function isUrgent(notificationType: string): boolean {
  return notificationType.endsWith('_cancelled')
}

export interface PushJobFields {
  notificationType: string
  notificationId: string | null
  payload: Record<string, unknown>
}

/** The message, its lifetime and its headers for one push delivery; no I/O. */
export function composePush(job: PushJobFields, { appUrl, unreadCount }: { appUrl: string; unreadCount: number }): ComposedPush {
  const payload = job.payload as Partial<PushJobPayload>
  const bookingId = typeof payload.bookingId === 'string' ? payload.bookingId : undefined
  const path = typeof payload.url === 'string' ? payload.url : bookingId ? `/bookings/${encodeURIComponent(bookingId)}` : '/'
  const topic = bookingId ? bookingTopic(bookingId) : undefined
  const app = new URL(`${appUrl}/`)
  let url = new URL(path, app)
  // The service worker opens this URL: it stays in the app, whatever a payload says.
  if (url.origin !== app.origin) url = app
  return {
    message: {
      title: clip(String(payload.title ?? ''), MAX_TITLE),
      body: clip(String(payload.body ?? ''), MAX_BODY),
      url: url.toString(),
      notificationId: job.notificationId,
      type: job.notificationType,
      unreadCount,
      ...(topic ? { tag: topic } : {}),
    },
    ttlSeconds: TTL_SECONDS,
    urgency: isUrgent(job.notificationType) ? 'high' : 'normal',
    ...(topic ? { topic } : {}),
  }
}
