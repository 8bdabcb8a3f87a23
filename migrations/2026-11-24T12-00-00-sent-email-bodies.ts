import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // The retention job empties the bodies of sent emails; this finds the ones left to empty
  // without reading every finished email (a row leaves the index once its body is gone).
  await sql`CREATE INDEX email_outbox_sent_bodies ON email_outbox (id) WHERE status = 'sent' AND payload <> '{}'::jsonb`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX email_outbox_sent_bodies`.execute(db)
}
