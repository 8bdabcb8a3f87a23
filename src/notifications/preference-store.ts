import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database, PreferenceTable } from '../db/schema.js'
import { ALWAYS_EMAILED, NOTIFICATION_TYPES, type NotificationType, PREFERENCE_CHANNELS, type PreferenceChannel, defaultSetting } from '../domain/notification-types.js'
import { type DisabledChannels, disabledKey, enabledKey } from '../domain/plan-effects.js'
import { type DigestCadence, isHallAdminType } from '../domain/digest.js'
import type { QuietHours } from '../domain/quiet-hours.js'

/** `digest` only for hall-admin types. */
export type ChannelPreference = Record<PreferenceChannel, boolean> & { digest?: DigestCadence }

export type Preferences = Record<NotificationType, ChannelPreference>

export type PreferenceChange = Partial<Record<PreferenceChannel, boolean>> & { digest?: DigestCadence }

type StoredChannel = PreferenceTable['channel']
/** The API says inApp, the table says in_app; the other channels are the same word. */
const toStored = (channel: PreferenceChannel): StoredChannel => (channel === 'inApp' ? 'in_app' : channel)
const fromStored = (channel: StoredChannel): PreferenceChannel => (channel === 'in_app' ? 'inApp' : channel)

export async function getPreferences(db: Kysely<Database>, userId: string): Promise<Preferences> {
  const rows = await db.selectFrom('preferences').select(['type', 'channel', 'enabled']).where('user_id', '=', userId).execute()
  const stored = new Map(rows.map((r) => [`${r.type}:${fromStored(r.channel)}`, r.enabled]))
  const digests = await digestCadences(db, [userId])
  const result = {} as Preferences
  for (const type of NOTIFICATION_TYPES) {
    const entry = {} as ChannelPreference
    for (const channel of PREFERENCE_CHANNELS) entry[channel] = stored.get(`${type}:${channel}`) ?? defaultSetting(type, channel)
    if (ALWAYS_EMAILED.has(type)) entry.email = true
    if (isHallAdminType(type)) entry.digest = digests.get(digestKey(userId, type)) ?? 'off'
    result[type] = entry
  }
  return result
}

/** Applies a partial map; a channel not named keeps its value. */
export async function updatePreferences(db: Kysely<Database>, userId: string, changes: Partial<Record<NotificationType, PreferenceChange>>): Promise<Preferences> {
  const digests: Record<string, DigestCadence> = {}
  for (const [type, change] of Object.entries(changes)) if (change?.digest) digests[type] = change.digest
  await updateDigestCadences(db, userId, digests)
  const rows = Object.entries(changes).flatMap(([type, change]) =>
    Object.entries(change ?? {}).filter(([channel]) => channel !== 'digest').map(([channel, enabled]) => ({ user_id: userId, type, channel: toStored(channel as PreferenceChannel), enabled: enabled as boolean })),
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
  return disabledChannelsFrom(users, await preferenceRowsOf(trx, users).execute())
}

/** The stored choices of these users (what `disabledChannelsFrom` reads). */
export const preferenceRowsOf = (db: Transaction<Database> | Kysely<Database>, userIds: readonly string[]) =>
  db.selectFrom('preferences').select(['user_id', 'type', 'channel', 'enabled']).where('user_id', '=', sql<string>`ANY(${[...new Set(userIds)]}::text[])`)

export function disabledChannelsFrom(userIds: readonly string[], rows: readonly { user_id: string; type: string; channel: StoredChannel; enabled: boolean }[]): DisabledChannels {
  const users = [...new Set(userIds)]
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

/** The caller's quiet hours, or null when none are set. */
export async function getQuietHours(db: Kysely<Database>, userId: string): Promise<QuietHours | null> {
  const row = await db.selectFrom('quiet_hours').select(['starts_at', 'ends_at']).where('user_id', '=', userId).executeTakeFirst()
  return row ? { start: row.starts_at, end: row.ends_at } : null
}

/** Sets (or, with null, clears) a user's quiet hours; the caller has checked the times. */
export async function setQuietHours(db: Kysely<Database>, userId: string, quiet: QuietHours | null): Promise<QuietHours | null> {
  if (quiet === null) {
    await db.deleteFrom('quiet_hours').where('user_id', '=', userId).execute()
    return null
  }
  await db
    .insertInto('quiet_hours')
    .values({ user_id: userId, starts_at: quiet.start, ends_at: quiet.end })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ starts_at: quiet.start, ends_at: quiet.end, updated_at: sql`now()` }))
    .execute()
  return quiet
}

/** These users' quiet hours, read in the ingest transaction that plans their deliveries. */
export async function quietHoursOf(trx: Transaction<Database> | Kysely<Database>, userIds: string[]): Promise<Map<string, QuietHours>> {
  if (userIds.length === 0) return new Map()
  return quietHoursFrom(await quietHourRowsOf(trx, userIds).execute())
}

export const quietHourRowsOf = (db: Transaction<Database> | Kysely<Database>, userIds: readonly string[]) =>
  db.selectFrom('quiet_hours').select(['user_id', 'starts_at', 'ends_at']).where('user_id', '=', sql<string>`ANY(${[...new Set(userIds)]}::text[])`)

export const quietHoursFrom = (rows: readonly { user_id: string; starts_at: string; ends_at: string }[]): Map<string, QuietHours> => new Map(rows.map((r) => [r.user_id, { start: r.starts_at, end: r.ends_at }]))

export const digestKey = (userId: string, type: string) => `${userId}\u0000${type}`

/** Digest cadences chosen by these users, keyed by digestKey(user, type); absent means off. */
export async function digestCadences(trx: Transaction<Database> | Kysely<Database>, userIds: string[]): Promise<Map<string, 'hourly' | 'daily'>> {
  if (userIds.length === 0) return new Map()
  return digestCadencesFrom(await digestCadenceRowsOf(trx, userIds).execute())
}

export const digestCadenceRowsOf = (db: Transaction<Database> | Kysely<Database>, userIds: readonly string[]) =>
  db.selectFrom('digest_preferences').select(['user_id', 'type', 'cadence']).where('user_id', '=', sql<string>`ANY(${[...new Set(userIds)]}::text[])`)

export const digestCadencesFrom = (rows: readonly { user_id: string; type: string; cadence: 'hourly' | 'daily' }[]): Map<string, 'hourly' | 'daily'> => new Map(rows.map((r) => [digestKey(r.user_id, r.type), r.cadence]))

/** Sets digest cadences per hall-admin type; "off" removes the row (the default). */
export async function updateDigestCadences(db: Kysely<Database>, userId: string, changes: Record<string, DigestCadence>): Promise<void> {
  const entries = Object.entries(changes)
  const off = entries.filter(([, c]) => c === 'off').map(([type]) => type)
  const on = entries.filter(([, c]) => c !== 'off').map(([type, cadence]) => ({ user_id: userId, type, cadence: cadence as 'hourly' | 'daily' }))
  if (off.length > 0) await db.deleteFrom('digest_preferences').where('user_id', '=', userId).where('type', 'in', off).execute()
  if (on.length > 0) {
    await db
      .insertInto('digest_preferences')
      .values(on)
      .onConflict((oc) => oc.columns(['user_id', 'type']).doUpdateSet({ cadence: (eb) => eb.ref('excluded.cadence'), updated_at: sql`now()` }))
      .execute()
  }
}
