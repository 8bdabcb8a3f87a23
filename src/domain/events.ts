import Type, { type Static, type TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { emailProblem, isIanaTimeZone, phoneProblem } from './contact-checks.js'
import { parseDateTime } from './date-time.js'
import { unstorableInputProblem } from './storable-input.js'

/** The largest event accepted, as the contract says; larger ones are invalid, not truncated. */
export const MAX_EVENT_BYTES = 256 * 1024

/** Event data that works as a credential: never logged, erased once its email is final. */
export const SECRET_DATA_KEYS = ['temporaryPassword', 'activationUrl'] as const

const Id = Type.String({ minLength: 1, maxLength: 200 })
const Name = Type.String({ minLength: 1, maxLength: 200 })
// The format is checked by parseDateTime (registered in date-time.ts), the one date validator.
const DateTime = Type.String({ format: 'date-time', maxLength: 64 })
const TimeZone = Type.String({ minLength: 1, maxLength: 64 })
const Locale = Type.String({ pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$', maxLength: 35 })

export const Person = Type.Object({
  id: Id,
  // The address rules (real domain, no quoted or IP-literal forms) are in emailProblem, with reasons.
  email: Type.String({ minLength: 3, maxLength: 320 }),
  name: Name,
  locale: Type.Optional(Locale),
  phone: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  timeZone: Type.Optional(TimeZone),
})

export const Booking = Type.Object({
  id: Id,
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  title: Type.String({ minLength: 1, maxLength: 500 }),
  startsAt: DateTime,
  endsAt: DateTime,
  attendees: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  notes: Type.Optional(Type.String({ maxLength: 5_000 })),
})

export const Hall = Type.Object({
  id: Id,
  name: Name,
  location: Type.Optional(Type.String({ maxLength: 500 })),
  timeZone: Type.Optional(TimeZone),
})

export const UserCreatedData = Type.Object({
  user: Person,
  temporaryPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  activationUrl: Type.Optional(Type.String({ pattern: '^https://', maxLength: 2_000 })),
})

/** The person's current facts, from the user service: later emails, SMS and digests use them. */
export const UserUpdatedData = Type.Object({ user: Person })

export const BookingCreatedData = Type.Object({
  booking: Booking,
  hall: Hall,
  user: Person,
  hallAdmins: Type.Optional(Type.Array(Person, { maxItems: 100 })),
})

export const BookingCancelledData = Type.Object({
  booking: Booking,
  hall: Hall,
  user: Person,
  hallAdmins: Type.Optional(Type.Array(Person, { maxItems: 100 })),
  cancellation: Type.Object({
    cancelledAt: DateTime,
    cancelledBy: Type.Object({ id: Id, name: Name }),
    reason: Type.Optional(Type.String({ maxLength: 2_000 })),
  }),
})

// Only the id: the service erases what it holds about this user, and needs nothing else to do it.
export const UserDeletedData = Type.Object({
  user: Type.Object({ id: Id }),
})

export const BookingUpdatedData = Type.Object({
  booking: Booking,
  hall: Hall,
  user: Person,
  hallAdmins: Type.Optional(Type.Array(Person, { maxItems: 100 })),
  /** What the booking was before this change. */
  previous: Type.Object({ startsAt: DateTime, endsAt: DateTime, hallId: Id }),
})

const Envelope = Type.Object({
  specversion: Type.Literal('1.0'),
  id: Id,
  source: Type.String({ minLength: 1, maxLength: 500 }),
  type: Type.String({ minLength: 1, maxLength: 200 }),
  time: Type.Optional(DateTime),
  subject: Type.Optional(Type.String({ maxLength: 500 })),
  data: Type.Object({}),
})

export type PersonData = Static<typeof Person>
export type UserCreated = Static<typeof UserCreatedData>
export type UserUpdated = Static<typeof UserUpdatedData>
export type BookingCreated = Static<typeof BookingCreatedData>
export type BookingCancelled = Static<typeof BookingCancelledData>
export type UserDeleted = Static<typeof UserDeletedData>
export type BookingUpdated = Static<typeof BookingUpdatedData>

interface EventBase {
  specversion: '1.0'
  id: string
  source: string
  time?: string
  subject?: string
}

export type BookitEvent =
  | (EventBase & { type: 'user.created'; data: UserCreated })
  | (EventBase & { type: 'user.updated'; data: UserUpdated })
  | (EventBase & { type: 'booking.created'; data: BookingCreated })
  | (EventBase & { type: 'booking.cancelled'; data: BookingCancelled })
  | (EventBase & { type: 'user.deleted'; data: UserDeleted })
  | (EventBase & { type: 'booking.updated'; data: BookingUpdated })

export type EventType = BookitEvent['type']
export const EVENT_TYPES: readonly EventType[] = ['booking.created', 'booking.cancelled', 'booking.updated', 'user.created', 'user.updated', 'user.deleted']

const envelopeValidator = Compile(Envelope)
const dataValidators: Record<EventType, ReturnType<typeof Compile<TSchema>>> = {
  'user.created': Compile(UserCreatedData),
  'user.updated': Compile(UserUpdatedData),
  'booking.created': Compile(BookingCreatedData),
  'booking.cancelled': Compile(BookingCancelledData),
  'user.deleted': Compile(UserDeletedData),
  'booking.updated': Compile(BookingUpdatedData),
}

export type Validation = { ok: true; event: BookitEvent } | { ok: false; error: string }

const DATE_TIME_MESSAGE = 'must be a real RFC 3339 date-time with a zone, such as 2026-12-01T09:00:00Z (no leap second, years 0001-9999)'

function firstError(validator: ReturnType<typeof Compile<TSchema>>, value: unknown, prefix: string): string {
  // The most specific error is the one with the deepest path; anyOf summaries come last.
  const errors = validator.Errors(value)
  const best = errors.find((e) => e.keyword !== 'anyOf') ?? errors[0]
  if (!best) return 'invalid'
  const path = `${prefix}${best.instancePath}`.replace(/^\//, '').replace(/\//g, '.')
  const message = best.keyword === 'format' && (best.params as { format?: string }).format === 'date-time' ? DATE_TIME_MESSAGE : best.message
  return path ? `${path}: ${message}` : message
}

function personProblem(person: PersonData, path: string): string | undefined {
  const email = emailProblem(person.email)
  if (email) return `${path}.email: ${email}`
  if (person.phone !== undefined) {
    const phone = phoneProblem(person.phone)
    if (phone) return `${path}.phone: ${phone}`
  }
  if (person.timeZone !== undefined && !isIanaTimeZone(person.timeZone)) return `${path}.timeZone: unknown time zone "${person.timeZone}" (an IANA name such as Europe/Berlin)`
  return undefined
}

/** Checks an already parsed value against the contract; the error says what is wrong in one line. */
export function validateEvent(value: unknown): Validation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: `event must be a JSON object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})` }
  }
  // Before the schema: error messages below may quote values, which must be printable.
  const unstorable = unstorableInputProblem(value)
  if (unstorable) return { ok: false, error: unstorable }
  if (!envelopeValidator.Check(value)) return { ok: false, error: firstError(envelopeValidator, value, '') }
  const type = value.type as EventType
  const dataValidator = dataValidators[type]
  if (!dataValidator) return { ok: false, error: `type: unknown event type "${type}" (known: ${EVENT_TYPES.join(', ')})` }
  if (!dataValidator.Check(value.data)) return { ok: false, error: firstError(dataValidator, value.data, 'data') }

  const event = value as BookitEvent
  if (event.type === 'user.deleted') return { ok: true, event }
  const userProblem = personProblem(event.data.user, 'data.user')
  if (userProblem) return { ok: false, error: userProblem }
  if (event.type !== 'user.created' && event.type !== 'user.updated') {
    const { booking, hall, hallAdmins = [] } = event.data
    for (const [i, admin] of hallAdmins.entries()) {
      const adminProblem = personProblem(admin, `data.hallAdmins.${i}`)
      if (adminProblem) return { ok: false, error: adminProblem }
    }
    if (parseDateTime(booking.endsAt)! < parseDateTime(booking.startsAt)!) return { ok: false, error: 'data.booking.endsAt: must not be before startsAt' }
    if (event.type === 'booking.updated' && parseDateTime(event.data.previous.endsAt)! < parseDateTime(event.data.previous.startsAt)!) {
      return { ok: false, error: 'data.previous.endsAt: must not be before startsAt' }
    }
    if (hall.timeZone !== undefined && !isIanaTimeZone(hall.timeZone)) return { ok: false, error: `data.hall.timeZone: unknown time zone "${hall.timeZone}" (an IANA name such as Europe/Berlin)` }
  }
  return { ok: true, event }
}

export const tooLarge = (size: number): Validation => ({ ok: false, error: `event too large: ${size} bytes, over the limit of 256 KiB (${MAX_EVENT_BYTES} bytes)` })

/** Parses raw bytes (a broker message body) and validates them. */
export function parseEvent(body: Buffer | string): Validation {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length
  if (size > MAX_EVENT_BYTES) return tooLarge(size)
  let value: unknown
  try {
    value = JSON.parse(body.toString())
  } catch (err) {
    return { ok: false, error: `not valid JSON: ${(err as Error).message}` }
  }
  return validateEvent(value)
}
