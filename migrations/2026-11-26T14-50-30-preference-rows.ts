import { type Kysely, sql } from 'kysely'

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- One row per (user, type, channel) a user has set, instead of a column per channel:
    -- push and SMS (and whatever comes next) need no new column. A missing row means the
    -- channel's default for that type.
    CREATE TABLE preference_settings (
      user_id    text        NOT NULL,
      type       text        NOT NULL,
      channel    text        NOT NULL CHECK (channel IN ('email', 'in_app', 'push', 'sms')),
      enabled    boolean     NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, type, channel)
    );
    INSERT INTO preference_settings (user_id, type, channel, enabled, updated_at)
      SELECT user_id, type, 'email', email, updated_at FROM preferences
      UNION ALL
      SELECT user_id, type, 'in_app', in_app, updated_at FROM preferences;
    DROP TABLE preferences;
    ALTER TABLE preference_settings RENAME TO preferences;
    ALTER INDEX preference_settings_pkey RENAME TO preferences_pkey;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE preference_columns (
      user_id    text        NOT NULL,
      type       text        NOT NULL,
      email      boolean     NOT NULL DEFAULT true,
      in_app     boolean     NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, type)
    );
    INSERT INTO preference_columns (user_id, type, email, in_app, updated_at)
      SELECT user_id, type,
             coalesce(bool_and(enabled) FILTER (WHERE channel = 'email'), true),
             coalesce(bool_and(enabled) FILTER (WHERE channel = 'in_app'), true),
             max(updated_at)
      FROM preferences WHERE channel IN ('email', 'in_app') GROUP BY user_id, type;
    DROP TABLE preferences;
    ALTER TABLE preference_columns RENAME TO preferences;
    ALTER INDEX preference_columns_pkey RENAME TO preferences_pkey;
  `.execute(db)
}
