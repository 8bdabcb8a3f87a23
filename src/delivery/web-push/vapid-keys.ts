import { createECDH } from 'node:crypto'

/** A VAPID key pair (RFC 8292) as the Push API and the `web-push` package take it: base64url, raw. */
export interface VapidKeys {
  /** The uncompressed P-256 point (65 bytes): what a browser passes as `applicationServerKey`. */
  publicKey: string
  /** The private scalar (32 bytes). */
  privateKey: string
}

export function generateVapidKeys(): VapidKeys {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return { publicKey: ecdh.getPublicKey('base64url', 'uncompressed'), privateKey: privateScalar(ecdh).toString('base64url') }
}

/**
 * The private scalar as the 32 bytes a P-256 key is: getPrivateKey() drops leading zero
 * bytes, so about one key in 256 would come out 31 bytes long and be refused as a key.
 */
export function privateScalar(ecdh: ReturnType<typeof createECDH>): Buffer {
  const raw = ecdh.getPrivateKey()
  return raw.length >= 32 ? raw : Buffer.concat([Buffer.alloc(32 - raw.length), raw])
}

/** base64url with or without padding, as browsers and key generators write it. */
export function decodeBase64Url(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return undefined
  return Buffer.from(value.replace(/=+$/, ''), 'base64url')
}

/** Whether `bytes` is an uncompressed point on P-256 (not just 65 bytes starting 0x04). */
export function isP256Point(bytes: Buffer): boolean {
  if (bytes.length !== 65 || bytes[0] !== 0x04) return false
  try {
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(Buffer.alloc(32, 1))
    ecdh.computeSecret(bytes)
    return true
  } catch {
    // computeSecret throws exactly when the bytes are not a point on the curve.
    return false
  }
}

/** Why a key pair cannot be used (names which half), or undefined when it is sound. */
export function vapidKeyProblem(keys: VapidKeys): { which: 'public' | 'private'; problem: string } | undefined {
  const publicKey = decodeBase64Url(keys.publicKey)
  if (!publicKey || !isP256Point(publicKey)) return { which: 'public', problem: 'must be a base64url uncompressed P-256 public key (65 bytes, as printed by `npx web-push generate-vapid-keys`)' }
  const privateKey = decodeBase64Url(keys.privateKey)
  if (!privateKey || privateKey.length !== 32) return { which: 'private', problem: 'must be a base64url P-256 private key (32 bytes)' }
  let derived: Buffer
  try {
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(privateKey)
    derived = ecdh.getPublicKey(null, 'uncompressed')
  } catch {
    return { which: 'private', problem: 'is not a valid P-256 private key' }
  }
  if (!derived.equals(publicKey)) return { which: 'private', problem: 'does not belong to WEB_PUSH_PUBLIC_KEY' }
  return undefined
}
