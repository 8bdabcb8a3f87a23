import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { type Directory, type DirectoryEntry, type PersonFacts, mergeFacts } from '../domain/directory.js'

type Db = Transaction<Database> | Kysely<Database>

interface PersonRow {
  user_id: string
  email: string
  name: string
  locale: string | null
  phone: string | null
  time_zone: string | null
  facts_time: Date | string
}

const toEntry = (r: PersonRow): DirectoryEntry => ({
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
  return new Map([...(await readPeople(db, userIds)).values()].map(({ entry }) => [entry.userId, entry]))
}

/** A person's row and its version (`xmin`): a later write applies only while the row is still this one. */
interface ReadPerson {
  entry: DirectoryEntry
  version: string
}

/** The rows of these people with their versions (what `learnFacts` merges into). */
export const peopleRowsOf = (db: Db, userIds: readonly string[]) =>
  db
    .selectFrom('people')
    .select(['user_id', 'email', 'name', 'locale', 'phone', 'time_zone', 'facts_time', sql<string>`xmin::text`.as('version')])
    .where('user_id', '=', sql<string>`ANY(${[...new Set(userIds)].sort()}::text[])`)
    .orderBy('user_id')

async function readPeople(db: Db, userIds: readonly string[], o: { lock?: boolean } = {}): Promise<Map<string, ReadPerson>> {
  if (userIds.length === 0) return new Map()
  const query = peopleRowsOf(db, userIds)
  return byUser(await (o.lock ? query.forUpdate() : query).execute())
}

const byUser = (rows: readonly (PersonRow & { version: string })[]) => new Map(rows.map((r) => [r.user_id, { entry: toEntry(r), version: r.version }]))

/** What a batch will write to the directory at its end: the merged entries, and how to merge again. */
export interface DirectoryWrite {
  /** Changed entries in user id order (the one lock order of every writer). */
  entries: DirectoryEntry[]
  /** The version each entry was merged from; absent: the person was not in the directory. */
  versions: Map<string, string>
  facts: Map<string, PersonFacts[]>
  hallMembers: { hallId: string; userId: string }[]
}

function mergeAll(read: Map<string, ReadPerson>, facts: Map<string, PersonFacts[]>, users: readonly string[]) {
  const entries: DirectoryEntry[] = []
  for (const user of [...users].sort()) {
    const next = mergeFacts(read.get(user)?.entry, facts.get(user)!)
    if (next) entries.push(next)
  }
  return { entries, versions: new Map([...read].map(([user, r]) => [user, r.version])) }
}

/**
 * Merges what a batch's events say about people into their rows (`peopleRowsOf` everyone
 * the facts are about, read without a lock) by the domain's rule: the later event time
 * wins. Returns the directory as this batch knows it (for planning) and the write that
 * `writeDirectory` makes at the end of the transaction.
 */
export function learnFacts(rows: readonly (PersonRow & { version: string })[], facts: readonly PersonFacts[], hallMembers: readonly { hallId: string; userId: string }[]): { directory: Directory; write: DirectoryWrite } {
  const factsByUser = new Map<string, PersonFacts[]>()
  for (const f of facts) factsByUser.set(f.person.id, [...(factsByUser.get(f.person.id) ?? []), f])
  const read = byUser(rows)
  const { entries, versions } = mergeAll(read, factsByUser, [...factsByUser.keys()])
  const directory = new Map([...read.values()].map(({ entry }) => [entry.userId, entry]))
  for (const entry of entries) directory.set(entry.userId, entry)
  return { directory, write: { entries, versions, facts: factsByUser, hallMembers: [...hallMembers] } }
}

/**
 * Writes what `learnFacts` merged; called last in the ingest transaction, so a person's
 * row (a hall admin is in most batches) stays locked for this and the commit only, and a
 * person whose facts change nothing is not locked at all.
 * Each row is written only if it is still the version the merge started from. A row
 * another transaction changed meanwhile is merged again from what it holds now: the
 * upsert has locked it (ON CONFLICT locks a row even when its WHERE fails), so the
 * second pass cannot be raced, and no field a newer commit set is lost.
 */
export async function writeDirectory(trx: Transaction<Database>, write: DirectoryWrite): Promise<void> {
  let { entries, versions } = write
  while (entries.length > 0) {
    const written = await upsertIfUnchanged(trx, entries, versions)
    const changedMeanwhile = entries.filter((e) => !written.has(e.userId)).map((e) => e.userId)
    if (changedMeanwhile.length === 0) break
    ;({ entries, versions } = mergeAll(await readPeople(trx, changedMeanwhile, { lock: true }), write.facts, changedMeanwhile))
  }
  if (write.hallMembers.length > 0) {
    const pairs = [...new Map(write.hallMembers.map((m) => [`${m.hallId}\u0000${m.userId}`, m])).values()].sort((a, b) => (a.hallId === b.hallId ? (a.userId < b.userId ? -1 : 1) : a.hallId < b.hallId ? -1 : 1))
    await sql`
      INSERT INTO hall_people (hall_id, user_id)
      SELECT hall_id, user_id FROM unnest(${pairs.map((p) => p.hallId)}::text[], ${pairs.map((p) => p.userId)}::text[]) AS r(hall_id, user_id)
      ON CONFLICT DO NOTHING`.execute(trx)
  }
}

/** Inserts new people and updates those whose row is still `versions`' one (rows in user id order); returns who was written. */
async function upsertIfUnchanged(trx: Transaction<Database>, entries: DirectoryEntry[], versions: Map<string, string>): Promise<Set<string>> {
  const json = JSON.stringify(entries.map((e) => ({ user_id: e.userId, email: e.email, name: e.name, locale: e.locale, phone: e.phone, time_zone: e.timeZone, facts_time: e.factsTime })))
  // A person absent at the read has no version: a row inserted meanwhile is not overwritten.
  const expected = JSON.stringify(Object.fromEntries(entries.flatMap((e) => (versions.has(e.userId) ? [[e.userId, versions.get(e.userId)]] : []))))
  const { rows } = await sql<{ user_id: string }>`
    INSERT INTO people AS p (user_id, email, name, locale, phone, time_zone, facts_time)
    SELECT user_id, email, name, locale, phone, time_zone, facts_time
    FROM json_to_recordset(${json}::json) AS r(user_id text, email text, name text, locale text, phone text, time_zone text, facts_time timestamptz)
    ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET
      email = excluded.email, name = excluded.name, locale = excluded.locale, phone = excluded.phone,
      time_zone = excluded.time_zone, facts_time = excluded.facts_time, updated_at = now()
    WHERE p.xmin::text = ${expected}::jsonb ->> excluded.user_id
    RETURNING p.user_id`.execute(trx)
  return new Set(rows.map((r) => r.user_id))
}
