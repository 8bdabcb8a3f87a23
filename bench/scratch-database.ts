import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The PostgreSQL the benchmarks use for their throwaway databases. */
export const BENCH_PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface ScratchDatabase {
  /** Its name, for a run that keeps it and a later one that reuses it. */
  name: string
  url: string
  drop(): Promise<void>
}

export async function createScratchDatabase(purpose: string): Promise<ScratchDatabase> {
  const name = `bookit_bench_${purpose}_${randomBytes(3).toString('hex')}`
  const admin = new pg.Client({ connectionString: BENCH_PG_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  return existingScratchDatabase(purpose, name)
}

/** One an earlier run of the `purpose` benchmark created and kept. */
export function existingScratchDatabase(purpose: string, name: string): ScratchDatabase {
  if (!new RegExp(`^bookit_bench_${purpose}_[0-9a-f]{6}$`).test(name)) throw new Error(`${name} is not a database the ${purpose} benchmark created`)
  const url = new URL(BENCH_PG_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: BENCH_PG_URL })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}
