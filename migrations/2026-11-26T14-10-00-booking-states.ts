import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // One row per booking id, written in the same transaction as the effects of its events
  // and locked while they are planned: replicas and both transports agree on its order
  // (a cancellation is final; among updates the later CloudEvent time wins).
  await sql`
    CREATE TABLE booking_states (
      booking_id      text        PRIMARY KEY,
      cancelled_at    timestamptz,
      last_event_time timestamptz,
      updated_at      timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE booking_states`.execute(db)
}
