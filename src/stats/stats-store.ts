import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

export type StatsInterval = 'hour' | 'day'

export interface StatsBucketRow {
  bucket: Date
  type: string
  channel: string
  created: number
  sent: number
  failed: number
  read: number
  unsubscribed: number
  delivery_ms: number[] | null
  read_ms: number[] | null
}

export interface StatsFilter {
  interval: StatsInterval
  /** Buckets starting at or after this (already floored to the interval). */
  from: Date
  /** Buckets starting before this. */
  to: Date
  type?: string
  channel?: string
}

/** The rollup rows of one granularity in a range, oldest first; reads the primary key's range only. */
export async function readStatsBuckets(db: Kysely<Database>, filter: StatsFilter): Promise<StatsBucketRow[]> {
  let query = db
    .selectFrom('stats_buckets')
    .select([
      'bucket',
      'type',
      'channel',
      // bigint arrives as text; a count fits a double exactly far beyond what one bucket holds.
      sql<number>`created::float8`.as('created'),
      sql<number>`sent::float8`.as('sent'),
      sql<number>`failed::float8`.as('failed'),
      sql<number>`read::float8`.as('read'),
      sql<number>`unsubscribed::float8`.as('unsubscribed'),
      'delivery_ms',
      'read_ms',
    ])
    .where('granularity', '=', filter.interval)
    .where('bucket', '>=', filter.from)
    .where('bucket', '<', filter.to)
  if (filter.type !== undefined) query = query.where('type', '=', filter.type)
  if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel)
  return (await query.orderBy('bucket').orderBy('type').orderBy('channel').execute()) as StatsBucketRow[]
}
