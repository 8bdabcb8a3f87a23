import { readdirSync } from 'node:fs'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { diffLines } from 'diff'
import Type from 'typebox'
import type { TemplateDraftRow, TemplateVersionRow } from '../db/schema.js'
import type { EmailChannel } from '../delivery/email/index.js'
import { SUPPORTED_LOCALES } from '../domain/format-time.js'
import { EMAIL_TEMPLATE, NOTIFICATION_TYPES, type NotificationType } from '../domain/notification-types.js'
import { loadEmailSamples } from '../email/email-samples.js'
import type { PublishedTemplate } from '../email/render-email.js'
import { REQUIRED_VARIABLES, TEMPLATE_PARTS, type TemplatePart, TemplateRefused, type TemplateSource, readFileSource } from '../email/template-sandbox.js'
import { addVersion, currentVersion, deleteDraft, getDraft, getVersion, latestVersions, listDrafts, listVersions, lockTemplate, saveDraft } from '../email/template-store.js'
import { HttpError, badRequest } from '../http-errors.js'
import { templatesDir } from '../paths.js'
import { BearerAuth, NullableString, errors } from '../schemas/common.js'

const tags = ['templates']

const Params = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$', description: 'Template name, e.g. booking-confirmed' }),
  locale: Type.String({ pattern: '^[a-z]{2}$', description: 'Language, e.g. de' }),
})
const PartText = Type.String({ maxLength: 100_000 })
const Source = Type.Object({ subject: Type.String({ maxLength: 2_000 }), html: PartText, text: PartText }, { additionalProperties: false })
const Types = Type.Array(Type.String(), { description: 'The notification types sent with this template' })

const Version = Type.Object({
  version: Type.Integer({ minimum: 0, description: '0 = the file default in templates/' }),
  subject: Type.String(),
  html: Type.String(),
  text: Type.String(),
  fileDefault: Type.Boolean({ description: 'Renders from the file default (version 0, or a restore of it)' }),
  restoredFrom: Type.Union([Type.Integer(), Type.Null()], { description: 'The version this one restored; null for a published draft' }),
  createdBy: NullableString({ description: 'The operator (token subject) who published it' }),
  createdAt: NullableString({ format: 'date-time' }),
})
const VersionSummary = Type.Object({
  version: Type.Integer({ minimum: 0 }),
  fileDefault: Type.Boolean(),
  restoredFrom: Type.Union([Type.Integer(), Type.Null()]),
  createdBy: NullableString(),
  createdAt: NullableString({ format: 'date-time' }),
  inUse: Type.Boolean(),
})
const Draft = Type.Object({
  subject: Type.String(),
  html: Type.String(),
  text: Type.String(),
  basedOn: Type.Integer({ description: 'The version in use when the draft was started' }),
  updatedBy: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
})
const Required = Type.Object({ subject: Type.Array(Type.String()), html: Type.Array(Type.String()), text: Type.Array(Type.String()) }, { description: 'it.… values each part must keep using' })
const Template = Type.Object({
  name: Type.String(),
  locale: Type.String(),
  types: Types,
  version: Type.Integer({ description: 'The version in use (0 = the file default, never published)' }),
  current: Version,
  draft: Type.Union([Draft, Type.Null()]),
  requiredVariables: Required,
})
const Listed = Type.Object({
  name: Type.String(),
  locale: Type.String(),
  types: Types,
  version: Type.Integer({ description: 'The version in use (0 = the file default, never published)' }),
  fileDefault: Type.Boolean(),
  hasDraft: Type.Boolean(),
  draftUpdatedAt: NullableString({ format: 'date-time' }),
})
const Change = Type.Object({ kind: Type.Union([Type.Literal('same'), Type.Literal('added'), Type.Literal('removed')]), lines: Type.Array(Type.String()) })
const PartDiff = Type.Object({ added: Type.Integer(), removed: Type.Integer(), changes: Type.Array(Change) })
const Diff = Type.Object({ name: Type.String(), locale: Type.String(), from: Type.Integer(), to: Type.Integer(), subject: PartDiff, html: PartDiff, text: PartDiff })
const Preview = Type.Object({
  subject: Type.String(),
  html: Type.String(),
  text: Type.String(),
  headers: Type.Record(Type.String(), Type.String(), { description: 'The headers the email would carry (From, To, Subject, Message-ID, List-Unsubscribe, ...)' }),
  rendered: Type.Union([Type.Literal('draft'), Type.Literal('source'), Type.Literal('current')], { description: 'What was rendered: the saved draft, the source in the request, or the version in use' }),
  type: Type.String(),
  lang: Type.String({ description: 'The language rendered' }),
})

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())

