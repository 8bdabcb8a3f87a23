import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { type Directory, type DirectoryEntry, type PersonFacts, mergeFacts } from '../domain/directory.js'

type Db = Transaction<Database> | Kysely<Database>

interface PersonRowJson {
  user_id: string
  email: string
  name: string
  locale: string | null
  phone: string | null
  time_zone: string | null
  facts_time: string
}

const toEntry = (r: Omit<PersonRowJson, 'facts_time'> & { facts_time: Date | string }): DirectoryEntry => ({
  userId: r.user_id,
  email: r.email,
  name: r.name,
  locale: r.locale,
  phone: r.phone,
  timeZone: r.time_zone,
  factsTime: new Date(r.facts_time).toISOString(),
})

/** Directory entries of these users (those the service has learned of). */
export async function readDirectory(db: Db, userIds: readonly string[]): Promise<Directory> {
  const users = [...new Set(userIds)]
  if (users.length === 0) return new Map()
  const rows = await db
    .selectFrom('people')
    .select(['user_id', 'email', 'name', 'locale', 'phone', 'time_zone', 'facts_time'])
    .where('user_id', '=', sql<string>`ANY(${users}::text[])`)
    .execute()
  return new Map(rows.map((r) => [r.user_id, toEntry(r)]))
}

/**
 * Applies what a batch of events says about people to the directory, in the ingest
 * transaction: rows locked in user id order (replicas never deadlock), merged by the
 * domain's rule (the later event time wins), written back. A row inserted meanwhile by
 * another transaction is only overwritten by facts at least as new.
 */
export async function recordFacts(trx: Transaction<Database>, facts: readonly PersonFacts[], hallMembers: readonly { hallId: string; userId: string }[]): Promise<void> {
  if (facts.length > 0) {
    const byUser = new Map<string, PersonFacts[]>()
    for (const f of facts) byUser.set(f.person.id, [...(byUser.get(f.person.id) ?? []), f])
    const users = [...byUser.keys()].sort()
    const { rows } = await sql<PersonRowJson & { facts_time: Date }>`
      SELECT user_id, email, name, locale, phone, time_zone, facts_time FROM people
      WHERE user_id = ANY(${users}::text[]) ORDER BY user_id FOR UPDATE`.execute(trx)
    const current = new Map(rows.map((r) => [r.user_id, toEntry(r)]))
    const changed: DirectoryEntry[] = []
    for (const user of users) {
      const next = mergeFacts(current.get(user), byUser.get(user)!)
      if (next) changed.push(next)
    }
    if (changed.length > 0) {
      const json = JSON.stringify(changed.map((e) => ({ user_id: e.userId, email: e.email, name: e.name, locale: e.locale, phone: e.phone, time_zone: e.timeZone, facts_time: e.factsTime })))
      await sql`
        INSERT INTO people AS p (user_id, email, name, locale, phone, time_zone, facts_time)
        SELECT user_id, email, name, locale, phone, time_zone, facts_time
        FROM json_to_recordset(${json}::json) AS r(user_id text, email text, name text, locale text, phone text, time_zone text, facts_time timestamptz)
        ORDER BY user_id
        ON CONFLICT (user_id) DO UPDATE SET
          email = excluded.email, name = excluded.name, locale = excluded.locale, phone = excluded.phone,
          time_zone = excluded.time_zone, facts_time = excluded.facts_time, updated_at = now()
        WHERE p.facts_time <= excluded.facts_time`.execute(trx)
    }
  }
  if (hallMembers.length > 0) {
    const pairs = [...new Map(hallMembers.map((m) => [`${m.hallId}\u0000${m.userId}`, m])).values()].sort((a, b) => (a.hallId === b.hallId ? (a.userId < b.userId ? -1 : 1) : a.hallId < b.hallId ? -1 : 1))
    await sql`
      INSERT INTO hall_people (hall_id, user_id)
      SELECT hall_id, user_id FROM unnest(${pairs.map((p) => p.hallId)}::text[], ${pairs.map((p) => p.userId)}::text[]) AS r(hall_id, user_id)
      ON CONFLICT DO NOTHING`.execute(trx)
  }
}
