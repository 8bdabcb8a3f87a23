import { createDecipheriv, createECDH, createHmac } from 'node:crypto'

const hmac = (key: Buffer, ...data: Buffer[]) => {
  const h = createHmac('sha256', key)
  for (const d of data) h.update(d)
  return h.digest()
}

/**
 * RFC 8291 decryption (aes128gcm, one record), the browser's half of Web Push, written from
 * the RFC with node:crypto. The service encrypts with the `web-push` package; this is an
 * independent implementation, so a wrong byte on either side shows. Used by the development
 * capture device and by the tests' push service.
 */
export function decryptPush(body: Buffer, browserPrivateKey: Buffer, authSecret: Buffer): string {
  if (body.length < 21) throw new Error(`a ${body.length}-byte body has no aes128gcm header`)
  const salt = body.subarray(0, 16)
  const recordSize = body.readUInt32BE(16)
  const idLength = body[20]!
  const serverPublicKey = body.subarray(21, 21 + idLength)
  const record = body.subarray(21 + idLength)
  if (idLength !== 65) throw new Error(`keyid must be the 65-byte server key (got ${idLength} bytes)`)
  if (record.length > recordSize) throw new Error(`one record expected: ${record.length} bytes over a record size of ${recordSize}`)
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(browserPrivateKey)
  const browserPublicKey = ecdh.getPublicKey(null, 'uncompressed')
  const ecdhSecret = ecdh.computeSecret(serverPublicKey)
  const prkKey = hmac(authSecret, ecdhSecret)
  const ikm = hmac(prkKey, Buffer.from('WebPush: info\0'), browserPublicKey, serverPublicKey, Buffer.from([1]))
  const prk = hmac(salt, ikm)
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0'), Buffer.from([1])).subarray(0, 16)
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0'), Buffer.from([1])).subarray(0, 12)
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(record.subarray(record.length - 16))
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()])
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1
  while (end >= 0 && padded[end] === 0) end--
  if (padded[end] !== 2) throw new Error('last record has no 0x02 delimiter')
  return padded.subarray(0, end).toString('utf8')
}
