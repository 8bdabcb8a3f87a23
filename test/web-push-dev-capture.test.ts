import { readFileSync, readdirSync } from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import t from 'tap'
import { JWT_SECRET, createTestDatabase, uniqueName, waitFor } from './helpers/app.js'
import { ada, bookingCreated } from './helpers/events.js'
import { listeningUrl, startService } from './helpers/service-process.js'
import { signToken } from './helpers/tokens.js'

/**
 * Development's capture device: a push planned for it travels the real path (VAPID-signed,
 * RFC 8291-encrypted, POSTed by the push channel) to the service's own stand-in push
 * service, which decrypts it with the device's key and writes it to DATA_DIR/push/.
 */
const free = net.createServer()
await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve))
const port = (free.address() as AddressInfo).port
await new Promise((resolve) => free.close(resolve))
const dataDir = `/tmp/${uniqueName('bookit-dev-push')}`

const proc = startService({
  NODE_ENV: 'development',
  DATABASE_URL: await createTestDatabase(t),
  DATA_DIR: dataDir,
  JWT_SECRET,
  PORT: String(port),
  HOST: '127.0.0.1',
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  EMAIL_POLL_MS: '50',
})
t.teardown(async () => {
  proc.child.kill('SIGTERM')
  await proc.exited
})
const base = await listeningUrl(proc, 120_000)
const as = (sub: string, roles?: string[]) => ({ authorization: `Bearer ${signToken(sub, roles)}`, 'content-type': 'application/json' })

t.test('a capture device receives real pushes and writes them decrypted', async (t) => {
  const created = await fetch(`${base}/dev/push/devices`, { method: 'POST', headers: { authorization: as(ada.id).authorization } })
  t.equal(created.status, 201, 'device created')
  const device = (await created.json()) as { id: string; subscriptionId: string; endpoint: string }
  t.match(device.endpoint, `http://127.0.0.1:${port}/dev/push/devices/${device.id}`)
  const listed = (await (await fetch(`${base}/v1/push/subscriptions`, { headers: as(ada.id) })).json()) as { items: { id: string }[] }
  t.same(listed.items.map((i) => i.id), [device.subscriptionId], "it is one of the user's push subscriptions")

  const event = bookingCreated({ user: ada, admins: [] })
  const published = await fetch(`${base}/v1/events`, { method: 'POST', headers: as('booking-service', ['events:publish']), body: JSON.stringify(event) })
  t.equal(published.status, 202)

  const files = await waitFor(() => {
    const names = readdirSync(`${dataDir}/push`).filter((f) => f.endsWith('.json') && f !== 'devices.json')
    return names.length > 0 && names
  }, { what: 'a captured push', timeout: 20_000 })
  t.equal(files.length, 1, 'one push for the one notification')
  const captured = JSON.parse(readFileSync(`${dataDir}/push/${files[0]}`, 'utf8'))
  t.equal(captured.userId, ada.id)
  t.equal(captured.device, device.id)
  t.match(captured.message, { title: /^Booking confirmed: /, body: /Main Hall/, type: 'booking_confirmed', unreadCount: 1 }, 'the decrypted message carries the in-app text')
  t.ok(Number(captured.ttl) > 0, 'with the TTL header a push service needs')

  const deliveries = (await (await fetch(`${base}/v1/admin/deliveries?channel=push`, { headers: as('ops', ['notifications:admin']) })).json()) as { items: { status: string; destination: string }[] }
  await waitFor(async () => {
    const d = (await (await fetch(`${base}/v1/admin/deliveries?channel=push`, { headers: as('ops', ['notifications:admin']) })).json()) as { items: { status: string }[] }
    return d.items[0]?.status === 'sent'
  }, { what: 'the push delivery marked sent' })
  t.equal(deliveries.items[0]?.destination, device.subscriptionId)
})

t.test('a push for an unknown device is answered 404, as a push service would', async (t) => {
  const response = await fetch(`${base}/dev/push/devices/00000000-0000-0000-0000-000000000000`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(100) })
  t.equal(response.status, 404)
})

t.test('a body that does not decrypt is a 400 with the reason', async (t) => {
  const created = (await (await fetch(`${base}/dev/push/devices`, { method: 'POST', headers: { authorization: as('u-other').authorization } })).json()) as { id: string }
  const response = await fetch(`${base}/dev/push/devices/${created.id}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(100) })
  t.equal(response.status, 400)
  t.match(((await response.json()) as { message: string }).message, /^cannot decrypt: /)
})
