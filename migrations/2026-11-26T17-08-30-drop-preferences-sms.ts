import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

// preferences.sms was added as a column for a table that had since become one row per
// (user, type, channel): SMS choices are rows with channel 'sms', and nothing reads or
// writes the column. It goes, so nobody mistakes it for the setting.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE preferences DROP COLUMN IF EXISTS sms`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE preferences ADD COLUMN sms boolean`.execute(db)
}
