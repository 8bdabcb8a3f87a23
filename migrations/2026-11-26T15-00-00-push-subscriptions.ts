import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A browser's PushSubscription. The endpoint names one browser profile, so it is unique:
    -- subscribing again (or as another user on the same browser) updates the same row.
    CREATE TABLE push_subscriptions (
      id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id    text        NOT NULL,
      endpoint   text        NOT NULL UNIQUE,
      -- The browser's keys (base64url): the P-256 point and the auth secret the payload is encrypted to.
      p256dh     text        NOT NULL,
      auth       text        NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- A user's devices, looked up when a notification is planned and when the user lists them.
    CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE push_subscriptions`.execute(db)
}
