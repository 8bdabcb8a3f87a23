import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Endpoints operators register; a delivery's destination is an endpoint id.
    CREATE TABLE webhook_endpoints (
      id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
      url             text        NOT NULL,
      events          text[]      NOT NULL,
      description     text        NOT NULL DEFAULT '',
      -- whsec_...: the signing key; shown once when created or rotated, never logged.
      secret          text        NOT NULL,
      -- After a rotation the old key still signs for 24 h, so receivers can switch over.
      previous_secret text,
      previous_secret_expires_at timestamptz,
      enabled         boolean     NOT NULL DEFAULT true,
      disabled_reason text,
      disabled_at     timestamptz,
      -- Set on the first failed call after a success; an endpoint failing for 5 days is disabled.
      failing_since   timestamptz,
      last_success_at timestamptz,
      created_at      timestamptz(3) NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    -- Planning looks up the enabled endpoints that want an event type.
    CREATE INDEX webhook_endpoints_events ON webhook_endpoints USING gin (events) WHERE enabled;

    -- SMPP message ids (one per part) of each SMS delivery, so a delivery receipt finds its
    -- delivery. Kept by the SMS channel until the deliveries table carries provider ids.
    CREATE TABLE sms_messages (
      message_id  text        PRIMARY KEY,
      delivery_id uuid        NOT NULL,
      part        integer     NOT NULL,
      parts       integer     NOT NULL,
      -- submitted, then delivered or failed from the receipt.
      status      text        NOT NULL DEFAULT 'submitted',
      receipt     text,
      submitted_at timestamptz NOT NULL DEFAULT now(),
      receipt_at  timestamptz
    );
    CREATE INDEX sms_messages_delivery ON sms_messages (delivery_id);

    -- SMS per type: null keeps the type's default (on only for the urgent ones).
    ALTER TABLE preferences ADD COLUMN sms boolean;

    -- delivery.sent / delivery.failed webhooks, written by the database in the transaction
    -- that changes a delivery's status, whichever code path does it: none lost or doubled.
    -- One statement-level trigger: a batch of 100 emails marked sent costs one INSERT.
    CREATE FUNCTION deliveries_webhook_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO deliveries (channel, user_id, destination, notification_type, notification_id, template, locale, payload, event_source, event_id)
      SELECT 'webhook', NULL, e.id::text, 'delivery.' || n.status, n.notification_id, 'webhook', 'en',
             jsonb_build_object(
               'type', 'delivery.' || n.status,
               'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               -- Never the destination or the payload: no addresses, numbers or secrets.
               'data', jsonb_build_object('delivery', jsonb_build_object(
                 'id', n.id, 'channel', n.channel, 'userId', n.user_id, 'notificationType', n.notification_type,
                 'notificationId', n.notification_id, 'status', n.status, 'attempts', n.attempts, 'error', n.last_error))),
             n.event_source, n.event_id
      FROM new_rows n
      JOIN old_rows o ON o.id = n.id
      JOIN webhook_endpoints e ON e.enabled AND e.events @> ARRAY['delivery.' || n.status]
      WHERE n.channel <> 'webhook'
        AND ((o.status = 'pending' AND n.status IN ('sent', 'failed')) OR (o.status = 'sent' AND n.status = 'failed'));
      RETURN NULL;
    END $$;
    CREATE TRIGGER deliveries_webhook_events AFTER UPDATE ON deliveries
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION deliveries_webhook_events();
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER deliveries_webhook_events ON deliveries; DROP FUNCTION deliveries_webhook_events(); ALTER TABLE preferences DROP COLUMN sms; DROP TABLE sms_messages; DROP TABLE webhook_endpoints`.execute(db)
}
