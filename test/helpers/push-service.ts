import { execFile } from 'node:child_process'
import { createECDH, createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto'
import { decryptPush } from '../../src/delivery/web-push/decrypt-push.js'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { type Server, createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

/** A browser's side of one subscription: what it sends the service, and the private half it decrypts with. */
export interface BrowserSubscription {
  id: string
  endpoint: string
  keys: { p256dh: string; auth: string }
  privateKey: Buffer
}

export interface ReceivedPush {
  subscriptionId: string
  headers: Record<string, string | string[] | undefined>
  /** The VAPID JWT's claims, after its ES256 signature checked out against the configured key. */
  claims: { aud: string; exp: number; sub: string }
  /** The decrypted bytes, as the browser would see them. */
  plaintext: string
  /** `plaintext` parsed as JSON. */
  message: Record<string, unknown>
}

export interface Answer {
  status: number
  headers?: Record<string, string>
  body?: string
}

export interface PushServiceOptions {
  /** The VAPID public key every request must be signed with (base64url). */
  vapidPublicKey: string
  /** The VAPID `sub` every request must carry. */
  subject: string
  /** Accept everything unchecked and only count (benchmarks: measure the sender, not this server). */
  countOnly?: boolean
}

const b64 = (value: string) => Buffer.from(value, 'base64url')
// The browser's half of RFC 8291, shared with the development capture device.
export { decryptPush }

/** Checks `Authorization: vapid t=<jwt>, k=<key>` (RFC 8292); returns the claims or throws why not. */
export function verifyVapid(authorization: string | undefined, origin: string, options: PushServiceOptions): ReceivedPush['claims'] {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)$/.exec(authorization ?? '')
  if (!match) throw new Error(`Authorization is not "vapid t=..., k=...": ${authorization}`)
  const [, jwt, k] = match as unknown as [string, string, string]
  if (k !== options.vapidPublicKey) throw new Error('k is not the configured VAPID public key')
  const [header, payload, signature] = jwt.split('.') as [string, string, string]
  const { alg } = JSON.parse(b64(header).toString()) as { alg: string }
  if (alg !== 'ES256') throw new Error(`JWT alg is ${alg}, not ES256`)
  const point = b64(k)
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' })
  if (!verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, b64(signature))) throw new Error('JWT signature does not verify with k')
  const claims = JSON.parse(b64(payload).toString()) as ReceivedPush['claims']
  const now = Math.floor(Date.now() / 1000)
  if (claims.aud !== origin) throw new Error(`aud is ${claims.aud}, not ${origin}`)
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error(`exp ${claims.exp} is not within the next 24 h`)
  if (claims.sub !== options.subject) throw new Error(`sub is ${claims.sub}, not ${options.subject}`)
  return claims
}

/**
 * A push service in the test process (RFC 8030), over HTTPS with a self-signed certificate
 * made by openssl at start. It accepts a message only when its VAPID signature checks out
 * and it decrypts with the subscription's private key; answers can be scripted per subscription.
 */
export class PushService {
  readonly received: ReceivedPush[] = []
  /** Messages accepted unchecked (`countOnly`). */
  counted = 0
  /** Their `Topic` headers, in arrival order: one per booking, so a benchmark can find a message sent twice without decrypting. */
  readonly countedTopics: (string | undefined)[] = []
  /** Requests refused because VAPID or the encryption was wrong, with the reason. */
  readonly refused: { subscriptionId: string; reason: string }[] = []
  private readonly subscriptions = new Map<string, BrowserSubscription>()
  private readonly scripted = new Map<string, Answer[]>()
  private server: Server | undefined
  private dir = ''
  /** The self-signed certificate (PEM): trust it as a CA. */
  ca = ''
  caFile = ''
  origin = ''

  constructor(private readonly options: PushServiceOptions) {}

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'push-service-'))
    const keyFile = join(this.dir, 'key.pem')
    this.caFile = join(this.dir, 'cert.pem')
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', keyFile, '-out', this.caFile,
    ])
    this.ca = await readFile(this.caFile, 'utf8')
    this.server = createServer({ key: await readFile(keyFile), cert: this.ca }, (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const answer = this.handle(req.url ?? '', req.headers, Buffer.concat(chunks))
        res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '')
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections()
      await new Promise<void>((resolve) => this.server!.close(() => resolve()))
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true })
  }

  /** A new browser subscription on this service, with its private key kept for decryption. */
  subscribe(): BrowserSubscription {
    const ecdh = createECDH('prime256v1')
    ecdh.generateKeys()
    const id = randomUUID()
    const subscription = {
      id,
      endpoint: `${this.origin}/push/${id}`,
      keys: { p256dh: ecdh.getPublicKey('base64url', 'uncompressed'), auth: randomBytes(16).toString('base64url') },
      privateKey: ecdh.getPrivateKey(),
    }
    this.subscriptions.set(id, subscription)
    return subscription
  }

  /** The next answers for one subscription, in order; after them it accepts again (201). */
  script(subscription: { id: string }, ...answers: Answer[]): void {
    this.scripted.set(subscription.id, [...(this.scripted.get(subscription.id) ?? []), ...answers])
  }

  messagesFor(subscription: { id: string }): ReceivedPush[] {
    return this.received.filter((r) => r.subscriptionId === subscription.id)
  }

  private handle(path: string, headers: ReceivedPush['headers'], body: Buffer): Answer {
    if (this.options.countOnly) {
      this.counted++
      this.countedTopics.push(headers.topic as string | undefined)
      return { status: 201 }
    }
    const id = /^\/push\/([\w-]+)$/.exec(path)?.[1] ?? ''
    const subscription = this.subscriptions.get(id)
    if (!subscription) return { status: 404, body: 'no such subscription' }
    const refuse = (status: number, reason: string): Answer => {
      this.refused.push({ subscriptionId: id, reason })
      return { status, body: reason }
    }
    let claims: ReceivedPush['claims']
    try {
      claims = verifyVapid(headers.authorization as string | undefined, this.origin, this.options)
    } catch (err) {
      return refuse(403, `VAPID: ${(err as Error).message}`)
    }
    if (headers['content-encoding'] !== 'aes128gcm') return refuse(400, `Content-Encoding is ${headers['content-encoding']}`)
    if (!/^\d+$/.test(String(headers.ttl))) return refuse(400, 'TTL header missing')
    let plaintext: string
    let message: Record<string, unknown>
    try {
      plaintext = decryptPush(body, subscription.privateKey, b64(subscription.keys.auth))
      message = JSON.parse(plaintext) as Record<string, unknown>
    } catch (err) {
      return refuse(400, `payload: ${(err as Error).message}`)
    }
    const answer = this.scripted.get(id)?.shift()
    if (answer) return answer
    this.received.push({ subscriptionId: id, headers, claims, plaintext, message })
    return { status: 201, headers: { location: `${this.origin}/messages/${randomUUID()}` } }
  }
}
