import type { BookitEvent, PersonData } from './events.js'

/** What the service knows about a person, and the CloudEvent time those facts come from. */
export interface DirectoryEntry {
  userId: string
  email: string
  name: string
  locale: string | null
  phone: string | null
  timeZone: string | null
  /** ISO time of the newest event these facts were taken from. */
  factsTime: string
}

/** Directory entries by user id, read in the transaction that plans deliveries. */
export type Directory = ReadonlyMap<string, DirectoryEntry>

/** One person's facts as one event states them. */
export interface PersonFacts {
  person: PersonData
  /** The event's `time`, or when it was processed when it has none. */
  time: string
  /**
   * `user.*` events come from the user service and state every field: a missing phone
   * means there is none. A booking event carries what the booking service happens to
   * know, so a field it leaves out keeps the value the directory has.
   */
  complete: boolean
}

/** The people an event tells about, with the time that counts for its facts. */
export function factsOf(event: BookitEvent, processedAt: string): PersonFacts[] {
  if (event.type === 'user.deleted') return []
  const time = event.time ?? processedAt
  if (event.type === 'user.created' || event.type === 'user.updated') return [{ person: event.data.user, time, complete: true }]
  const data = event.data as { user: PersonData; hallAdmins?: PersonData[] }
  return [data.user, ...(data.hallAdmins ?? [])].map((person) => ({ person, time, complete: false }))
}

const ms = (iso: string) => Date.parse(iso)

/**
 * The entry after these facts, applied oldest first: the later time wins, an equal time
 * applies in the order given (the later one processed wins), and facts older than the
 * entry change nothing. Undefined when nothing changes (also when the facts restate the entry).
 */
export function mergeFacts(current: DirectoryEntry | undefined, facts: readonly PersonFacts[]): DirectoryEntry | undefined {
  let entry = current
  const ordered = facts.map((f, i) => ({ f, i })).sort((a, b) => ms(a.f.time) - ms(b.f.time) || a.i - b.i)
  for (const { f } of ordered) {
    if (entry && ms(f.time) < ms(entry.factsTime)) continue
    const p = f.person
    const keep = <T>(given: T | undefined, known: T | null | undefined): T | null => (given !== undefined ? given : f.complete ? null : (known ?? null))
    entry = {
      userId: p.id,
      email: p.email,
      name: p.name,
      locale: keep(p.locale, entry?.locale),
      phone: keep(p.phone, entry?.phone),
      timeZone: keep(p.timeZone, entry?.timeZone),
      factsTime: new Date(ms(f.time)).toISOString(),
    }
  }
  return entry === undefined || (current !== undefined && sameEntry(entry, current)) ? undefined : entry
}

// Facts restated at the entry's own time (an admin in many events of one instant) write nothing.
const sameEntry = (a: DirectoryEntry, b: DirectoryEntry) =>
  a.email === b.email && a.name === b.name && a.locale === b.locale && a.phone === b.phone && a.timeZone === b.timeZone && a.factsTime === b.factsTime


/**
 * The person as a delivery should address them: the directory's facts when they are at
 * least as new as the event's (a user.updated after the booking was made), else the
 * event's own, with what the event leaves out taken from the directory.
 * `eventTime` undefined: the event counts as processed now, so its own facts are the newest.
 */
export function latestFacts(person: PersonData, eventTime: string | undefined, directory: Directory): PersonData {
  const entry = directory.get(person.id)
  if (!entry) return person
  const fromEntry = (value: string | null) => (value === null ? undefined : value)
  if (eventTime !== undefined && ms(entry.factsTime) >= ms(eventTime)) {
    const { locale, phone, timeZone, ...rest } = { ...person, email: entry.email, name: entry.name, locale: fromEntry(entry.locale), phone: fromEntry(entry.phone), timeZone: fromEntry(entry.timeZone) }
    return { ...rest, ...(locale !== undefined ? { locale } : {}), ...(phone !== undefined ? { phone } : {}), ...(timeZone !== undefined ? { timeZone } : {}) }
  }
  return {
    ...person,
    ...(person.locale === undefined && entry.locale !== null ? { locale: entry.locale } : {}),
    ...(person.phone === undefined && entry.phone !== null ? { phone: entry.phone } : {}),
    ...(person.timeZone === undefined && entry.timeZone !== null ? { timeZone: entry.timeZone } : {}),
  }
}

/** Who a booking event says belongs to its hall: the booker and the hall's admins. */
export function hallMembersOf(event: BookitEvent): { hallId: string; userId: string }[] {
  if (!('booking' in event.data)) return []
  const data = event.data as { hall: { id: string }; user: PersonData; hallAdmins?: PersonData[] }
  return [data.user, ...(data.hallAdmins ?? [])].map((p) => ({ hallId: data.hall.id, userId: p.id }))
}
