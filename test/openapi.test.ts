import { createECDH, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Ajv } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import t from 'tap'
import { parse } from 'yaml'
import { generateOpenapi } from '../src/cli/write-openapi.js'
import { createUnsubscribeToken } from '../src/email/unsubscribe-token.js'
import { openapiFile } from '../src/paths.js'
import { auth, build, createTestDatabase } from './helpers/app.js'
import { bookingCreated, userCreated } from './helpers/events.js'

type Spec = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> }
const committed = await readFile(openapiFile, 'utf8')
const spec = parse(committed) as Spec

// Built before the first subtest: a subtest that ends while this is still awaited lets the
// root test end, and its teardown drops the database under the migration.
const { app, config } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false })

t.test('openapi.yaml is what the routes say: no route undescribed, no description without a route', async (t) => {
  t.equal(committed, await generateOpenapi(), 'regenerate with `npm run openapi` after changing a route')
})

t.test('every described operation exists', async (t) => {
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const method of Object.keys(methods)) {
      t.ok(app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${method.toUpperCase()} ${path}`)
    }
  }
})

t.test('/docs serves the description', async (t) => {
  t.equal((await app.inject({ url: '/docs/' })).statusCode, 200)
  const json = await app.inject({ url: '/docs/json' })
  t.equal(json.statusCode, 200)
  t.same(Object.keys(json.json().paths).sort(), Object.keys(spec.paths).sort())
})

t.test('responses match their documented schemas', async (t) => {
  const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }))
  ajv.addSchema({ ...spec, $id: 'spec' })
  const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')

  const publisher = auth(app, 'svc', ['events:publish'])
  const user = auth(app, 'doc-user')
  const operator = auth(app, 'ops', ['notifications:admin'])
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: [bookingCreated({ user: { id: 'doc-user', email: 'd@example.com', name: 'D' } }), userCreated({ id: 'x', email: 'x@example.com', name: 'X' })] })
  const id = (await app.inject({ url: '/v1/notifications', headers: user })).json().items[0].id as string
  const email = (await app.inject({ url: '/v1/admin/emails', headers: operator })).json().items[0].id as string
  const browserKey = createECDH('prime256v1')
  browserKey.generateKeys()
  const pushSubscription = { endpoint: 'https://push.example.com/send/doc', keys: { p256dh: browserKey.getPublicKey('base64url', 'uncompressed'), auth: randomBytes(16).toString('base64url') } }
  const subscriptionId = (await app.inject({ method: 'POST', url: '/v1/push/subscriptions', headers: user, payload: pushSubscription })).json().id as string
  const webhook = (await app.inject({ method: 'POST', url: '/v1/admin/webhooks', headers: operator, payload: { url: 'http://127.0.0.1:9/hooks', events: ['delivery.failed'] } })).json().id as string
  const template = '/v1/admin/templates/booking-confirmed/de'
  const { current } = (await app.inject({ url: template, headers: operator })).json() as { current: { subject: string; html: string; text: string } }
  const draft = { subject: current.subject, html: current.html.replace('bestätigt', 'reserviert'), text: current.text }
  const announcementBody = { title: 'Docs', body: 'Checked against the spec', audience: { userIds: ['doc-user'] }, channels: ['inApp'], sendAt: new Date(Date.now() + 3_600_000).toISOString() }
  const announcement = (await app.inject({ method: 'POST', url: '/v1/admin/announcements', headers: operator, payload: announcementBody })).json().id as string
  const unsubscribe = createUnsubscribeToken({ userId: 'doc-user', type: 'booking_confirmed' }, config.unsubscribeSecret)

  const calls: { method: string; path: string; url: string; headers?: Record<string, string>; payload?: unknown; status: number }[] = [
    { method: 'get', path: '/health/live', url: '/health/live', status: 200 },
    { method: 'get', path: '/health/ready', url: '/health/ready', status: 200 },
    { method: 'post', path: '/v1/events', url: '/v1/events', headers: publisher, payload: bookingCreated(), status: 202 },
    { method: 'post', path: '/v1/events', url: '/v1/events', headers: publisher, payload: { nope: true }, status: 400 },
    { method: 'post', path: '/v1/events', url: '/v1/events', headers: user, payload: bookingCreated(), status: 403 },
    { method: 'get', path: '/v1/notifications', url: '/v1/notifications?limit=1', headers: user, status: 200 },
    { method: 'get', path: '/v1/notifications', url: '/v1/notifications?limit=0', headers: user, status: 400 },
    { method: 'get', path: '/v1/notifications', url: '/v1/notifications', status: 401 },
    { method: 'get', path: '/v1/notifications/unread-count', url: '/v1/notifications/unread-count', headers: user, status: 200 },
    { method: 'get', path: '/v1/notifications/{id}', url: `/v1/notifications/${id}`, headers: user, status: 200 },
    { method: 'get', path: '/v1/notifications/{id}', url: `/v1/notifications/${id}`, headers: operator, status: 404 },
    { method: 'post', path: '/v1/notifications/{id}/read', url: `/v1/notifications/${id}/read`, headers: user, status: 200 },
    { method: 'post', path: '/v1/notifications/{id}/unread', url: `/v1/notifications/${id}/unread`, headers: user, status: 200 },
    { method: 'post', path: '/v1/notifications/read', url: '/v1/notifications/read', headers: user, payload: { ids: [id] }, status: 200 },
    { method: 'post', path: '/v1/notifications/read-all', url: '/v1/notifications/read-all', headers: user, status: 200 },
    { method: 'post', path: '/v1/notifications/seen', url: '/v1/notifications/seen', headers: user, payload: { ids: [id] }, status: 200 },
    { method: 'get', path: '/v1/notifications/{id}/open', url: `/v1/notifications/${id}/open?sig=altered`, status: 400 },
    { method: 'post', path: '/v1/notifications/seen-all', url: '/v1/notifications/seen-all', headers: user, status: 200 },
    { method: 'post', path: '/v1/notifications/{id}/archive', url: `/v1/notifications/${id}/archive`, headers: user, status: 200 },
    { method: 'post', path: '/v1/notifications/{id}/unarchive', url: `/v1/notifications/${id}/unarchive`, headers: user, status: 200 },
    { method: 'post', path: '/v1/notifications/stream-tickets', url: '/v1/notifications/stream-tickets', headers: user, status: 200 },
    { method: 'get', path: '/v1/preferences', url: '/v1/preferences', headers: user, status: 200 },
    { method: 'put', path: '/v1/preferences', url: '/v1/preferences', headers: user, payload: { booking_cancelled: { email: false } }, status: 200 },
    { method: 'put', path: '/v1/preferences', url: '/v1/preferences', headers: user, payload: { welcome: { email: false } }, status: 400 },
    { method: 'put', path: '/v1/preferences', url: '/v1/preferences', headers: user, payload: { hall_booking_created: { digest: 'daily' } }, status: 200 },
    { method: 'put', path: '/v1/preferences/quiet-hours', url: '/v1/preferences/quiet-hours', headers: user, payload: { start: '22:00', end: '07:00' }, status: 200 },
    { method: 'put', path: '/v1/preferences/quiet-hours', url: '/v1/preferences/quiet-hours', headers: user, payload: { start: '22:00', end: '22:00' }, status: 400 },
    { method: 'get', path: '/v1/preferences/quiet-hours', url: '/v1/preferences/quiet-hours', headers: user, status: 200 },
    { method: 'post', path: '/v1/unsubscribe', url: `/v1/unsubscribe?token=${unsubscribe}`, status: 200 },
    { method: 'post', path: '/v1/unsubscribe', url: '/v1/unsubscribe?token=bad', status: 400 },
    { method: 'get', path: '/v1/admin/emails', url: '/v1/admin/emails', headers: operator, status: 200 },
    { method: 'post', path: '/v1/admin/emails/{id}/retry', url: `/v1/admin/emails/${email}/retry`, headers: operator, status: 409 },
    { method: 'get', path: '/v1/push/public-key', url: '/v1/push/public-key', status: 200 },
    { method: 'post', path: '/v1/push/subscriptions', url: '/v1/push/subscriptions', headers: user, payload: pushSubscription, status: 201 },
    { method: 'post', path: '/v1/push/subscriptions', url: '/v1/push/subscriptions', headers: user, payload: { ...pushSubscription, endpoint: 'http://push.example.com/x' }, status: 400 },
    { method: 'get', path: '/v1/push/subscriptions', url: '/v1/push/subscriptions', headers: user, status: 200 },
    { method: 'delete', path: '/v1/push/subscriptions/{id}', url: `/v1/push/subscriptions/${subscriptionId}`, headers: user, status: 204 },
    { method: 'post', path: '/v1/admin/webhooks', url: '/v1/admin/webhooks', headers: operator, payload: { url: 'http://127.0.0.1:9/hooks', events: ['notification.created'] }, status: 201 },
    { method: 'post', path: '/v1/admin/webhooks', url: '/v1/admin/webhooks', headers: operator, payload: { url: 'http://127.0.0.1:9/hooks', events: ['nope'] }, status: 400 },
    { method: 'get', path: '/v1/admin/webhooks', url: '/v1/admin/webhooks', headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/webhooks/{id}', url: `/v1/admin/webhooks/${webhook}`, headers: operator, status: 200 },
    { method: 'post', path: '/v1/admin/webhooks/{id}/rotate-secret', url: `/v1/admin/webhooks/${webhook}/rotate-secret`, headers: operator, status: 200 },
    { method: 'delete', path: '/v1/admin/webhooks/{id}', url: `/v1/admin/webhooks/${webhook}`, headers: operator, status: 204 },
    { method: 'post', path: '/v1/admin/announcements', url: '/v1/admin/announcements', headers: operator, payload: announcementBody, status: 202 },
    { method: 'post', path: '/v1/admin/announcements', url: '/v1/admin/announcements', headers: operator, payload: { ...announcementBody, channels: [] }, status: 400 },
    { method: 'post', path: '/v1/admin/announcements', url: '/v1/admin/announcements', headers: user, payload: announcementBody, status: 403 },
    { method: 'get', path: '/v1/admin/announcements', url: '/v1/admin/announcements', headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/announcements/{id}', url: `/v1/admin/announcements/${announcement}`, headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/announcements/{id}', url: '/v1/admin/announcements/nope', headers: operator, status: 404 },
    { method: 'delete', path: '/v1/admin/announcements/{id}', url: `/v1/admin/announcements/${announcement}`, headers: operator, status: 200 },
    { method: 'delete', path: '/v1/admin/announcements/{id}', url: `/v1/admin/announcements/${announcement}`, headers: operator, status: 409 },
    { method: 'get', path: '/v1/admin/deliveries', url: '/v1/admin/deliveries?channel=email&status=pending', headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/deliveries', url: '/v1/admin/deliveries?channel=fax', headers: operator, status: 400 },
    { method: 'post', path: '/v1/admin/deliveries/{id}/retry', url: `/v1/admin/deliveries/${email}/retry`, headers: operator, status: 409 },
    { method: 'post', path: '/v1/admin/deliveries/{id}/retry', url: '/v1/admin/deliveries/not-a-uuid/retry', headers: operator, status: 404 },
    { method: 'get', path: '/v1/admin/templates', url: '/v1/admin/templates', headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/templates/{name}/{locale}', url: template, headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/templates/{name}/{locale}', url: '/v1/admin/templates/nope/de', headers: operator, status: 404 },
    { method: 'put', path: '/v1/admin/templates/{name}/{locale}', url: template, headers: operator, payload: { ...draft, subject: '<%= process %>' }, status: 400 },
    { method: 'put', path: '/v1/admin/templates/{name}/{locale}', url: template, headers: operator, payload: draft, status: 200 },
    { method: 'post', path: '/v1/admin/templates/{name}/{locale}/preview', url: `${template}/preview`, headers: operator, payload: {}, status: 200 },
    { method: 'post', path: '/v1/admin/templates/{name}/{locale}/publish', url: `${template}/publish`, headers: operator, status: 200 },
    { method: 'post', path: '/v1/admin/templates/{name}/{locale}/publish', url: `${template}/publish`, headers: operator, status: 409 },
    { method: 'get', path: '/v1/admin/templates/{name}/{locale}/versions', url: `${template}/versions`, headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/templates/{name}/{locale}/versions/{n}', url: `${template}/versions/1`, headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/templates/{name}/{locale}/diff', url: `${template}/diff?from=0&to=1`, headers: operator, status: 200 },
    { method: 'post', path: '/v1/admin/templates/{name}/{locale}/versions/{n}/restore', url: `${template}/versions/0/restore`, headers: operator, status: 200 },
    { method: 'put', path: '/v1/admin/templates/{name}/{locale}', url: template, headers: operator, payload: draft, status: 200 },
    { method: 'delete', path: '/v1/admin/templates/{name}/{locale}', url: template, headers: operator, status: 204 },
    { method: 'get', path: '/v1/admin/stats', url: '/v1/admin/stats?interval=hour', headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/stats', url: '/v1/admin/stats?interval=week', headers: operator, status: 400 },
    { method: 'get', path: '/v1/admin/reminders', url: '/v1/admin/reminders?status=scheduled', headers: operator, status: 200 },
    { method: 'get', path: '/v1/admin/reminders', url: '/v1/admin/reminders?status=soon', headers: operator, status: 400 },
    { method: 'delete', path: '/v1/notifications/{id}', url: `/v1/notifications/${id}`, headers: user, status: 204 },
    { method: 'delete', path: '/v1/notifications', url: '/v1/notifications', headers: user, status: 200 },
  ]
  const covered = new Set<string>()
  for (const call of calls) {
    const response = await app.inject({ method: call.method.toUpperCase() as 'GET', url: call.url, headers: call.headers, payload: call.payload as object })
    const name = `${call.method.toUpperCase()} ${call.url.slice(0, 50)} -> ${call.status}`
    t.equal(response.statusCode, call.status, name)
    covered.add(`${call.method} ${call.path}`)
    const documented = spec.paths[call.path]?.[call.method]?.responses[String(call.status)]
    t.ok(documented, `${name} is documented`)
    const schema = documented?.content?.['application/json']?.schema
    if (call.status === 204) {
      t.equal(response.body, '', `${name}: empty`)
      continue
    }
    t.ok(schema, `${name} has a JSON schema`)
    const validate = ajv.compile({ $ref: `spec#/paths/${pointer(call.path)}/${call.method}/responses/${call.status}/content/application~1json/schema` })
    t.ok(validate(response.json()), `${name} matches: ${ajv.errorsText(validate.errors)}`)
  }
  const jsonOperations = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`))
  const notJson = ['get /metrics', 'get /v1/notifications/stream', 'get /v1/notifications/export', 'get /v1/unsubscribe']
  t.same(jsonOperations.filter((op) => !covered.has(op) && !notJson.includes(op)), [], 'every JSON operation was checked')
})
