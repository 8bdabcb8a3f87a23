import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

/**
 * Statistics rollups: one row per (granularity, bucket, type, channel) with counters and two
 * duration histograms, kept by statement-level triggers on the tables that hold the facts
 * (notifications, deliveries, preferences). A statement adds its rows grouped, so a batch of
 * a thousand inserts costs one upsert per touched bucket, not a thousand.
 *
 * Durations go into fixed log-spaced bins: bin 0 is under 10 ms, bin k (1..112) holds
 * [10 ms * 2^((k-1)/4), 10 ms * 2^(k/4)), bin 113 everything from about 35 days up. Quarter-octave
 * bins keep a quantile read from them within 9.1% of the exact one.
 *
 * Hour and day rows are both kept, so a month by day reads 30 rows per type and channel
 * instead of merging 720 histograms at query time.
 */

/** The facts a trigger hands to the rollup: one row each, with a time and what it adds. */
function rollup(facts: string): string {
  return `
    WITH facts AS (${facts}),
    by_bucket AS (
      SELECT g.granularity, date_trunc(g.granularity, f.at, 'UTC') AS bucket, f.*
      FROM facts f CROSS JOIN (VALUES ('hour'), ('day')) AS g(granularity)),
    counters AS (
      SELECT granularity, bucket, type, channel,
             sum(created) AS created, sum(sent) AS sent, sum(failed) AS failed, sum(read) AS read, sum(unsubscribed) AS unsubscribed
      FROM by_bucket GROUP BY 1, 2, 3, 4),
    delivery_bins AS (
      SELECT granularity, bucket, type, channel, stats_bin(delivery_ms) AS bin, count(*) AS n
      FROM by_bucket WHERE delivery_ms IS NOT NULL GROUP BY 1, 2, 3, 4, 5),
    read_bins AS (
      SELECT granularity, bucket, type, channel, stats_bin(read_ms) AS bin, count(*) AS n
      FROM by_bucket WHERE read_ms IS NOT NULL GROUP BY 1, 2, 3, 4, 5),
    delivery_hist AS (
      SELECT granularity, bucket, type, channel, stats_histogram(array_agg(bin), array_agg(n)) AS hist FROM delivery_bins GROUP BY 1, 2, 3, 4),
    read_hist AS (
      SELECT granularity, bucket, type, channel, stats_histogram(array_agg(bin), array_agg(n)) AS hist FROM read_bins GROUP BY 1, 2, 3, 4)
    INSERT INTO stats_buckets AS s (granularity, bucket, type, channel, created, sent, failed, read, unsubscribed, delivery_ms, read_ms)
    SELECT c.granularity, c.bucket, c.type, c.channel, c.created, c.sent, c.failed, c.read, c.unsubscribed, d.hist, r.hist
    FROM counters c
    LEFT JOIN delivery_hist d USING (granularity, bucket, type, channel)
    LEFT JOIN read_hist r USING (granularity, bucket, type, channel)
    -- One order for every writer, so two transactions touching the same rows cannot deadlock here.
    ORDER BY c.granularity, c.bucket, c.type, c.channel
    ON CONFLICT (granularity, bucket, type, channel) DO UPDATE SET
      created = s.created + excluded.created,
      sent = s.sent + excluded.sent,
      failed = s.failed + excluded.failed,
      read = s.read + excluded.read,
      unsubscribed = s.unsubscribed + excluded.unsubscribed,
      delivery_ms = stats_histogram_add(s.delivery_ms, excluded.delivery_ms),
      read_ms = stats_histogram_add(s.read_ms, excluded.read_ms)`
}

const ms = (later: string, earlier: string) => `(extract(epoch FROM ${later} - ${earlier}) * 1000)::float8`

