import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

/**
 * Statistics triggers append deltas instead of upserting the rollups. An upsert of
 * (granularity, bucket, type, channel) made every ingest transaction and every batch of
 * "sent" marks wait on the same few rows until the other committed; an INSERT into
 * stats_deltas locks nothing shared. The service folds the deltas into stats_buckets in
 * one statement (DELETE ... RETURNING, grouped, upserted), and reads buckets and pending
 * deltas together, so an answer never misses a committed fact.
 *
 * The facts, bins and counting rules are those of the stats-buckets migration, unchanged:
 * one delta row per touched bucket per statement.
 */

const COLUMNS = 'granularity, bucket, type, channel, created, sent, failed, read, unsubscribed, delivery_ms, read_ms'

/**
 * The facts a trigger hands over, grouped into one row per (granularity, bucket, type, channel).
 * Facts are grouped by hour (and duration bin) first, in one pass; days are summed from those
 * few hour groups: half the per-row work of grouping every fact twice, for the same result.
 */
function grouped(facts: string): string {
  return `
    WITH facts AS (${facts}),
    hourly AS (
      SELECT date_trunc('hour', at, 'UTC') AS hour, type, channel,
             CASE WHEN delivery_ms IS NOT NULL THEN stats_bin(delivery_ms) END AS delivery_bin,
             CASE WHEN read_ms IS NOT NULL THEN stats_bin(read_ms) END AS read_bin,
             sum(created) AS created, sum(sent) AS sent, sum(failed) AS failed, sum(read) AS read, sum(unsubscribed) AS unsubscribed,
             count(delivery_ms) AS deliveries_timed, count(read_ms) AS reads_timed
      FROM facts GROUP BY 1, 2, 3, 4, 5),
    by_bucket AS (
      SELECT g.granularity, CASE g.granularity WHEN 'hour' THEN h.hour ELSE date_trunc('day', h.hour, 'UTC') END AS bucket, h.*
      FROM hourly h CROSS JOIN (VALUES ('hour'), ('day')) AS g(granularity)),
    counters AS (
      SELECT granularity, bucket, type, channel,
             sum(created) AS created, sum(sent) AS sent, sum(failed) AS failed, sum(read) AS read, sum(unsubscribed) AS unsubscribed
      FROM by_bucket GROUP BY 1, 2, 3, 4),
    delivery_bins AS (
      SELECT granularity, bucket, type, channel, delivery_bin AS bin, sum(deliveries_timed)::bigint AS n
      FROM by_bucket WHERE delivery_bin IS NOT NULL GROUP BY 1, 2, 3, 4, 5),
    read_bins AS (
      SELECT granularity, bucket, type, channel, read_bin AS bin, sum(reads_timed)::bigint AS n
      FROM by_bucket WHERE read_bin IS NOT NULL GROUP BY 1, 2, 3, 4, 5),
    delivery_hist AS (
      SELECT granularity, bucket, type, channel, stats_histogram(array_agg(bin), array_agg(n)) AS hist FROM delivery_bins GROUP BY 1, 2, 3, 4),
    read_hist AS (
      SELECT granularity, bucket, type, channel, stats_histogram(array_agg(bin), array_agg(n)) AS hist FROM read_bins GROUP BY 1, 2, 3, 4)
    SELECT c.granularity, c.bucket, c.type, c.channel, c.created, c.sent, c.failed, c.read, c.unsubscribed, d.hist, r.hist
    FROM counters c
    LEFT JOIN delivery_hist d USING (granularity, bucket, type, channel)
    LEFT JOIN read_hist r USING (granularity, bucket, type, channel)`
}

/** From now on: appended, no conflict target, no shared row locked. */
const appendDeltas = (facts: string) => `INSERT INTO stats_deltas (${COLUMNS}) ${grouped(facts)}`

/** What the stats-buckets migration did (restored by down). */
const upsertBuckets = (facts: string) => `
  INSERT INTO stats_buckets AS s (${COLUMNS}) ${grouped(facts)}
  ORDER BY c.granularity, c.bucket, c.type, c.channel
  ON CONFLICT (granularity, bucket, type, channel) DO UPDATE SET
    created = s.created + excluded.created,
    sent = s.sent + excluded.sent,
    failed = s.failed + excluded.failed,
    read = s.read + excluded.read,
    unsubscribed = s.unsubscribed + excluded.unsubscribed,
    delivery_ms = stats_histogram_add(s.delivery_ms, excluded.delivery_ms),
    read_ms = stats_histogram_add(s.read_ms, excluded.read_ms)`

const ms = (later: string, earlier: string) => `(extract(epoch FROM ${later} - ${earlier}) * 1000)::float8`

const notificationsCreated = (rows: string) => `
  SELECT created_at AS at, type, 'in_app'::text AS channel, 1 AS created, 0 AS sent, 0 AS failed, 0 AS read, 0 AS unsubscribed, NULL::float8 AS delivery_ms, NULL::float8 AS read_ms
  FROM ${rows}`

const notificationsRead = (joined: string) => `
  SELECT n.read_at AS at, n.type, 'in_app'::text AS channel, 0 AS created, 0 AS sent, 0 AS failed, 1 AS read, 0 AS unsubscribed, NULL::float8 AS delivery_ms, ${ms('n.read_at', 'n.created_at')} AS read_ms
  FROM ${joined}`

