import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A user's quiet hours, as local wall-clock times ("22:00" to "07:00"), evaluated in the
    -- person's time zone when a delivery is planned. No row: no quiet hours.
    CREATE TABLE quiet_hours (
      user_id    text        PRIMARY KEY,
      starts_at  text        NOT NULL CHECK (starts_at ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
      ends_at    text        NOT NULL CHECK (ends_at ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- A hall admin's digest cadence per hall-admin type. A setting with three values, not a
    -- channel switch, so not in preferences; no row means "off".
    CREATE TABLE digest_preferences (
      user_id    text        NOT NULL,
      type       text        NOT NULL,
      cadence    text        NOT NULL CHECK (cadence IN ('hourly', 'daily')),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, type)
    );

    -- Why a delivery waits (quiet hours) and until when, for operators; and, for a digest
    -- email, the window it collects: one digest row per (admin, window), whatever races.
    ALTER TABLE deliveries
      ADD COLUMN deferred_until  timestamptz,
      ADD COLUMN deferral_reason text,
      ADD COLUMN digest_window   text;
    CREATE UNIQUE INDEX deliveries_digest_window ON deliveries (user_id, digest_window) WHERE digest_window IS NOT NULL;

    -- The lines of a digest, written in the ingest transaction that locked its digest row;
    -- rendered when the digest is sent.
    CREATE TABLE digest_items (
      id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      digest_id    uuid        NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
      booking_id   text        NOT NULL,
      kind         text        NOT NULL,
      event_time   timestamptz NOT NULL,
      details      jsonb       NOT NULL,
      event_source text        NOT NULL,
      event_id     text        NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX digest_items_digest ON digest_items (digest_id);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE digest_items;
    DROP INDEX deliveries_digest_window;
    ALTER TABLE deliveries DROP COLUMN deferred_until, DROP COLUMN deferral_reason, DROP COLUMN digest_window;
    DROP TABLE digest_preferences, quiet_hours;
  `.execute(db)
}
