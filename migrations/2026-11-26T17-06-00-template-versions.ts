import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Published email templates edited by operators, per (template, locale): immutable,
    -- numbered from 1. The highest version is the one in use. A version without texts
    -- (all three null) sends the file default again: what restoring version 0 publishes.
    CREATE TABLE template_versions (
      template      text        NOT NULL,
      locale        text        NOT NULL,
      version       integer     NOT NULL CHECK (version > 0),
      subject       text,
      html          text,
      text          text,
      -- The version this one restored (0 = the file default); null for a published draft.
      restored_from integer,
      created_by    text        NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (template, locale, version),
      CHECK ((subject IS NULL) = (html IS NULL) AND (html IS NULL) = (text IS NULL))
    );

    -- At most one draft per (template, locale), discarded or turned into a version.
    CREATE TABLE template_drafts (
      template   text        NOT NULL,
      locale     text        NOT NULL,
      subject    text        NOT NULL,
      html       text        NOT NULL,
      text       text        NOT NULL,
      -- The version in use when the draft was started (0 = the file default).
      based_on   integer     NOT NULL,
      updated_by text        NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (template, locale)
    );

    -- Every replica caches the versions in use; the database tells them all when one is
    -- added, whichever code path adds it (delivered on commit only).
    CREATE FUNCTION template_versions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('bookit_templates', '');
      RETURN NULL;
    END $$;
    CREATE TRIGGER template_versions_changed AFTER INSERT OR UPDATE OR DELETE ON template_versions
      FOR EACH STATEMENT EXECUTE FUNCTION template_versions_changed();

    -- The template version an email was rendered from; null = the file default (and every
    -- channel without templates).
    ALTER TABLE deliveries ADD COLUMN template_version integer;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE deliveries DROP COLUMN template_version;
    DROP TABLE template_drafts;
    DROP TABLE template_versions;
    DROP FUNCTION template_versions_changed();
  `.execute(db)
}
