import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

// Seqs are handed out when a change is written, but transactions commit in another order:
// a stream can send seq 101 while the transaction holding seq 100 is still open. Each change
// now records the transaction that wrote it, and each NOTIFY the oldest transaction still
// running when it was sent, so a stream's position can say "everything up to seq S, except
// what transactions from X on may still add" (see stream-position.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Nullable with a default: no table rewrite; rows written before are long committed.
    ALTER TABLE notification_changes ADD COLUMN xid xid8;
    ALTER TABLE notification_changes ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
    -- A replay reads a user's late committers (xid >= X) beside the seqs after S.
    CREATE INDEX notification_changes_user_xid ON notification_changes (user_id, xid);

    -- Every transaction older than 'xmin' had finished before this one commits, so its
    -- NOTIFY came first: a listener that has handled this one has seen all of theirs.
    CREATE OR REPLACE FUNCTION announce_notification_changes(lo bigint, hi bigint, users text[]) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      horizon text := pg_snapshot_xmin(pg_current_snapshot())::text;
      payload text := json_build_object('from', lo, 'to', hi, 'xmin', horizon, 'users', to_json(users))::text;
    BEGIN
      IF octet_length(payload) > 7900 THEN
        payload := json_build_object('from', lo, 'to', hi, 'xmin', horizon)::text;
      END IF;
      PERFORM pg_notify('bookit_notifications', payload);
    END $$;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION announce_notification_changes(lo bigint, hi bigint, users text[]) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      payload text := json_build_object('from', lo, 'to', hi, 'users', to_json(users))::text;
    BEGIN
      IF octet_length(payload) > 7900 THEN
        payload := json_build_object('from', lo, 'to', hi)::text;
      END IF;
      PERFORM pg_notify('bookit_notifications', payload);
    END $$;
    DROP INDEX notification_changes_user_xid;
    ALTER TABLE notification_changes DROP COLUMN xid;
  `.execute(db)
}