const deliveriesInserted = (rows: string) => `
  SELECT created_at AS at, notification_type AS type, channel, 1 AS created, 0 AS sent, 0 AS failed, 0 AS read, 0 AS unsubscribed, NULL::float8 AS delivery_ms, NULL::float8 AS read_ms FROM ${rows}
  UNION ALL
  SELECT sent_at, notification_type, channel, 0, 1, 0, 0, 0, ${ms('sent_at', 'created_at')}, NULL FROM ${rows} WHERE status = 'sent' AND sent_at IS NOT NULL
  UNION ALL
  SELECT updated_at, notification_type, channel, 0, 0, 1, 0, 0, NULL, NULL FROM ${rows} WHERE status = 'failed'`

/** The six trigger functions, writing through `rollup`; the triggers themselves stay as they are. */
const triggerFunctions = (rollup: (facts: string) => string) => `
  CREATE OR REPLACE FUNCTION stats_notifications_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    -- One stored already read (an import) counts its read too.
    ${rollup(`${notificationsCreated('new_rows')} UNION ALL ${notificationsRead('new_rows n WHERE n.read_at IS NOT NULL')}`)};
    RETURN NULL;
  END $$;

  CREATE OR REPLACE FUNCTION stats_notifications_updated() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${rollup(notificationsRead('new_rows n JOIN old_rows o ON o.id = n.id WHERE o.read_at IS NULL AND n.read_at IS NOT NULL'))};
    RETURN NULL;
  END $$;

  CREATE OR REPLACE FUNCTION stats_deliveries_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${rollup(deliveriesInserted('new_rows'))};
    RETURN NULL;
  END $$;

  -- Counted on the change into 'sent' or 'failed' (a retried delivery that fails, then succeeds, counts in both).
  CREATE OR REPLACE FUNCTION stats_deliveries_updated() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${rollup(`
      SELECT n.sent_at AS at, n.notification_type AS type, n.channel, 0 AS created, 1 AS sent, 0 AS failed, 0 AS read, 0 AS unsubscribed, ${ms('n.sent_at', 'n.created_at')} AS delivery_ms, NULL::float8 AS read_ms
      FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.status = 'sent' AND o.status <> 'sent' AND n.sent_at IS NOT NULL
      UNION ALL
      SELECT n.updated_at, n.notification_type, n.channel, 0, 0, 1, 0, 0, NULL, NULL
      FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.status = 'failed' AND o.status <> 'failed'`)};
    RETURN NULL;
  END $$;

  -- A first row saying "off" counts too, except for SMS, which is off by default.
  CREATE OR REPLACE FUNCTION stats_preferences_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${rollup(`SELECT updated_at AS at, type, channel, 0 AS created, 0 AS sent, 0 AS failed, 0 AS read, 1 AS unsubscribed, NULL::float8 AS delivery_ms, NULL::float8 AS read_ms
      FROM new_rows WHERE NOT enabled AND channel <> 'sms'`)};
    RETURN NULL;
  END $$;

  CREATE OR REPLACE FUNCTION stats_preferences_updated() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${rollup(`SELECT n.updated_at AS at, n.type, n.channel, 0 AS created, 0 AS sent, 0 AS failed, 0 AS read, 1 AS unsubscribed, NULL::float8 AS delivery_ms, NULL::float8 AS read_ms
      FROM new_rows n JOIN old_rows o ON (o.user_id, o.type, o.channel) = (n.user_id, n.type, n.channel) WHERE o.enabled AND NOT n.enabled`)};
    RETURN NULL;
  END $$;`

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Only ever inserted by the triggers and deleted by the fold; the id orders the fold's batches.
    CREATE TABLE stats_deltas (
      id           bigserial   PRIMARY KEY,
      granularity  text        NOT NULL,
      bucket       timestamptz NOT NULL,
      type         text        NOT NULL,
      channel      text        NOT NULL,
      created      bigint      NOT NULL,
      sent         bigint      NOT NULL,
      failed       bigint      NOT NULL,
      read         bigint      NOT NULL,
      unsubscribed bigint      NOT NULL,
      delivery_ms  integer[],
      read_ms      integer[]
    );

    -- The element-wise sum of many histograms (the fold adds a batch of deltas per bucket).
    CREATE AGGREGATE stats_histogram_sum(integer[]) (SFUNC = stats_histogram_add, STYPE = integer[]);
  `.execute(db)
  await sql.raw(triggerFunctions(appendDeltas)).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(triggerFunctions(upsertBuckets)).execute(db)
  // Pending deltas are facts the buckets do not hold yet: folded before the table goes.
  await sql`
    INSERT INTO stats_buckets AS s (granularity, bucket, type, channel, created, sent, failed, read, unsubscribed, delivery_ms, read_ms)
    SELECT granularity, bucket, type, channel, sum(created), sum(sent), sum(failed), sum(read), sum(unsubscribed),
           stats_histogram_sum(delivery_ms), stats_histogram_sum(read_ms)
    FROM stats_deltas GROUP BY 1, 2, 3, 4
    ON CONFLICT (granularity, bucket, type, channel) DO UPDATE SET
      created = s.created + excluded.created,
      sent = s.sent + excluded.sent,
      failed = s.failed + excluded.failed,
      read = s.read + excluded.read,
      unsubscribed = s.unsubscribed + excluded.unsubscribed,
      delivery_ms = stats_histogram_add(s.delivery_ms, excluded.delivery_ms),
      read_ms = stats_histogram_add(s.read_ms, excluded.read_ms);
    DROP TABLE stats_deltas;
    DROP AGGREGATE stats_histogram_sum(integer[]);
  `.execute(db)
}
