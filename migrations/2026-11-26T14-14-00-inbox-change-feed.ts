import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE notifications ADD COLUMN seen_at timestamptz, ADD COLUMN archived_at timestamptz;
    -- The default list leaves archived ones out, and the bell counts unseen ones: both stay
    -- index-bounded per user.
    CREATE INDEX notifications_user_inbox ON notifications (user_id, created_at DESC, id DESC) WHERE archived_at IS NULL;
    CREATE INDEX notifications_user_unseen ON notifications (user_id) WHERE seen_at IS NULL AND archived_at IS NULL;

    -- What changed, in the order the changes were made: the source of live updates on every
    -- replica and of the replay after a reconnect (Last-Event-ID is a seq). Written by the
    -- triggers below, so no writer can forget it; pruned after a day.
    CREATE TABLE notification_changes (
      seq             bigserial   PRIMARY KEY,
      user_id         text        NOT NULL,
      -- null for 'cleared': every notification of the user is gone
      notification_id uuid,
      kind            text        NOT NULL CHECK (kind IN ('created', 'updated', 'deleted', 'cleared')),
      changed_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX notification_changes_user ON notification_changes (user_id, seq);
    CREATE INDEX notification_changes_changed ON notification_changes (changed_at);

    -- Single-use tickets for opening a stream without a token in the URL; any replica redeems.
    CREATE TABLE stream_tickets (
      ticket_hash      text        PRIMARY KEY,
      user_id          text        NOT NULL,
      -- The stream a ticket opens ends when the token the ticket was made with expires.
      token_expires_at timestamptz NOT NULL,
      expires_at       timestamptz NOT NULL
    );
    CREATE INDEX stream_tickets_expires ON stream_tickets (expires_at);

    -- One NOTIFY per statement, whatever its size: the seq range, and the users while they
    -- fit (payloads must stay under 8000 bytes; past that, listeners read users from the log).
    CREATE FUNCTION announce_notification_changes(lo bigint, hi bigint, users text[]) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      payload text := json_build_object('from', lo, 'to', hi, 'users', to_json(users))::text;
    BEGIN
      IF octet_length(payload) > 7900 THEN
        payload := json_build_object('from', lo, 'to', hi)::text;
      END IF;
      PERFORM pg_notify('bookit_notifications', payload);
    END $$;

    CREATE FUNCTION notifications_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE lo bigint; hi bigint; users text[];
    BEGIN
      WITH logged AS (
        INSERT INTO notification_changes (user_id, notification_id, kind)
        SELECT user_id, id, 'created' FROM new_rows ORDER BY created_at, id
        RETURNING seq, user_id)
      SELECT min(seq), max(seq), array_agg(DISTINCT user_id) INTO lo, hi, users FROM logged;
      IF lo IS NOT NULL THEN PERFORM announce_notification_changes(lo, hi, users); END IF;
      RETURN NULL;
    END $$;

    CREATE FUNCTION notifications_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE lo bigint; hi bigint; users text[];
    BEGIN
      WITH logged AS (
        INSERT INTO notification_changes (user_id, notification_id, kind)
        SELECT n.user_id, n.id, 'updated' FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.read_at, n.seen_at, n.archived_at) IS DISTINCT FROM (o.read_at, o.seen_at, o.archived_at)
        ORDER BY n.created_at, n.id
        RETURNING seq, user_id)
      SELECT min(seq), max(seq), array_agg(DISTINCT user_id) INTO lo, hi, users FROM logged;
      IF lo IS NOT NULL THEN PERFORM announce_notification_changes(lo, hi, users); END IF;
      RETURN NULL;
    END $$;

    -- A user left with none of several deleted rows gets one 'cleared' change, not one per row.
    CREATE FUNCTION notifications_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE lo bigint; hi bigint; users text[];
    BEGIN
      WITH per_user AS (
        SELECT user_id, count(*) AS n FROM old_rows GROUP BY user_id),
      emptied AS (
        SELECT user_id FROM per_user p WHERE n > 1 AND NOT EXISTS (SELECT 1 FROM notifications x WHERE x.user_id = p.user_id)),
      logged AS (
        INSERT INTO notification_changes (user_id, notification_id, kind)
        SELECT user_id, id, 'deleted' FROM old_rows WHERE user_id NOT IN (SELECT user_id FROM emptied)
        UNION ALL
        SELECT user_id, NULL, 'cleared' FROM emptied
        RETURNING seq, user_id)
      SELECT min(seq), max(seq), array_agg(DISTINCT user_id) INTO lo, hi, users FROM logged;
      IF lo IS NOT NULL THEN PERFORM announce_notification_changes(lo, hi, users); END IF;
      RETURN NULL;
    END $$;

    CREATE TRIGGER notifications_inserted AFTER INSERT ON notifications
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notifications_inserted();
    CREATE TRIGGER notifications_updated AFTER UPDATE ON notifications
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notifications_updated();
    CREATE TRIGGER notifications_deleted AFTER DELETE ON notifications
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notifications_deleted();
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TRIGGER notifications_inserted ON notifications;
    DROP TRIGGER notifications_updated ON notifications;
    DROP TRIGGER notifications_deleted ON notifications;
    DROP FUNCTION notifications_inserted(), notifications_updated(), notifications_deleted(), announce_notification_changes(bigint, bigint, text[]);
    DROP TABLE stream_tickets, notification_changes;
    DROP INDEX notifications_user_inbox, notifications_user_unseen;
    ALTER TABLE notifications DROP COLUMN seen_at, DROP COLUMN archived_at;
  `.execute(db)
}
