import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import openapiTS, { astToString } from 'openapi-typescript'

/**
 * Builds the drop-in inbox: regenerates the API types from openapi.yaml (so the client
 * cannot drift from the spec: a changed field fails the type check), bundles and minifies
 * the components with the typed client, and fails when the bundle is over its gzip budget.
 */

const clientDir = join(dirname(fileURLToPath(import.meta.url)), '..')
export const specFile = join(clientDir, '..', 'openapi.yaml')
export const generatedTypesFile = join(clientDir, 'src', 'generated', 'api.d.ts')
export const defaultOutDir = join(clientDir, 'dist')
/** The component and the client together, gzipped: what a page downloads. */
export const GZIP_BUDGET_BYTES = 20 * 1024
/** The admin page's one script (every tab and the client), gzipped; bundled apart so the inbox never carries it. */
export const ADMIN_GZIP_BUDGET_BYTES = 24 * 1024
const BUDGETS: Record<string, number> = { 'bookit-inbox.js': GZIP_BUDGET_BYTES, 'bookit-admin.js': ADMIN_GZIP_BUDGET_BYTES }

const HEADER = '// Generated from openapi.yaml by client/scripts/build.ts; do not edit by hand.\n'

export async function generateApiTypes(): Promise<string> {
  const ast = await openapiTS(new URL(`file://${specFile}`))
  return HEADER + astToString(ast)
}

export interface ClientBuild {
  outDir: string
  files: { name: string; bytes: number; gzipBytes: number }[]
}

export async function buildClient({ outDir = defaultOutDir, writeTypes = true } = {}): Promise<ClientBuild> {
  if (writeTypes) {
    const types = await generateApiTypes()
    const current = await readFile(generatedTypesFile, 'utf8').catch(() => '')
    if (current !== types) {
      await mkdir(dirname(generatedTypesFile), { recursive: true })
      await writeFile(generatedTypesFile, types)
    }
  }
  const result = await build({
    entryPoints: { 'bookit-inbox': join(clientDir, 'src', 'index.ts'), 'bookit-admin': join(clientDir, 'src', 'admin', 'index.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    write: false,
    outdir: outDir,
    legalComments: 'none',
    logLevel: 'silent',
  })
  await mkdir(outDir, { recursive: true })
  const files: ClientBuild['files'] = []
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1)
    // Written then renamed: a server (or a parallel test) never reads half a file.
    const temporary = join(outDir, `.${name}.${process.pid}`)
    await writeFile(temporary, file.contents)
    await rename(temporary, join(outDir, name))
    files.push({ name, bytes: file.contents.byteLength, gzipBytes: gzipSync(file.contents, { level: 9 }).byteLength })
  }
  return { outDir, files }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { files } = await buildClient()
  let over = false
  for (const f of files) {
    const budget = BUDGETS[f.name]
    process.stdout.write(`client/dist/${f.name}: ${(f.bytes / 1024).toFixed(1)} kB, ${(f.gzipBytes / 1024).toFixed(1)} kB gzip${budget ? ` of a ${budget / 1024} kB budget` : ''}\n`)
    if (budget !== undefined && f.gzipBytes > budget) {
      process.stderr.write(`client/dist/${f.name} is ${(f.gzipBytes / 1024).toFixed(1)} kB gzip, over its budget of ${budget / 1024} kB\n`)
      over = true
    }
  }
  if (over) process.exit(1)
}
