import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { ALWAYS_EMAILED, NOTIFICATION_TYPES, type NotificationType, SMS_BY_DEFAULT } from '../domain/notification-types.js'

export interface ChannelPreference {
  email: boolean
  inApp: boolean
  sms: boolean
}

export type Preferences = Record<NotificationType, ChannelPreference>

export async function getPreferences(db: Kysely<Database>, userId: string): Promise<Preferences> {
  const rows = await db.selectFrom('preferences').select(['type', 'email', 'in_app', 'sms']).where('user_id', '=', userId).execute()
  const stored = new Map(rows.map((r) => [r.type, r]))
  const result = {} as Preferences
  for (const type of NOTIFICATION_TYPES) {
    const row = stored.get(type)
    result[type] = { email: ALWAYS_EMAILED.has(type) || (row?.email ?? true), inApp: row?.in_app ?? true, sms: row?.sms ?? SMS_BY_DEFAULT.has(type) }
  }
  return result
}

/** Applies a partial map; a channel not named keeps its value. */
export async function updatePreferences(db: Kysely<Database>, userId: string, changes: Partial<Record<NotificationType, Partial<ChannelPreference>>>): Promise<Preferences> {
  const entries = Object.entries(changes) as [NotificationType, Partial<ChannelPreference>][]
  if (entries.length > 0) {
    await db.transaction().execute(async (trx) => {
      for (const [type, change] of entries) {
        const values = { user_id: userId, type, email: change.email ?? true, in_app: change.inApp ?? true, sms: change.sms ?? null }
        await trx
          .insertInto('preferences')
          .values(values)
          .onConflict((oc) =>
            oc.columns(['user_id', 'type']).doUpdateSet({
              ...(change.email !== undefined ? { email: change.email } : {}),
              ...(change.inApp !== undefined ? { in_app: change.inApp } : {}),
              ...(change.sms !== undefined ? { sms: change.sms } : {}),
              updated_at: sql`now()`,
            }),
          )
          .execute()
      }
    })
  }
  return getPreferences(db, userId)
}
