import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes (the spec asks for 24 to 64). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

/**
 * The `webhook-signature` header: one `v1,<base64>` per secret, space-separated, so a
 * receiver still holding the old secret verifies during a rotation. Signed by the spec's
 * own library (HMAC-SHA256 over `${id}.${timestamp}.${body}` with the decoded secret).
 */
export function signatureHeader(id: string, at: Date, body: string, secrets: readonly string[]): string {
  return secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' ')
}
