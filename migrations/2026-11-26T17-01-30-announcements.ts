import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // An announcement fans out in batches after a cursor (user ids in order); the counts grow
  // with each batch, in the batch's transaction.
  await sql`
    CREATE TABLE announcements (
      id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
      title        text        NOT NULL,
      body         text        NOT NULL,
      url          text,
      audience     jsonb       NOT NULL,
      channels     text[]      NOT NULL,
      send_at      timestamptz NOT NULL,
      status       text        NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'sending', 'sent', 'cancelled')),
      cursor       text,
      recipients   integer     NOT NULL DEFAULT 0,
      in_app_count integer     NOT NULL DEFAULT 0,
      email_count  integer     NOT NULL DEFAULT 0,
      push_count   integer     NOT NULL DEFAULT 0,
      created_by   text        NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      started_at   timestamptz,
      finished_at  timestamptz,
      cancelled_at timestamptz
    )`.execute(db)
  await sql`CREATE INDEX announcements_due ON announcements (send_at) WHERE status IN ('scheduled', 'sending')`.execute(db)
  await sql`CREATE INDEX announcements_created ON announcements (created_at DESC, id DESC)`.execute(db)
  // One row per recipient reached: the key that makes "each recipient at most once" provable.
  await sql`
    CREATE TABLE announcement_recipients (
      announcement_id uuid NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
      user_id         text NOT NULL,
      PRIMARY KEY (announcement_id, user_id)
    )`.execute(db)
  await sql`CREATE INDEX announcement_recipients_user ON announcement_recipients (user_id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE announcement_recipients`.execute(db)
  await sql`DROP TABLE announcements`.execute(db)
}
