import { randomUUID } from 'node:crypto'

/** Sample events shaped as the contract shows them, with fresh ids each call. */

/** The sources these samples use: a test publisher's token names them in its `sources` claim. */
export const SAMPLE_SOURCES = ['/booking-service', '/user-service']

export interface Person {
  id: string
  email: string
  name: string
  locale?: string
}

export const ada: Person = { id: 'u-42', email: 'ada@example.com', name: 'Ada Lovelace', locale: 'en' }
export const grace: Person = { id: 'u-9', email: 'grace@example.com', name: 'Grace Hopper', locale: 'en' }
export const konrad: Person = { id: 'u-7', email: 'konrad@example.com', name: 'Konrad Zuse', locale: 'de-DE' }

export function userCreated(user: Person = ada, extra: Record<string, unknown> = {}) {
  return { specversion: '1.0', id: randomUUID(), source: '/user-service', type: 'user.created', time: '2026-11-23T09:00:00Z', data: { user, ...extra } }
}

export function bookingCreated(o: { user?: Person; admins?: Person[]; booking?: Record<string, unknown>; hall?: Record<string, unknown>; id?: string } = {}) {
  return {
    specversion: '1.0',
    id: o.id ?? randomUUID(),
    source: '/booking-service',
    type: 'booking.created',
    time: '2026-11-23T10:00:00Z',
    data: {
      booking: { id: `b-${randomUUID().slice(0, 8)}`, reference: 'BK-2026-0007', title: 'Quarterly review', startsAt: '2037-12-01T09:00:00Z', endsAt: '2037-12-01T11:30:00Z', attendees: 40, ...o.booking },
      hall: { id: 'h-1', name: 'Main Hall', location: 'Building A', timeZone: 'Europe/Berlin', ...o.hall },
      user: o.user ?? ada,
      hallAdmins: o.admins ?? [grace],
    },
  }
}

export function bookingCancelled(o: { user?: Person; admins?: Person[]; reason?: string; booking?: Record<string, unknown>; hall?: Record<string, unknown> } = {}) {
  const created = bookingCreated(o)
  return {
    ...created,
    id: randomUUID(),
    type: 'booking.cancelled',
    data: {
      ...created.data,
      cancellation: { cancelledAt: '2026-11-24T08:00:00Z', cancelledBy: { id: (o.user ?? ada).id, name: (o.user ?? ada).name }, ...(o.reason ? { reason: o.reason } : {}) },
    },
  }
}

/** A change of a booking: new times in `booking`, the old ones in `previous`; `time` orders updates. */
export function bookingUpdated(o: { user?: Person; admins?: Person[]; booking?: Record<string, unknown>; hall?: Record<string, unknown>; previous?: Record<string, unknown>; time?: string } = {}) {
  const created = bookingCreated(o)
  return {
    ...created,
    id: randomUUID(),
    type: 'booking.updated',
    time: o.time ?? '2026-11-23T11:00:00Z',
    data: { ...created.data, previous: { startsAt: '2037-12-01T09:00:00Z', endsAt: '2037-12-01T11:30:00Z', hallId: 'h-1', ...o.previous } },
  }
}
