import fastifyJwt from '@fastify/jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'

export type Role = 'events:publish' | 'notifications:admin'

export interface TokenClaims {
  sub: string
  roles?: string[]
  /** The event sources a publisher may use; without it, just `/<sub>`. */
  sources?: string[]
  exp: number
}

const MAX_SUB_LENGTH = 200
// A user id is stored and compared as text: control characters (NUL above all, which
// PostgreSQL refuses) and lone surrogates are not ids.
const INVALID_SUB = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string')

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims
    user: TokenClaims
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    requireRole: (role: Role) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
  interface FastifyContextConfig {
    /** EventSource cannot send headers: this route also takes `?access_token=`. */
    allowQueryToken?: boolean
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header) return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? ''
  if (request.routeOptions.config.allowQueryToken) {
    const token = (request.query as Record<string, unknown> | undefined)?.access_token
    return typeof token === 'string' ? token : undefined
  }
  return undefined
}

function unauthorized(message: string) {
  return Object.assign(new Error(message), { statusCode: 401 })
}

/** The event sources a token may publish as: its `sources` claim, or `/<sub>` without one. */
export const allowedSources = (claims: TokenClaims): string[] => claims.sources ?? [`/${claims.sub}`]

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { jwt } = config
    await app.register(fastifyJwt, {
      // Only the public key is known in RS/ES mode: this service verifies, it never issues.
      secret: jwt.algorithm === 'HS256' ? jwt.secret : { public: jwt.publicKey },
      verify: {
        // Pinned: one algorithm, from the key's type. `none` and HS/RS confusion are refused.
        algorithms: [jwt.algorithm],
        // When an issuer or audience is configured, a token without that claim is refused,
        // not waved through: fast-jwt checks allowedIss/allowedAud only on claims present.
        requiredClaims: ['exp', 'sub', ...(config.jwtIssuer ? ['iss'] : []), ...(config.jwtAudience ? ['aud'] : [])],
        // A client sends the same token on every poll: verify it once, then look it up
        // (fast-jwt keeps a cached result no longer than the token's own exp).
        cache: 10_000,
        ...(config.jwtIssuer ? { allowedIss: config.jwtIssuer } : {}),
        ...(config.jwtAudience ? { allowedAud: config.jwtAudience } : {}),
      },
      sign: jwt.algorithm === 'HS256' ? { algorithm: 'HS256' } : undefined,
    })

    app.decorate('authenticate', async (request: FastifyRequest) => {
      const token = bearerToken(request)
      if (token === undefined) throw unauthorized('missing bearer token (Authorization: Bearer <token>)')
      let claims: TokenClaims
      try {
        // The plugin's verifier (pinned algorithm, required claims, iss/aud, cache) called
        // directly: request.jwtVerify() adds a decode and a callback chain per request
        // (measured: an eighth of an unread-count request).
        claims = app.jwt.verify<TokenClaims>(token)
      } catch (err) {
        const e = err as { code?: string; message?: string }
        throw unauthorized(e.code === 'FAST_JWT_EXPIRED' ? 'token expired' : `invalid token: ${e.message ?? 'cannot be verified'}`)
      }
      const { sub, roles, sources } = claims
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB_LENGTH || INVALID_SUB.test(sub)) {
        throw unauthorized(`invalid token: sub must be a user id (1-${MAX_SUB_LENGTH} characters, no control characters)`)
      }
      if (roles !== undefined && !isStringArray(roles)) throw unauthorized('invalid token: roles must be an array of strings')
      if (sources !== undefined && !isStringArray(sources)) throw unauthorized('invalid token: sources must be an array of strings')
      request.user = claims
    })

    app.decorate('requireRole', (role: Role) => async (request: FastifyRequest) => {
      if (!request.user?.roles?.includes(role)) {
        throw Object.assign(new Error(`this call needs the role "${role}"`), { statusCode: 403 })
      }
    })
  },
  { name: 'auth' },
)
