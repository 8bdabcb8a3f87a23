import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

/**
 * Each rollup row keeps the bins of its medians and p90s beside its histograms. An answer
 * then reads four integers per row instead of two histograms: turning a month by hour's
 * 7,200 pairs of arrays into text was most of that answer's time in PostgreSQL, and
 * parsing and walking them most of the rest in Node. Generated columns, so every writer of
 * a histogram (the fold, or the upserting triggers a down migration restores) keeps them
 * right without knowing of them.
 *
 * The quantile rule is the service's (domain/duration-bins.ts quantileMs): the bin holding
 * the value at rank ceil(q * n), counting from the lowest bin; NULL when nothing was counted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION stats_histogram_quantile_bin(hist integer[], q float8) RETURNS integer LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
      total bigint := 0;
      wanted bigint;
      seen bigint := 0;
      n integer;
      bin integer := 0;
    BEGIN
      IF hist IS NULL THEN RETURN NULL; END IF;
      FOREACH n IN ARRAY hist LOOP total := total + n; END LOOP;
      IF total = 0 THEN RETURN NULL; END IF;
      -- The same double arithmetic as Math.ceil(q * total).
      wanted := greatest(1, ceil(q * total::float8));
      FOREACH n IN ARRAY hist LOOP
        seen := seen + n;
        IF seen >= wanted THEN RETURN bin; END IF;
        bin := bin + 1;
      END LOOP;
      RETURN NULL;
    END $$;

    ALTER TABLE stats_buckets
      ADD COLUMN delivery_median_bin integer GENERATED ALWAYS AS (stats_histogram_quantile_bin(delivery_ms, 0.5)) STORED,
      ADD COLUMN delivery_p90_bin integer GENERATED ALWAYS AS (stats_histogram_quantile_bin(delivery_ms, 0.9)) STORED,
      ADD COLUMN read_median_bin integer GENERATED ALWAYS AS (stats_histogram_quantile_bin(read_ms, 0.5)) STORED,
      ADD COLUMN read_p90_bin integer GENERATED ALWAYS AS (stats_histogram_quantile_bin(read_ms, 0.9)) STORED;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE stats_buckets DROP COLUMN delivery_median_bin, DROP COLUMN delivery_p90_bin, DROP COLUMN read_median_bin, DROP COLUMN read_p90_bin;
    DROP FUNCTION stats_histogram_quantile_bin(integer[], float8);
  `.execute(db)
}