/** A new notification is one created in-app; `channel` is 'in_app' for in-app facts. */
const notificationsCreated = (rows: string) => `
  SELECT created_at AS at, type, 'in_app'::text AS channel, 1 AS created, 0 AS sent, 0 AS failed, 0 AS read, 0 AS unsubscribed, NULL::float8 AS delivery_ms, NULL::float8 AS read_ms
  FROM ${rows}`

/** A read mark: from unread to read; the time to read is from the notification's creation (when the event was recorded). */
const notificationsRead = (joined: string) => `
  SELECT n.read_at AS at, n.type, 'in_app'::text AS channel, 0 AS created, 0 AS sent, 0 AS failed, 1 AS read, 0 AS unsubscribed, NULL::float8 AS delivery_ms, ${ms('n.read_at', 'n.created_at')} AS read_ms
  FROM ${joined}`

/** Deliveries: created when planned; sent (with the time from the event) and failed as they become so. */
const deliveriesInserted = (rows: string) => `
  SELECT created_at AS at, notification_type AS type, channel, 1 AS created, 0 AS sent, 0 AS failed, 0 AS read, 0 AS unsubscribed, NULL::float8 AS delivery_ms, NULL::float8 AS read_ms FROM ${rows}
  UNION ALL
  SELECT sent_at, notification_type, channel, 0, 1, 0, 0, 0, ${ms('sent_at', 'created_at')}, NULL FROM ${rows} WHERE status = 'sent' AND sent_at IS NOT NULL
  UNION ALL
  SELECT updated_at, notification_type, channel, 0, 0, 1, 0, 0, NULL, NULL FROM ${rows} WHERE status = 'failed'`

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE stats_buckets (
      granularity  text        NOT NULL CHECK (granularity IN ('hour', 'day')),
      bucket       timestamptz NOT NULL,
      type         text        NOT NULL,
      -- in_app, email, push, sms, webhook
      channel      text        NOT NULL,
      created      bigint      NOT NULL DEFAULT 0,
      sent         bigint      NOT NULL DEFAULT 0,
      failed       bigint      NOT NULL DEFAULT 0,
      read         bigint      NOT NULL DEFAULT 0,
      unsubscribed bigint      NOT NULL DEFAULT 0,
      -- Counts per duration bin (see stats_bin), trimmed after the last non-empty bin; NULL when none.
      delivery_ms  integer[],
      read_ms      integer[],
      PRIMARY KEY (granularity, bucket, type, channel)
    );

    CREATE FUNCTION stats_bin(ms float8) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE WHEN ms < 10 THEN 0 ELSE least(113, floor(4 * ln(ms / 10) / ln(2))::integer + 1) END
    $$;

    -- A dense histogram from (bin, count) pairs with distinct bins.
    CREATE FUNCTION stats_histogram(bins integer[], counts bigint[]) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT array_agg(coalesce(p.n, 0)::integer ORDER BY i)
      FROM generate_series(0, (SELECT max(b) FROM unnest(bins) AS b)) AS i
      LEFT JOIN unnest(bins, counts) AS p(bin, n) ON p.bin = i
    $$;

    -- Element-wise sum; the shorter one is padded with zeros (unnest pads with NULL).
    CREATE FUNCTION stats_histogram_add(a integer[], b integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
        ELSE ARRAY(SELECT coalesce(x, 0) + coalesce(y, 0) FROM unnest(a, b) AS u(x, y)) END
    $$;
  `.execute(db)

  await sql
    .raw(
      `
    CREATE FUNCTION stats_notifications_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- One stored already read (an import) counts its read too.
      ${rollup(`${notificationsCreated('new_rows')} UNION ALL ${notificationsRead('new_rows n WHERE n.read_at IS NOT NULL')}`)};
      RETURN NULL;
    END $$;

    CREATE FUNCTION stats_notifications_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${rollup(notificationsRead('new_rows n JOIN old_rows o ON o.id = n.id WHERE o.read_at IS NULL AND n.read_at IS NOT NULL'))};
      RETURN NULL;
    END $$;

    CREATE FUNCTION stats_deliveries_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${rollup(deliveriesInserted('new_rows'))};
      RETURN NULL;
    END $$;

    -- Counted on the change into 'sent' or 'failed' (a retried delivery that fails, then succeeds, counts in both).
    CREATE FUNCTION stats_deliveries_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${rollup(`
        SELECT n.sent_at AS at, n.notification_type AS type, n.channel, 0 AS created, 1 AS sent, 0 AS failed, 0 AS read, 0 AS unsubscribed, ${ms('n.sent_at', 'n.created_at')} AS delivery_ms, NULL::float8 AS read_ms
        FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.status = 'sent' AND o.status <> 'sent' AND n.sent_at IS NOT NULL
        UNION ALL
        SELECT n.updated_at, n.notification_type, n.channel, 0, 0, 1, 0, 0, NULL, NULL
        FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.status = 'failed' AND o.status <> 'failed'`)};
      RETURN NULL;
    END $$;

    -- An unsubscribe is a channel switched off for a type: by the link in an email or in the
    -- preferences. A first row saying "off" counts too, except for SMS, which is off by default.
    CREATE FUNCTION stats_preferences_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${rollup(`SELECT updated_at AS at, type, channel, 0 AS created, 0 AS sent, 0 AS failed, 0 AS read, 1 AS unsubscribed, NULL::float8 AS delivery_ms, NULL::float8 AS read_ms
        FROM new_rows WHERE NOT enabled AND channel <> 'sms'`)};
      RETURN NULL;
    END $$;

    CREATE FUNCTION stats_preferences_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      ${rollup(`SELECT n.updated_at AS at, n.type, n.channel, 0 AS created, 0 AS sent, 0 AS failed, 0 AS read, 1 AS unsubscribed, NULL::float8 AS delivery_ms, NULL::float8 AS read_ms
        FROM new_rows n JOIN old_rows o ON (o.user_id, o.type, o.channel) = (n.user_id, n.type, n.channel) WHERE o.enabled AND NOT n.enabled`)};
      RETURN NULL;
    END $$;

    CREATE TRIGGER stats_notifications_inserted AFTER INSERT ON notifications
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_notifications_inserted();
    CREATE TRIGGER stats_notifications_updated AFTER UPDATE ON notifications
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_notifications_updated();
    CREATE TRIGGER stats_deliveries_inserted AFTER INSERT ON deliveries
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_deliveries_inserted();
    CREATE TRIGGER stats_deliveries_updated AFTER UPDATE ON deliveries
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_deliveries_updated();
    CREATE TRIGGER stats_preferences_inserted AFTER INSERT ON preferences
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_preferences_inserted();
    CREATE TRIGGER stats_preferences_updated AFTER UPDATE ON preferences
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_preferences_updated();
  `,
    )
    .execute(db)

  // What happened before the rollups existed: one pass over the tables, once.
  await sql
    .raw(
      `${rollup(`${notificationsCreated('notifications')}
      UNION ALL ${notificationsRead('notifications n WHERE n.read_at IS NOT NULL')}
      UNION ALL ${deliveriesInserted('deliveries')}`)}`,
    )
    .execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TRIGGER stats_notifications_inserted ON notifications;
    DROP TRIGGER stats_notifications_updated ON notifications;
    DROP TRIGGER stats_deliveries_inserted ON deliveries;
    DROP TRIGGER stats_deliveries_updated ON deliveries;
    DROP TRIGGER stats_preferences_inserted ON preferences;
    DROP TRIGGER stats_preferences_updated ON preferences;
    DROP FUNCTION stats_notifications_inserted(), stats_notifications_updated(), stats_deliveries_inserted(), stats_deliveries_updated(),
      stats_preferences_inserted(), stats_preferences_updated();
    DROP TABLE stats_buckets;
    DROP FUNCTION stats_histogram_add(integer[], integer[]), stats_histogram(integer[], bigint[]), stats_bin(float8);
  `.execute(db)
}