/** Each template directory (not the shared _layout and _partials). */
const TEMPLATE_NAMES = readdirSync(templatesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
  .map((d) => d.name)
  .sort()

const typesOf = (name: string) => NOTIFICATION_TYPES.filter((t) => EMAIL_TEMPLATE[t] === name)

const adminTemplateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', app.requireRole('notifications:admin'))

  const { renderer, published } = app.emailTemplates
  const samples = loadEmailSamples()
  const fileSource = (name: string, locale: string) => readFileSource(templatesDir, name, locale)

  /** 404 unless the template has a file default in that language: files are the defaults, overrides replace them. */
  function known(name: string, locale: string): void {
    if (!TEMPLATE_NAMES.includes(name) || !renderer.hasFile(name, locale)) throw new HttpError(404, `no email template "${name}" in "${locale}" (see GET /v1/admin/templates)`)
  }

  function toVersion(name: string, locale: string, row: TemplateVersionRow | undefined) {
    if (!row) return { version: 0, ...fileSource(name, locale), fileDefault: true, restoredFrom: null, createdBy: null, createdAt: null }
    const fileDefault = row.subject === null
    const source = fileDefault ? fileSource(name, locale) : { subject: row.subject!, html: row.html!, text: row.text! }
    return { version: row.version, ...source, fileDefault, restoredFrom: row.restored_from, createdBy: row.created_by, createdAt: iso(row.created_at) }
  }

  const toDraft = (row: TemplateDraftRow) => ({ subject: row.subject, html: row.html, text: row.text, basedOn: row.based_on, updatedBy: row.updated_by, updatedAt: iso(row.updated_at)! })

  /** A version by number; 0 is the file default. */
  async function versionOrFail(name: string, locale: string, n: number) {
    if (n === 0) return toVersion(name, locale, undefined)
    const row = await getVersion(app.db, name, locale, n)
    if (!row) throw new HttpError(404, `version ${n} of ${name}/${locale} not found`)
    return toVersion(name, locale, row)
  }

  /** The sample email of a type sent with this template (the contract's example events). */
  function sampleFor(name: string, type: string | undefined) {
    const candidates = samples.filter((s) => s.template === name)
    const sample = type === undefined ? candidates[0] : candidates.find((s) => s.email.notificationType === type)
    if (!sample) return badRequest(`type "${type}" is not sent with the ${name} template (it is used for ${typesOf(name).join(', ')})`)
    return sample
  }

  /** Checks a source and renders it with every sample of the template: refused with the reason, as a 400. */
  function checked(name: string, locale: string, source: TemplateSource): PublishedTemplate {
    let override: PublishedTemplate
    try {
      override = { version: 0, parts: renderer.check(name, locale, source) }
    } catch (err) {
      if (err instanceof TemplateRefused) return badRequest(`template refused: ${err.message}`)
      throw err
    }
    for (const sample of samples.filter((s) => s.template === name)) {
      try {
        renderer.render(name, locale, sample.email.payload, { appUrl: app.config.appUrl, unsubscribeUrl: `${app.config.publicUrl}/v1/unsubscribe?token=sample` }, { override })
      } catch (err) {
        return badRequest(`template refused: it fails with the sample ${sample.email.notificationType} email: ${(err as Error).message.split('\n').pop()}`)
      }
    }
    return override
  }

  const who = (request: { user?: { sub?: string } }) => request.user?.sub ?? 'unknown'

  app.get(
    '/v1/admin/templates',
    {
      schema: {
        tags,
        summary: 'Every email template in every language, with the version in use and whether a draft is waiting',
        security: BearerAuth,
        response: { 200: Type.Object({ items: Type.Array(Listed) }), ...errors(401, 403, 429) },
      },
    },
    async () => {
      const [versions, drafts] = await Promise.all([latestVersions(app.db), listDrafts(app.db)])
      const items = TEMPLATE_NAMES.flatMap((name) =>
        SUPPORTED_LOCALES.filter((locale) => renderer.hasFile(name, locale)).map((locale) => {
          const head = versions.find((v) => v.template === name && v.locale === locale)
          const draft = drafts.find((d) => d.template === name && d.locale === locale)
          return {
            name,
            locale,
            types: typesOf(name),
            version: head?.version ?? 0,
            fileDefault: !head || head.subject === null,
            hasDraft: draft !== undefined,
            draftUpdatedAt: draft ? iso(draft.updated_at) : null,
          }
        }),
      )
      return { items }
    },
  )

  app.get(
    '/v1/admin/templates/:name/:locale',
    {
      schema: {
        tags,
        summary: 'A template in one language: the version in use, the draft if any, and the values it must keep using',
        security: BearerAuth,
        params: Params,
        response: { 200: Template, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { name, locale } = request.params
      known(name, locale)
      const n = await currentVersion(app.db, name, locale)
      const [current, draft] = await Promise.all([versionOrFail(name, locale, n), getDraft(app.db, name, locale)])
      return { name, locale, types: typesOf(name), version: n, current, draft: draft ? toDraft(draft) : null, requiredVariables: REQUIRED_VARIABLES[name] ?? { subject: [], html: [], text: [] } }
    },
  )

  app.put(
    '/v1/admin/templates/:name/:locale',
    {
      schema: {
        tags,
        summary: 'Save the draft (subject, HTML, text); refused with the reason when it does not compile, breaks the sandbox rules or drops a value the template needs',
        security: BearerAuth,
        params: Params,
        body: Source,
        response: { 200: Draft, ...errors(400, 401, 403, 404, 413, 429) },
      },
    },
    async (request) => {
      const { name, locale } = request.params
      known(name, locale)
      checked(name, locale, request.body)
      const basedOn = await currentVersion(app.db, name, locale)
      return toDraft(await saveDraft(app.db, name, locale, request.body, basedOn, who(request)))
    },
  )

  app.delete(
    '/v1/admin/templates/:name/:locale',
    {
      schema: {
        tags,
        summary: 'Discard the draft',
        security: BearerAuth,
        params: Params,
        response: { 204: Type.Null({ description: 'Discarded' }), ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const { name, locale } = request.params
      known(name, locale)
      if (!(await deleteDraft(app.db, name, locale))) throw new HttpError(404, `no draft of ${name}/${locale}`)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/v1/admin/templates/:name/:locale/preview',
    {
      schema: {
        tags,
        summary: 'Render the draft (or the given source, or the version in use) as the email it would be, with sample data or the given data',
        security: BearerAuth,
        params: Params,
        body: Type.Object(
          {
            source: Type.Optional(Source),
            data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "An email delivery's payload (the event data and the recipient); default: the sample event's" })),
            type: Type.Optional(Type.Unsafe<NotificationType>({ type: 'string', enum: [...NOTIFICATION_TYPES], description: 'Which notification type to render for (default: the first sent with this template)' })),
            channel: Type.Optional(Type.Literal('email', { description: 'Only email has editable templates' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Preview, ...errors(400, 401, 403, 404, 413, 429) },
      },
    },
    async (request) => {
      const { name, locale } = request.params
      known(name, locale)
      const body = request.body ?? {}
      const sample = sampleFor(name, body.type)
      let override: PublishedTemplate | undefined
      let rendered: 'draft' | 'source' | 'current' = 'current'
      if (body.source) {
        override = checked(name, locale, body.source)
        rendered = 'source'
      } else {
        const draft = await getDraft(app.db, name, locale)
        if (draft) {
          override = checked(name, locale, draft)
          rendered = 'draft'
        }
      }
      const channel = app.deliveries.channel('email') as EmailChannel
      const job = {
        id: '00000000-0000-4000-8000-000000000000',
        channel: 'email' as const,
        userId: sample.email.userId,
        destination: sample.email.destination,
        notificationType: sample.email.notificationType,
        notificationId: null,
        template: name,
        locale,
        payload: (body.data as Record<string, unknown> | undefined) ?? sample.email.payload,
        attempts: 0,
        createdAt: new Date(),
      }
      let email: ReturnType<EmailChannel['compose']>
      try {
        email = channel.compose(job, override ? { override } : undefined)
      } catch (err) {
        return badRequest(`cannot render with these data: ${(err as Error).message.split('\n').pop()}`)
      }
      const headers: Record<string, string> = { From: email.from, To: email.to, Subject: email.subject, 'Message-ID': email.messageId, ...email.headers }
      return { subject: email.subject, html: email.html, text: email.text, headers, rendered, type: sample.email.notificationType, lang: locale }
    },
  )

  app.post(
    '/v1/admin/templates/:name/:locale/publish',
    {
      schema: {
        tags,
        summary: 'Publish the draft as the next version; every replica renders with it from now on',
        security: BearerAuth,
        params: Params,
        response: { 200: Version, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const { name, locale } = request.params
      known(name, locale)
      const row = await app.db.transaction().execute(async (trx) => {
        await lockTemplate(trx, name, locale)
        const draft = await deleteDraft(trx, name, locale)
        if (!draft) throw new HttpError(409, `there is no draft of ${name}/${locale} to publish`)
        // Checked again: the rules may be stricter than when the draft was saved.
        checked(name, locale, draft)
        return addVersion(trx, name, locale, { subject: draft.subject, html: draft.html, text: draft.text }, null, who(request))
      })
      // This replica at once; the others on the database's NOTIFY.
      await published.reload()
      request.log.info({ template: name, locale, version: row.version }, 'email template published')
      return toVersion(name, locale, row)
    },
  )

  app.get(
    '/v1/admin/templates/:name/:locale/versions',
    {
      schema: {
        tags,
        summary: 'Every published version, newest first, ending with version 0 (the file default)',
        security: BearerAuth,
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(VersionSummary) }), ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { name, locale } = request.params
      known(name, locale)
      const rows = await listVersions(app.db, name, locale)
      const inUse = rows[0]?.version ?? 0
      const items: { version: number; fileDefault: boolean; restoredFrom: number | null; createdBy: string | null; createdAt: string | null; inUse: boolean }[] = rows.map((r) => ({ version: r.version, fileDefault: r.subject === null, restoredFrom: r.restored_from, createdBy: r.created_by, createdAt: iso(r.created_at), inUse: r.version === inUse }))
      items.push({ version: 0, fileDefault: true, restoredFrom: null, createdBy: null, createdAt: null, inUse: inUse === 0 })
      return { items }
    },
  )

  const VersionParams = Type.Object({ ...Params.properties, n: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }) })

  app.get(
    '/v1/admin/templates/:name/:locale/versions/:n',
    {
      schema: {
        tags,
        summary: 'One version with its texts (0 = the file default)',
        security: BearerAuth,
        params: VersionParams,
        response: { 200: Version, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { name, locale, n } = request.params
      known(name, locale)
      return versionOrFail(name, locale, n)
    },
  )

  app.post(
    '/v1/admin/templates/:name/:locale/versions/:n/restore',
    {
      schema: {
        tags,
        summary: 'Publish an earlier version again, as a new version (0 = back to the file default)',
        security: BearerAuth,
        params: VersionParams,
        response: { 200: Version, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { name, locale, n } = request.params
      known(name, locale)
      const row = await app.db.transaction().execute(async (trx) => {
        await lockTemplate(trx, name, locale)
        let source: TemplateSource | null = null
        if (n !== 0) {
          const old = await getVersion(trx, name, locale, n)
          if (!old) throw new HttpError(404, `version ${n} of ${name}/${locale} not found`)
          if (old.subject !== null) source = { subject: old.subject, html: old.html!, text: old.text! }
        }
        if (source) checked(name, locale, source)
        return addVersion(trx, name, locale, source, n, who(request))
      })
      await published.reload()
      request.log.info({ template: name, locale, version: row.version, restoredFrom: n }, 'email template version restored')
      return toVersion(name, locale, row)
    },
  )

  app.get(
    '/v1/admin/templates/:name/:locale/diff',
    {
      schema: {
        tags,
        summary: 'Line diff of subject, HTML and text between two versions (0 = the file default)',
        security: BearerAuth,
        params: Params,
        querystring: Type.Object({ from: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), to: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }) }, { additionalProperties: false }),
        response: { 200: Diff, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { name, locale } = request.params
      const { from, to } = request.query
      known(name, locale)
      const [a, b] = await Promise.all([versionOrFail(name, locale, from), versionOrFail(name, locale, to)])
      const part = (p: TemplatePart) => {
        const changes = diffLines(a[p], b[p]).map((c) => ({ kind: c.added ? ('added' as const) : c.removed ? ('removed' as const) : ('same' as const), lines: c.value.replace(/\n$/, '').split('\n') }))
        const count = (kind: string) => changes.filter((c) => c.kind === kind).reduce((n, c) => n + c.lines.length, 0)
        return { added: count('added'), removed: count('removed'), changes }
      }
      return { name, locale, from, to, ...(Object.fromEntries(TEMPLATE_PARTS.map((p) => [p, part(p)])) as Record<TemplatePart, ReturnType<typeof part>>) }
    },
  )
}

export default adminTemplateRoutes
