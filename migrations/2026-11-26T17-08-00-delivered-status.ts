import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

// The status webhooks as the database writes them (see the webhook-endpoints-sms-messages
// migration); `transitions` is the WHERE clause on (old, new) status that announces a change.
const webhookEvents = (transitions: string) => `
  CREATE OR REPLACE FUNCTION deliveries_webhook_events() RETURNS trigger LANGUAGE plpgsql AS $$
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
      AND (${transitions});
    RETURN NULL;
  END $$;`

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- delivered: the destination confirmed it arrived (an SMS delivery receipt), after sent.
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'sent', 'delivered', 'failed', 'expired'));
  `.execute(db)
  // sent -> delivered announces delivery.delivered like any other status change, in the same transaction.
  await sql
    .raw(
      webhookEvents(
        `(o.status = 'pending' AND n.status IN ('sent', 'failed')) OR (o.status = 'sent' AND n.status IN ('delivered', 'failed'))`,
      ),
    )
    .execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    UPDATE deliveries SET status = 'sent' WHERE status = 'delivered';
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'sent', 'failed', 'expired'));
  `.execute(db)
  await sql.raw(webhookEvents(`(o.status = 'pending' AND n.status IN ('sent', 'failed')) OR (o.status = 'sent' AND n.status = 'failed')`)).execute(db)
}
