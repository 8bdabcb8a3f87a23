import type { BookitEvent } from './events.js'

/** What the service knows about one booking's history, whatever order its events came in. */
export interface BookingState {
  bookingId: string
  /** Set by the first cancellation: final for the booking id. */
  cancelledAt: string | null
  /** The newest CloudEvent `time` applied; an older update loses to it. */
  lastEventTime: string | null
  /** The start the winning created/updated event gave (reminders are due relative to it). */
  startsAt?: string | null
  /** The CloudEvent `time` of the newest update applied; between updates the later one wins. */
  lastUpdateTime?: string | null
}

export type BookingEvent = Extract<BookitEvent, { data: { booking: unknown } }>

export const isBookingEvent = (event: BookitEvent): event is BookingEvent => event.type.startsWith('booking.')

const later = (a: string | null, b: string | undefined): string | null => {
  if (b === undefined) return a
  if (a === null) return b
  return Date.parse(b) > Date.parse(a) ? b : a
}

/**
 * Applies one booking event to its booking's state (contract, "Order"): a cancellation is
 * final, so a `booking.created` or `booking.updated` that comes after it produces nothing;
 * between updates the later `time` wins (an update without a `time` counts as the newest
 * word, as it arrived last). `cancelledLater` says a cancellation of the same booking is
 * committed together with this event: its confirmation would never be the newest word, so
 * it is left out. `scheduled` says the event set the booking's start (its reminders follow).
 */
export function applyBookingEvent(state: BookingState, event: BookingEvent, cancelledLater = false): { produces: boolean; scheduled: boolean; next: BookingState } {
  const next = { ...state, lastEventTime: later(state.lastEventTime, event.time) }
  const open = state.cancelledAt === null && !cancelledLater
  switch (event.type) {
    case 'booking.cancelled':
      return { produces: true, scheduled: false, next: { ...next, cancelledAt: state.cancelledAt ?? event.data.cancellation.cancelledAt } }
    case 'booking.created': {
      // An update that came first already holds the newer start; the confirmation still goes out.
      const scheduled = open && (state.lastUpdateTime ?? null) === null && (state.startsAt ?? null) === null
      return { produces: open, scheduled, next: scheduled ? { ...next, startsAt: event.data.booking.startsAt } : next }
    }
    case 'booking.updated': {
      const previous = state.lastUpdateTime ?? null
      const newer = previous === null || event.time === undefined || Date.parse(event.time) > Date.parse(previous)
      if (!open || !newer) return { produces: false, scheduled: false, next }
      return { produces: true, scheduled: true, next: { ...next, startsAt: event.data.booking.startsAt, lastUpdateTime: event.time ?? previous } }
    }
  }
}
