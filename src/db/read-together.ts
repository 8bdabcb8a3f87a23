import { type Compilable, type Kysely, type Transaction, sql } from 'kysely'
import type { Database } from './schema.js'

/** A row as it comes back through JSON: timestamps become ISO strings. */
type AsJson<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] }

type Query<Row> = Compilable<Row> & { execute(): Promise<Row[]> }

/**
 * Runs several reads as one statement, so one round trip: each query's rows come back as
 * a JSON array, in the query's order. The ingest transaction reads five tables per batch.
 */
export async function readTogether<Q extends Record<string, Query<unknown>>>(db: Transaction<Database> | Kysely<Database>, queries: Q): Promise<{ [K in keyof Q]: AsJson<Awaited<ReturnType<Q[K]['execute']>>[number]>[] }> {
  const columns = Object.entries(queries).map(([name, query]) => sql`(SELECT coalesce(json_agg(r), '[]') FROM (${query}) AS r) AS ${sql.ref(name)}`)
  const { rows } = await sql<Record<string, unknown[]>>`SELECT ${sql.join(columns)}`.execute(db)
  return rows[0] as { [K in keyof Q]: AsJson<Awaited<ReturnType<Q[K]['execute']>>[number]>[] }
}
