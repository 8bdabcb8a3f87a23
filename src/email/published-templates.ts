import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Kysely } from 'kysely'
import pg from 'pg'
import type { Database } from '../db/schema.js'
import type { PublishedLookup, PublishedTemplate } from './render-email.js'
import type { CheckedSource, TemplateSource } from './template-sandbox.js'
import { latestVersions } from './template-store.js'

/** Sent by the trigger on template_versions (see its migration) when a transaction adding a version commits. */
export const TEMPLATES_CHANNEL = 'bookit_templates'

export interface PublishedTemplatesOptions {
  db: Kysely<Database>
  databaseUrl: string
  log: Logger
  /** Compiles a stored source (the renderer's check). */
  compile(template: string, lang: string, source: TemplateSource): CheckedSource
}

/**
 * This replica's copy of the template versions in use, compiled once, so rendering an
 * email costs a map lookup and no query. It is read again whole (one small row per
 * template and language) when the database says a version was added, on any replica,
 * and after the LISTEN connection comes back, since a gap may have swallowed a NOTIFY.
 */
export class PublishedTemplates implements PublishedLookup {
  private heads = new Map<string, PublishedTemplate>()
  private client: pg.Client | undefined
  private stopped = false
  private retryTimer: NodeJS.Timeout | undefined
  private attempts = 0
  private loading: Promise<void> | undefined
  private again = false
  connected = false

  constructor(private readonly o: PublishedTemplatesOptions) {}

  get(template: string, lang: string): PublishedTemplate | undefined {
    return this.heads.get(`${template}/${lang}`)
  }

  /** Reads the versions in use again; concurrent calls share one read, and one more runs if asked meanwhile. */
  reload(): Promise<void> {
    if (this.loading) {
      // The running read may have started before the change: it reads once more before it settles.
      this.again = true
      return this.loading
    }
    this.loading = (async () => {
      try {
        do {
          this.again = false
          await this.readAll()
        } while (this.again)
      } finally {
        this.loading = undefined
      }
    })()
    return this.loading
  }

  private async readAll(): Promise<void> {
    const rows = await latestVersions(this.o.db)
    const heads = new Map<string, PublishedTemplate>()
    for (const row of rows) {
      const key = `${row.template}/${row.locale}`
      const previous = this.heads.get(key)
      // Compiled once per version, not once per reload.
      if (previous && previous.version === row.version) {
        heads.set(key, previous)
        continue
      }
      if (row.subject === null || row.html === null || row.text === null) {
        heads.set(key, { version: row.version, parts: null })
        continue
      }
      try {
        heads.set(key, { version: row.version, parts: this.o.compile(row.template, row.locale, { subject: row.subject, html: row.html, text: row.text }) })
      } catch (err) {
        // Checked when published; a version the rules of this build refuse falls back to the file.
        this.o.log.error({ err, template: row.template, locale: row.locale, version: row.version }, 'published template version refused; the file default is used')
      }
    }
    this.heads = heads
  }

  /** Loads the versions in use and, when `listen`, follows changes from every replica. */
  async start(listen: boolean): Promise<void> {
    await this.reload()
    if (listen) await this.connect()
  }

  private async connect(): Promise<void> {
    if (this.stopped) return
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'bookit-notifications-templates', keepAlive: true, keepAliveInitialDelayMillis: 10_000 })
    client.on('error', (err) => {
      this.o.log.warn({ err }, 'template listener lost its database connection')
      this.reconnectSoon(client)
    })
    client.on('end', () => this.reconnectSoon(client))
    client.on('notification', (msg) => {
      if (msg.channel === TEMPLATES_CHANNEL) this.reloadLogged()
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${TEMPLATES_CHANNEL}`)
      this.client = client
      const wasReconnect = this.attempts > 0
      this.attempts = 0
      this.connected = true
      if (wasReconnect) this.reloadLogged()
    } catch (err) {
      this.o.log.warn({ err }, 'template listener could not connect')
      this.reconnectSoon(client)
    }
  }

  private reloadLogged(): void {
    this.reload().catch((err: unknown) => this.o.log.error({ err }, 'could not read the published template versions; the previous ones stay in use'))
  }

  private reconnectSoon(client: pg.Client): void {
    if (this.stopped || this.retryTimer || (this.client && this.client !== client)) return
    this.connected = false
    this.client = undefined
    client.removeAllListeners('end')
    client.end().catch(() => {})
    this.attempts++
    const delay = Math.min(10_000, 100 * 2 ** Math.min(this.attempts, 7))
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      void this.connect()
    }, delay)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retryTimer)
    const client = this.client
    this.client = undefined
    this.connected = false
    if (client) {
      client.removeAllListeners('end')
      await client.end().catch(() => {})
    }
    await this.loading?.catch(() => {})
  }
}
