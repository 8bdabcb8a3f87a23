import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Work due at a time (reminders first). A job is claimed with FOR UPDATE SKIP LOCKED in
    -- the transaction that writes its effects and marks it done: a replica that dies before
    -- committing leaves the job scheduled, so no lease is needed.
    CREATE TABLE scheduled_jobs (
      id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
      kind        text        NOT NULL,
      -- One job per (kind, key), e.g. a reminder per (booking, offset): writing it twice moves it.
      key         text        NOT NULL,
      -- What the job is about (a booking id), to move or cancel all of its jobs at once.
      subject     text        NOT NULL,
      due_at      timestamptz NOT NULL,
      status      text        NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'done', 'cancelled')),
      payload     jsonb       NOT NULL DEFAULT '{}'::jsonb,
      attempts    integer     NOT NULL DEFAULT 0,
      last_error  text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      done_at     timestamptz,
      UNIQUE (kind, key)
    );
    -- The scheduler's one question: what is due now, oldest first.
    CREATE INDEX scheduled_jobs_due ON scheduled_jobs (due_at) WHERE status = 'scheduled';
    CREATE INDEX scheduled_jobs_subject ON scheduled_jobs (kind, subject);

    -- The booking's current start, as the winning event said it, and the CloudEvent time of
    -- the newest update applied (between updates the later one wins).
    ALTER TABLE booking_states
      ADD COLUMN starts_at timestamptz,
      ADD COLUMN last_update_time timestamptz`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE booking_states DROP COLUMN starts_at, DROP COLUMN last_update_time;
    DROP TABLE scheduled_jobs`.execute(db)
}
