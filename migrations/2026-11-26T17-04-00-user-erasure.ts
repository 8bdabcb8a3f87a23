import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Users erased by user.deleted, by a SHA-256 of their id and nothing else: a late,
    -- redelivered or replayed event about them produces nothing, so nothing of theirs returns.
    CREATE TABLE erased_users (
      id_hash   text        PRIMARY KEY,
      erased_at timestamptz NOT NULL DEFAULT now()
    );

    -- Erasure finds a user's deliveries, and the rows other recipients got from the same
    -- events (which may name them), without reading whole tables inside the ingest transaction.
    CREATE INDEX deliveries_user ON deliveries (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX deliveries_event ON deliveries (event_source, event_id);
    CREATE INDEX notifications_event ON notifications (event_source, event_id);

    -- Removes an erased user from text other people's rows hold about the same events (a hall
    -- admin's "Ada Lovelace booked ..."): each of exact (id, address, number) and names. In a
    -- JSON document an exact value is a whole string, which becomes null; in text, and for
    -- names, any occurrence becomes the placeholder.
    CREATE FUNCTION erase_mentions(doc text, exact text[], names text[], is_json boolean) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $$
    DECLARE v text; result text := doc;
    BEGIN
      IF doc IS NULL THEN RETURN NULL; END IF;
      FOREACH v IN ARRAY exact LOOP
        IF is_json THEN result := replace(result, to_json(v)::text, 'null');
        ELSE result := replace(result, v, '[deleted]'); END IF;
      END LOOP;
      FOREACH v IN ARRAY names LOOP
        -- Inside JSON the name appears escaped, as to_json writes it (without its quotes).
        result := replace(result, CASE WHEN is_json THEN substr(to_json(v)::text, 2, length(to_json(v)::text) - 2) ELSE v END, '[deleted user]');
      END LOOP;
      IF is_json THEN
        BEGIN
          PERFORM result::jsonb;
        EXCEPTION WHEN others THEN
          -- A replacement that broke the document: erasure wins over the rest of its content.
          RETURN '{}';
        END;
      END IF;
      RETURN result;
    END $$;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION erase_mentions(text, text[], text[], boolean); DROP INDEX notifications_event, deliveries_event, deliveries_user; DROP TABLE erased_users`.execute(db)
}
