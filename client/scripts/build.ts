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
    entryPoints: { 'bookit-inbox': join(clientDir, 'src', 'index.ts') },
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
  const total = files.reduce((sum, f) => sum + f.gzipBytes, 0)
  for (const f of files) process.stdout.write(`client/dist/${f.name}: ${(f.bytes / 1024).toFixed(1)} kB, ${(f.gzipBytes / 1024).toFixed(1)} kB gzip\n`)
  if (total > GZIP_BUDGET_BYTES) {
    process.stderr.write(`client bundle is ${(total / 1024).toFixed(1)} kB gzip, over its budget of ${GZIP_BUDGET_BYTES / 1024} kB\n`)
    process.exit(1)
  }
  process.stdout.write(`client: ${(total / 1024).toFixed(1)} kB gzip of a ${GZIP_BUDGET_BYTES / 1024} kB budget\n`)
}
