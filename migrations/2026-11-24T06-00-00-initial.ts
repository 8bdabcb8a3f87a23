import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- (source, id) of every event whose effects are committed; written in the same
    -- transaction as those effects, so a redelivered event finds its row and does nothing.
    CREATE TABLE processed_events (
      source       text        NOT NULL,
      id           text        NOT NULL,
      type         text        NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (source, id)
    );

    CREATE TABLE notifications (
      id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id      text        NOT NULL,
      type         text        NOT NULL,
      title        text        NOT NULL,
      body         text        NOT NULL,
      data         jsonb       NOT NULL DEFAULT '{}',
      -- Millisecond precision, so a cursor made from a JS Date names the exact row.
      created_at   timestamptz(3) NOT NULL DEFAULT now(),
      read_at      timestamptz,
      event_source text        NOT NULL,
      event_id     text        NOT NULL
    );
    -- A user's newest-first page, keyset on (created_at, id).
    CREATE INDEX notifications_user_newest ON notifications (user_id, created_at DESC, id DESC);
    -- A user's unread count touches only unread rows.
    CREATE INDEX notifications_user_unread ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;
    -- Retention deletes the oldest rows first.
    CREATE INDEX notifications_created ON notifications (created_at);

    CREATE TABLE email_outbox (
      id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id           text        NOT NULL,
      recipient         text        NOT NULL,
      notification_type text        NOT NULL,
      template          text        NOT NULL,
      locale            text        NOT NULL,
      -- What the template is rendered from; secrets in it are erased once the email is final.
      payload           jsonb       NOT NULL,
      status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
      attempts          integer     NOT NULL DEFAULT 0,
      -- For a pending email: when it may next be tried. A claimed email has this pushed
      -- forward by the lease, so a sender that dies releases it by simply not finishing.
      next_attempt_at   timestamptz NOT NULL DEFAULT now(),
      last_error        text,
      created_at        timestamptz(3) NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now(),
      sent_at           timestamptz,
      event_source      text        NOT NULL,
      event_id          text        NOT NULL
    );
    CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX email_outbox_status_created ON email_outbox (status, created_at DESC, id DESC);
    CREATE INDEX email_outbox_recipient ON email_outbox (recipient, created_at DESC);
    CREATE INDEX email_outbox_finished ON email_outbox (updated_at) WHERE status <> 'pending';

    -- Only changed preferences are stored; a missing row means "on".
    CREATE TABLE preferences (
      user_id    text        NOT NULL,
      type       text        NOT NULL,
      email      boolean     NOT NULL DEFAULT true,
      in_app     boolean     NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, type)
    );
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE preferences, email_outbox, notifications, processed_events`.execute(db)
}
