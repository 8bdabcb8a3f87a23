import { urlOf } from './notification-links.js'
import { type DisabledChannels, type Effects, type PushSubscriptionIds, disabledKey } from './plan-effects.js'

/** The channels an announcement can go out on, as the API names them. */
export const ANNOUNCEMENT_CHANNELS = ['inApp', 'email', 'push'] as const
export type AnnouncementChannel = (typeof ANNOUNCEMENT_CHANNELS)[number]

/** Everyone in the directory, a list of user ids, or the people of one hall (its bookers and admins). */
export type Audience = { all: true } | { userIds: string[] } | { hallId: string }

/** The largest list audience; bigger audiences are `all` or a hall. */
export const MAX_AUDIENCE_IDS = 10_000

/** What an announcement says and where; one language, as the operator wrote it. */
export interface AnnouncementContent {
  id: string
  title: string
  body: string
  /** A path in the app (under APP_URL), or null for the announcement's own page. */
  url: string | null
  channels: readonly AnnouncementChannel[]
}

/** One recipient with the directory's facts; a listed user the directory does not know has no address. */
export interface AnnouncementRecipient {
  userId: string
  email: string | null
  name: string | null
  locale: string | null
}

/** Announcements' notifications and deliveries are recorded under this source and the announcement's id. */
export const ANNOUNCEMENT_SOURCE = 'announcement'

/**
 * What one batch of recipients gets: the in-app notification, the email (to those with an
 * address) and a push per subscription, on the channels the announcement names and the
 * recipient has not switched off for type `announcement`.
 */
export function planAnnouncement(a: AnnouncementContent, recipients: readonly AnnouncementRecipient[], disabled: DisabledChannels, pushSubscriptions: PushSubscriptionIds): Effects {
  const effects: Effects = { notifications: [], deliveries: [] }
  const type = 'announcement' as const
  const on = new Set(a.channels)
  const data = { announcementId: a.id, ...(a.url ? { url: a.url } : {}) }
  for (const r of recipients) {
    const locale = r.locale ?? 'en'
    if (on.has('inApp') && !disabled.has(disabledKey(r.userId, type, 'inApp'))) {
      effects.notifications.push({ userId: r.userId, type, title: a.title, body: a.body, data })
    }
    if (on.has('push') && !disabled.has(disabledKey(r.userId, type, 'push'))) {
      for (const id of pushSubscriptions.get(r.userId) ?? []) {
        effects.deliveries.push({ channel: 'push', userId: r.userId, destination: id, notificationType: type, template: 'push', locale, payload: { title: a.title, body: a.body, url: urlOf(type, data), announcementId: a.id } })
      }
    }
    if (on.has('email') && r.email && !disabled.has(disabledKey(r.userId, type, 'email'))) {
      effects.deliveries.push({
        channel: 'email',
        userId: r.userId,
        destination: r.email,
        notificationType: type,
        template: 'announcement',
        locale,
        payload: { recipient: { id: r.userId, name: r.name ?? '', email: r.email }, announcement: { id: a.id, title: a.title, body: a.body, url: a.url } },
      })
    }
  }
  return effects
}
