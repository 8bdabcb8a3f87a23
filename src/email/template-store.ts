import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database, TemplateDraftRow, TemplateVersionRow } from '../db/schema.js'
import type { TemplateSource } from './template-sandbox.js'

type Db = Kysely<Database> | Transaction<Database>

/** The version in use per (template, locale): the highest of each. */
export async function latestVersions(db: Db): Promise<TemplateVersionRow[]> {
  const { rows } = await sql<TemplateVersionRow>`
    SELECT DISTINCT ON (template, locale) * FROM template_versions ORDER BY template, locale, version DESC`.execute(db)
  return rows
}

export async function listDrafts(db: Db): Promise<Pick<TemplateDraftRow, 'template' | 'locale' | 'updated_at' | 'updated_by'>[]> {
  return db.selectFrom('template_drafts').select(['template', 'locale', 'updated_at', 'updated_by']).execute()
}

export async function getDraft(db: Db, template: string, locale: string): Promise<TemplateDraftRow | undefined> {
  return db.selectFrom('template_drafts').selectAll().where('template', '=', template).where('locale', '=', locale).executeTakeFirst()
}

export async function saveDraft(db: Db, template: string, locale: string, source: TemplateSource, basedOn: number, by: string): Promise<TemplateDraftRow> {
  return db
    .insertInto('template_drafts')
    .values({ template, locale, ...source, based_on: basedOn, updated_by: by })
    // An edit of an existing draft keeps what it was based on.
    .onConflict((oc) => oc.columns(['template', 'locale']).doUpdateSet({ subject: source.subject, html: source.html, text: source.text, updated_by: by, updated_at: sql`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function deleteDraft(db: Db, template: string, locale: string): Promise<TemplateDraftRow | undefined> {
  return db.deleteFrom('template_drafts').where('template', '=', template).where('locale', '=', locale).returningAll().executeTakeFirst()
}

export async function listVersions(db: Db, template: string, locale: string): Promise<TemplateVersionRow[]> {
  return db.selectFrom('template_versions').selectAll().where('template', '=', template).where('locale', '=', locale).orderBy('version', 'desc').execute()
}

export async function getVersion(db: Db, template: string, locale: string, version: number): Promise<TemplateVersionRow | undefined> {
  return db.selectFrom('template_versions').selectAll().where('template', '=', template).where('locale', '=', locale).where('version', '=', version).executeTakeFirst()
}

export async function currentVersion(db: Db, template: string, locale: string): Promise<number> {
  const row = await db
    .selectFrom('template_versions')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('template', '=', template)
    .where('locale', '=', locale)
    .executeTakeFirst()
  return row?.version ?? 0
}

/**
 * Adds the next version of a (template, locale); texts null = back to the file default.
 * Takes a transaction: the caller holds lockTemplate, so two publishes cannot take one number.
 */
export async function addVersion(trx: Transaction<Database>, template: string, locale: string, source: TemplateSource | null, restoredFrom: number | null, by: string): Promise<TemplateVersionRow> {
  const version = (await currentVersion(trx, template, locale)) + 1
  return trx
    .insertInto('template_versions')
    .values({ template, locale, version, subject: source?.subject ?? null, html: source?.html ?? null, text: source?.text ?? null, restored_from: restoredFrom, created_by: by })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Serializes the writes to one (template, locale) until the transaction ends. */
export async function lockTemplate(trx: Transaction<Database>, template: string, locale: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('template-versions'), hashtext(${`${template}/${locale}`}))`.execute(trx)
}
