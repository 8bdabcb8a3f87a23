import { createSigner } from 'fast-jwt'
import { JWT_SECRET } from './app.js'
import { SAMPLE_SOURCES } from './events.js'

const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })

/** A token for a service process running with the tests' JWT_SECRET. */
export const signToken = (sub: string, roles?: string[]) => sign({ sub, ...(roles ? { roles } : {}), ...(roles?.includes('events:publish') ? { sources: SAMPLE_SOURCES } : {}) })
