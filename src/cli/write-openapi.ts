import { writeFile } from 'node:fs/promises'
import { buildApp } from '../app.js'
import { loadConfig } from '../config.js'
import { openapiFile } from '../paths.js'

/**
 * Writes openapi.yaml from the route schemas, the one place they are defined.
 * A test fails when the committed file and the routes differ.
 */
export async function generateOpenapi(): Promise<string> {
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/bookit-openapi' })
  // Never connected: nothing is started and no query runs.
  const app = await buildApp({ ...config, databaseUrl: 'postgres://unused@127.0.0.1:1/unused' }, { startWorkers: false, migrate: false, logger: { level: 'silent' } })
  await app.ready()
  const yaml = app.swagger({ yaml: true })
  await app.close()
  return `# Generated from the route schemas by \`npm run openapi\`; do not edit by hand.\n${yaml}`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(openapiFile, await generateOpenapi())
  process.stdout.write(`wrote ${openapiFile}\n`)
}
