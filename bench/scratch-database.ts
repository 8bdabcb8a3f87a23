import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The PostgreSQL the benchmarks use for their throwaway databases. */
export const BENCH_PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export async function createScratchDatabase(purpose: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bookit_bench_${purpose}_${randomBytes(3).toString('hex')}`
  const admin = new pg.Client({ connectionString: BENCH_PG_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(BENCH_PG_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: BENCH_PG_URL })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}
