import type { BookitEvent } from './events.js'

/** What the service knows about one booking's history, whatever order its events came in. */
export interface BookingState {
  bookingId: string
  /** Set by the first cancellation: final for the booking id. */
  cancelledAt: string | null
  /** The newest CloudEvent `time` applied; an older update loses to it. */
  lastEventTime: string | null
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
 * final, so a `booking.created` that comes after it produces nothing; among updates the
 * later `time` wins. `cancelledLater` says a cancellation of the same booking is committed
 * together with this event: its confirmation would never be the newest word, so it is left out.
 */
export function applyBookingEvent(state: BookingState, event: BookingEvent, cancelledLater = false): { produces: boolean; next: BookingState } {
  const next = { ...state, lastEventTime: later(state.lastEventTime, event.time) }
  switch (event.type) {
    case 'booking.cancelled':
      return { produces: true, next: { ...next, cancelledAt: state.cancelledAt ?? event.data.cancellation.cancelledAt } }
    case 'booking.created':
      return { produces: state.cancelledAt === null && !cancelledLater, next }
  }
}
