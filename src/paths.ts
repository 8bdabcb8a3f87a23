import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The project root, from the sources (`src/`) and from the build (`dist/src/`) alike. */
const here = dirname(fileURLToPath(import.meta.url))
export const projectRoot = here.endsWith(join('dist', 'src')) ? join(here, '..', '..') : join(here, '..')
export const templatesDir = join(projectRoot, 'templates')
export const openapiFile = join(projectRoot, 'openapi.yaml')
export const examplesDir = join(projectRoot, 'examples')
export const publicDir = join(projectRoot, 'public')
/** The built inbox components (`npm run build` writes them). */
export const clientDistDir = join(projectRoot, 'client', 'dist')
