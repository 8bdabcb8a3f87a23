import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Database } from '../src/db/schema.js'

/**
 * Fills the notifications table the way a busy deployment would look: `users` users with
 * `perUser` notifications each, spread over 90 days, about 30 % unread.
 */
export async function seedNotifications(db: Kysely<Database>, users: number, perUser: number): Promise<void> {
  await sql`
    INSERT INTO notifications (user_id, type, title, body, data, created_at, read_at, event_source, event_id)
    SELECT 'user-' || (i % ${users}),
           (ARRAY['booking_confirmed','hall_booking_created','booking_cancelled','hall_booking_cancelled','welcome'])[1 + (i / ${users}) % 5],
           'Booking confirmed: Quarterly review ' || i,
           'Main Hall, Tue, 1 Dec 2037, 10:00–12:30 (Europe/Berlin)',
           jsonb_build_object('bookingId', 'b-' || i, 'hallId', 'h-1', 'startsAt', '2037-12-01T09:00:00Z'),
           now() - (i % 7776000) * interval '1 second',
           CASE WHEN (i / ${users}) % 10 < 7 THEN now() ELSE NULL END,
           '/seed', 'seed-' || i
    FROM generate_series(1, ${users * perUser}) AS i`.execute(db)
  await sql`ANALYZE notifications`.execute(db)
}
