import { createECDH, randomBytes, randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsync } from 'fastify'
import { decryptPush } from '../delivery/web-push/decrypt-push.js'
import { saveSubscription } from '../delivery/web-push/subscription-store.js'
import { privateScalar } from '../delivery/web-push/vapid-keys.js'

export interface DevPushRoutesOptions {
  /** Where the capture devices' keys and the pushes they receive are kept (`DATA_DIR/push`). */
  dir: string
  /** The service's own address, which the devices' endpoints point at. */
  publicUrl: string
}

interface CaptureDevice {
  id: string
  userId: string
  /** The browser's private P-256 key and auth secret (base64url): what decrypts its pushes. */
  privateKey: string
  auth: string
}

const DEVICE_ID = /^[0-9a-f-]{36}$/

/**
 * Development only (never registered in production): a stand-in for a browser and its push
 * service, so the quick start shows a push without a browser. `POST /dev/push/devices`
 * subscribes a capture device for the caller; the push channel then sends it real Web Push
 * requests (VAPID-signed, RFC 8291-encrypted) like any push service, and each one is
 * decrypted with the device's key and written to `DATA_DIR/push/` as JSON.
 */
const devPushRoutes: FastifyPluginAsync<DevPushRoutesOptions> = async (app, o) => {
  const hide = { schema: { hide: true } }
  const devicesFile = join(o.dir, 'devices.json')
  const devices = async (): Promise<CaptureDevice[]> => JSON.parse(await readFile(devicesFile, 'utf8').catch(() => '[]')) as CaptureDevice[]

  app.post('/dev/push/devices', { ...hide, onRequest: app.authenticate }, async (request, reply) => {
    const ecdh = createECDH('prime256v1')
    ecdh.generateKeys()
    const device: CaptureDevice = { id: randomUUID(), userId: request.user.sub, privateKey: privateScalar(ecdh).toString('base64url'), auth: randomBytes(16).toString('base64url') }
    const endpoint = `${o.publicUrl}/dev/push/devices/${device.id}`
    await mkdir(o.dir, { recursive: true })
    await writeFile(devicesFile, JSON.stringify([...(await devices()), device], null, 2), { mode: 0o600 })
    const subscriptionId = await saveSubscription(app.db, device.userId, { endpoint, p256dh: ecdh.getPublicKey('base64url', 'uncompressed'), auth: device.auth })
    return reply.code(201).send({ id: device.id, subscriptionId, endpoint })
  })

  app.register(async (receiver) => {
    // Pushes arrive as an encrypted octet stream (RFC 8291), read whole here.
    receiver.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: 8192 }, (_request, body, done) => done(null, body))
    receiver.post<{ Params: { id: string } }>('/dev/push/devices/:id', hide, async (request, reply) => {
      const device = DEVICE_ID.test(request.params.id) ? (await devices()).find((d) => d.id === request.params.id) : undefined
      // As a push service answers for a subscription it does not know: the sender deletes it.
      if (!device) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such capture device' })
      if (!Buffer.isBuffer(request.body)) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'an aes128gcm body is expected' })
      let message: unknown
      try {
        message = JSON.parse(decryptPush(request.body, Buffer.from(device.privateKey, 'base64url'), Buffer.from(device.auth, 'base64url')))
      } catch (err) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `cannot decrypt: ${(err as Error).message}` })
      }
      const receivedAt = new Date()
      const name = `${receivedAt.toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.json`
      const { ttl, urgency, topic } = request.headers
      // Written under another name, then renamed: whoever watches the folder never reads half a file.
      await writeFile(join(o.dir, `${name}.part`), `${JSON.stringify({ receivedAt, device: device.id, userId: device.userId, ttl, urgency, topic, message }, null, 2)}\n`)
      await rename(join(o.dir, `${name}.part`), join(o.dir, name))
      return reply.code(201).header('location', `${o.publicUrl}/dev/push/messages/${name}`).send()
    })
  })
}

export default devPushRoutes
