import { createHmac, timingSafeEqual } from 'node:crypto'

export interface UnsubscribeClaim {
  userId: string
  type: string
  /** The recipient's locale when the email was sent: the unsubscribe page speaks it. Absent in older links. */
  locale?: string
}

function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url')
}

/**
 * A signed, non-expiring token naming one user and one email type: an unsubscribe link
 * in an old email must keep working, and it can only ever switch one email type off.
 */
export function createUnsubscribeToken(claim: UnsubscribeClaim, secret: string): string {
  const body = Buffer.from(JSON.stringify(claim.locale ? [claim.userId, claim.type, claim.locale] : [claim.userId, claim.type])).toString('base64url')
  return `${body}.${sign(body, secret)}`
}

/** Returns the claim, or `undefined` for a token that is malformed, forged or altered. */
export function verifyUnsubscribeToken(token: string, secret: string): UnsubscribeClaim | undefined {
  const [body, signature, ...rest] = token.split('.')
  if (!body || !signature || rest.length > 0) return undefined
  const expected = Buffer.from(sign(body, secret))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(body, 'base64url').toString())
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { userId: value[0], type: value[1] }
    }
    if (Array.isArray(value) && value.length === 3 && value.every((v): v is string => typeof v === 'string')) {
      const [userId, type, locale] = value as [string, string, string]
      return { userId, type, locale }
    }
  } catch {
    // a signed body that is not ours: treated like any other bad token
  }
  return undefined
}
