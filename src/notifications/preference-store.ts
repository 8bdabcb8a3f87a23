import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database, PreferenceTable } from '../db/schema.js'
import { ALWAYS_EMAILED, NOTIFICATION_TYPES, type NotificationType, PREFERENCE_CHANNELS, type PreferenceChannel, defaultSetting } from '../domain/notification-types.js'
import { type DisabledChannels, disabledKey, enabledKey } from '../domain/plan-effects.js'

export type ChannelPreference = Record<PreferenceChannel, boolean>

export type Preferences = Record<NotificationType, ChannelPreference>

type StoredChannel = PreferenceTable['channel']
/** The API says inApp, the table says in_app; the other channels are the same word. */
const toStored = (channel: PreferenceChannel): StoredChannel => (channel === 'inApp' ? 'in_app' : channel)
const fromStored = (channel: StoredChannel): PreferenceChannel => (channel === 'in_app' ? 'inApp' : channel)

export async function getPreferences(db: Kysely<Database>, userId: string): Promise<Preferences> {
  const rows = await db.selectFrom('preferences').select(['type', 'channel', 'enabled']).where('user_id', '=', userId).execute()
  const stored = new Map(rows.map((r) => [`${r.type}:${fromStored(r.channel)}`, r.enabled]))
  const result = {} as Preferences
  for (const type of NOTIFICATION_TYPES) {
    const entry = {} as ChannelPreference
    for (const channel of PREFERENCE_CHANNELS) entry[channel] = stored.get(`${type}:${channel}`) ?? defaultSetting(type, channel)
    if (ALWAYS_EMAILED.has(type)) entry.email = true
    result[type] = entry
  }
  return result
}

/** Applies a partial map; a channel not named keeps its value. */
export async function updatePreferences(db: Kysely<Database>, userId: string, changes: Partial<Record<NotificationType, Partial<ChannelPreference>>>): Promise<Preferences> {
  const rows = Object.entries(changes).flatMap(([type, change]) =>
    Object.entries(change ?? {}).map(([channel, enabled]) => ({ user_id: userId, type, channel: toStored(channel as PreferenceChannel), enabled: enabled as boolean })),
  )
  if (rows.length > 0) {
    await db
      .insertInto('preferences')
      .values(rows)
      .onConflict((oc) => oc.columns(['user_id', 'type', 'channel']).doUpdateSet({ enabled: (eb) => eb.ref('excluded.enabled'), updated_at: sql`now()` }))
      .execute()
  }
  return getPreferences(db, userId)
}

/**
 * The channels switched off for these users, by choice or by default (SMS for most types),
 * as plan-effects reads them; read in the ingest transaction.
 */
export async function disabledChannels(trx: Transaction<Database> | Kysely<Database>, userIds: string[]): Promise<DisabledChannels> {
  const users = [...new Set(userIds)]
  if (users.length === 0) return new Set()
  const rows = await trx.selectFrom('preferences').select(['user_id', 'type', 'channel', 'enabled']).where('user_id', '=', sql<string>`ANY(${users}::text[])`).execute()
  const chosen = new Map(rows.map((r) => [disabledKey(r.user_id, r.type, fromStored(r.channel)), r.enabled]))
  const disabled = new Set<string>()
  for (const user of users) {
    for (const type of NOTIFICATION_TYPES) {
      for (const channel of PREFERENCE_CHANNELS) {
        const key = disabledKey(user, type, channel)
        if (!(chosen.get(key) ?? defaultSetting(type, channel))) disabled.add(key)
        // An SMS chosen on for a type that is off by default, as plan-effects also reads it.
        else if (channel === 'sms' && chosen.get(key) === true) disabled.add(enabledKey(user, type, 'sms'))
      }
    }
  }
  return disabled
}
