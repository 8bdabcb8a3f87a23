import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // The user directory: the newest facts the service has learned about each person, and
  // the CloudEvent time they come from (an older event never overwrites a newer one).
  // Keyed by user_id, so that erasing a user is one delete per table.
  await sql`
    CREATE TABLE people (
      user_id    text        PRIMARY KEY,
      email      text        NOT NULL,
      name       text        NOT NULL,
      locale     text,
      phone      text,
      time_zone  text,
      facts_time timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  // Who belongs to a hall (its bookers and admins), for announcements to a hall's people.
  await sql`
    CREATE TABLE hall_people (
      hall_id text NOT NULL,
      user_id text NOT NULL,
      PRIMARY KEY (hall_id, user_id)
    )`.execute(db)
  await sql`CREATE INDEX hall_people_user ON hall_people (user_id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE hall_people`.execute(db)
  await sql`DROP TABLE people`.execute(db)
}
