import { type Kysely, sql } from 'kysely'

/**
 * Real database-side faults for one test database: a trigger on `processed_events` that
 * raises (a genuine PostgreSQL error that is not about connectivity) for events whose id
 * starts with `refuse-` (a data exception, SQLSTATE 22023, for `data-`), and sleeps `hangSeconds` in the transaction for ids starting with `hang-`.
 */
export async function installEventFaults(db: Kysely<any>, o: { hangSeconds?: number } = {}): Promise<void> {
  await sql
    .raw(`
    CREATE OR REPLACE FUNCTION test_event_faults() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.id LIKE 'refuse-%' THEN RAISE EXCEPTION 'test trigger refuses event %', NEW.id; END IF;
      IF NEW.id LIKE 'data-%' THEN RAISE EXCEPTION 'test trigger finds a bad value in event %', NEW.id USING ERRCODE = '22023'; END IF;
      IF NEW.id LIKE 'hang-%' THEN PERFORM pg_sleep(${Number(o.hangSeconds ?? 8)}); END IF;
      RETURN NEW;
    END $$;
    DROP TRIGGER IF EXISTS test_event_faults ON processed_events;
    CREATE TRIGGER test_event_faults BEFORE INSERT ON processed_events FOR EACH ROW EXECUTE FUNCTION test_event_faults();`)
    .execute(db)
}

/** Whether a transaction of this database is sleeping in the `hang-` trigger right now. */
export async function hanging(db: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`.execute(db)
  return rows[0]!.n
}

/** Ends the sessions sleeping in the trigger (a killed client's session would sleep on, holding its locks). */
export async function endHangingSessions(db: Kysely<any>): Promise<void> {
  await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`.execute(db)
}
