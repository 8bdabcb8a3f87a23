import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- One message to one destination on one channel. Email, push, SMS and webhooks share
    -- the table, the claim query and the retry logic; a channel only renders and sends.
    CREATE TABLE deliveries (
      id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
      -- The default is for rows written through the email_outbox view (below), which are emails.
      channel           text        NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'push', 'sms', 'webhook')),
      -- Null for webhooks, which go to an endpoint, not a user.
      user_id           text,
      -- Email address, push subscription id, E.164 number, webhook endpoint id.
      destination       text        NOT NULL,
      notification_type text        NOT NULL,
      notification_id   uuid,
      template          text        NOT NULL,
      locale            text        NOT NULL,
      -- What the channel renders from; secrets in it are erased once the delivery is final.
      payload           jsonb       NOT NULL,
      -- expired: it no longer matters (a reminder for a booking that has ended).
      status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'expired')),
      attempts          integer     NOT NULL DEFAULT 0,
      -- For a pending delivery: when it may next be tried. A claimed one has this pushed
      -- forward by the stuck-work bound, which returns it if its sender hangs.
      next_attempt_at   timestamptz NOT NULL DEFAULT now(),
      last_error        text,
      -- What the provider called it (SMTP queue id, SMPP message_id, ...).
      provider_id       text,
      -- The live instance holding the claim (see instances) and the claim's fencing token:
      -- an outcome is recorded only while the token is still the one this claim set.
      claimed_by        uuid,
      claim_token       uuid,
      created_at        timestamptz(3) NOT NULL DEFAULT now(),
      -- Start of the current round of attempts (creation, or an operator's retry): the give-up window counts from here.
      round_started_at  timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now(),
      sent_at           timestamptz,
      event_source      text        NOT NULL,
      event_id          text        NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries (channel, next_attempt_at) WHERE status = 'pending';
    CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE status = 'pending' AND claimed_by IS NOT NULL;
    CREATE INDEX deliveries_channel_status_created ON deliveries (channel, status, created_at DESC, id DESC);
    CREATE INDEX deliveries_status_created ON deliveries (status, created_at DESC, id DESC);
    CREATE INDEX deliveries_destination ON deliveries (destination, created_at DESC);
    CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE status <> 'pending';
    CREATE INDEX deliveries_sent_bodies ON deliveries (id) WHERE status = 'sent' AND payload <> '{}'::jsonb;

    INSERT INTO deliveries (id, channel, user_id, destination, notification_type, template, locale, payload, status,
                            attempts, next_attempt_at, last_error, created_at, round_started_at, updated_at, sent_at, event_source, event_id)
    -- A booking email carries its booking's end as expiresAt: once that has passed it is not sent late.
    SELECT id, 'email', user_id, recipient, notification_type, template, locale,
           CASE WHEN payload->'booking' ? 'endsAt' THEN payload || jsonb_build_object('expiresAt', payload->'booking'->'endsAt') ELSE payload END,
           status,
           attempts, next_attempt_at, last_error, created_at, created_at, updated_at, sent_at, event_source, event_id
    FROM email_outbox;
    DROP TABLE email_outbox;

    -- The email deliveries under their old name and columns: operators' queries, the
    -- retention job and dashboards keep working. A simple view, so it is updatable too.
    CREATE VIEW email_outbox AS
      SELECT id, user_id, destination AS recipient, notification_type, template, locale, payload, status,
             attempts, next_attempt_at, last_error, created_at, updated_at, sent_at, event_source, event_id
      FROM deliveries WHERE channel = 'email';

    -- One row per running instance that sends deliveries. Each holds a session advisory
    -- lock on (namespace, lock_key) on a dedicated connection for as long as it lives; the
    -- database drops the lock when that session ends, which is how others see it is gone.
    CREATE TABLE instances (
      id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
      lock_key   integer     NOT NULL UNIQUE GENERATED ALWAYS AS IDENTITY,
      host       text        NOT NULL,
      pid        integer     NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  // The email rows back into the table as it was (expired ones as failed: the old table had no such status).
  await sql`
    DROP VIEW email_outbox;
    CREATE TABLE email_outbox (
      id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id           text        NOT NULL,
      recipient         text        NOT NULL,
      notification_type text        NOT NULL,
      template          text        NOT NULL,
      locale            text        NOT NULL,
      payload           jsonb       NOT NULL,
      status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
      attempts          integer     NOT NULL DEFAULT 0,
      next_attempt_at   timestamptz NOT NULL DEFAULT now(),
      last_error        text,
      created_at        timestamptz(3) NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now(),
      sent_at           timestamptz,
      event_source      text        NOT NULL,
      event_id          text        NOT NULL
    );
    INSERT INTO email_outbox (id, user_id, recipient, notification_type, template, locale, payload, status,
                              attempts, next_attempt_at, last_error, created_at, updated_at, sent_at, event_source, event_id)
    SELECT id, coalesce(user_id, ''), destination, notification_type, template, locale, payload,
           CASE WHEN status = 'expired' THEN 'failed' ELSE status END,
           attempts, next_attempt_at, last_error, created_at, updated_at, sent_at, event_source, event_id
    FROM deliveries WHERE channel = 'email';
    CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX email_outbox_status_created ON email_outbox (status, created_at DESC, id DESC);
    CREATE INDEX email_outbox_recipient ON email_outbox (recipient, created_at DESC);
    CREATE INDEX email_outbox_finished ON email_outbox (updated_at) WHERE status <> 'pending';
    CREATE INDEX email_outbox_sent_bodies ON email_outbox (id) WHERE status = 'sent' AND payload <> '{}'::jsonb;
    DROP TABLE deliveries, instances;
  `.execute(db)
}
