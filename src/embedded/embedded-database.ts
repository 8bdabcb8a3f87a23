export interface EmbeddedDatabase {
  url: string
  stop(): Promise<void>
}

export async function startEmbeddedDatabase(_dataDir: string): Promise<EmbeddedDatabase> {
  throw new Error('DATABASE_URL is not set and the embedded database is not available yet')
}
