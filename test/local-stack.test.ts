import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { AMQP_URL, brokerNames, build, createTestDatabase, waitFor } from './helpers/app.js'

/**
 * docker-compose.yml cannot run here (no container engine), so what can be checked is:
 * the files parse, the dashboard only asks for metrics the service exports, and the
 * service's environment holds only variables the service reads.
 */
const root = join(import.meta.dirname, '..')
const read = (path: string) => readFileSync(join(root, path), 'utf8')

type Compose = { services: Record<string, { image?: string; build?: string; environment?: Record<string, string>; volumes?: string[]; depends_on?: unknown }> }
const compose = parse(read('docker-compose.yml')) as Compose
const dashboard = JSON.parse(read('ops/grafana/dashboards/bookit-notifications.json')) as { panels: { title: string; targets: { expr: string }[] }[] }

t.test('the compose file has the whole stack, the service built from the Dockerfile', async (t) => {
  t.same(Object.keys(compose.services).sort(), ['grafana', 'mailpit', 'notifications', 'postgres', 'prometheus', 'rabbitmq'])
  t.equal(compose.services.notifications!.build, '.', 'built from this Dockerfile')
  t.ok(existsSync(join(root, 'Dockerfile')))
  t.match(compose.services.rabbitmq!.image, /management/, 'RabbitMQ with its management UI')
  // Every file a service mounts exists.
  for (const [name, service] of Object.entries(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!
      if (source.startsWith('./')) t.ok(existsSync(join(root, source)), `${name} mounts ${source}, which exists`)
    }
  }
})

t.test('every environment variable the compose file sets is one the service reads', async (t) => {
  // The variables the configuration reads are the upper-case names quoted in config.ts.
  const known = new Set([...read('src/config.ts').matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|PORT|HOST)'/g)].map((m) => m[1]!))
  known.add('NODE_HEAP_MB') // read by npm start and the Dockerfile's command
  const environment = Object.keys(compose.services.notifications!.environment ?? {})
  t.ok(environment.length >= 5)
  t.same(environment.filter((name) => !known.has(name)), [], 'no unknown variable')
  for (const url of ['DATABASE_URL', 'AMQP_URL', 'SMTP_URL']) t.ok(environment.includes(url), `${url} points at the stack`)
})

t.test('Prometheus scrapes the service; Grafana is provisioned with the dashboard', async (t) => {
  const prometheus = parse(read('ops/prometheus/prometheus.yml')) as { scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[] }
  const job = prometheus.scrape_configs[0]!
  t.equal(job.metrics_path, '/metrics')
  t.same(job.static_configs[0]!.targets, [`notifications:${compose.services.notifications!.environment!.PORT}`])
  const datasource = parse(read('ops/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { url: string; uid: string }[] }
  t.equal(datasource.datasources[0]!.url, 'http://prometheus:9090')
  const uids = new Set(dashboard.panels.flatMap((p) => (p as unknown as { datasource: { uid: string } }).datasource.uid))
  t.same([...uids], [datasource.datasources[0]!.uid], 'every panel uses the provisioned data source')
  const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ')
  for (const topic of ['events per second by outcome', 'processing time', 'emails waiting', 'oldest waiting email', 'failures', 'sse streams', 'http p99 by route']) t.match(titles, topic, `a panel for ${topic}`)
})

t.test('every metric the dashboard queries is exported by the service', async (t) => {
  // With a broker, as in the stack: an instance without one exports no consumer gauges.
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL, ...brokerNames(t) }, { sendEmails: false })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })
  const exposition = (await app.inject({ url: '/metrics' })).body
  const exported = new Set([...exposition.matchAll(/^# TYPE (\S+) (\w+)/gm)].map((m) => m[1]!))
  const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((target) => [...target.expr.matchAll(/\b((?:bookit|http)_[a-z_]+)\b/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')))))
  t.ok(queried.size >= 8, `${queried.size} metrics queried`)
  // Exported by the scheduler's change; test/alert-rules.test.ts lists it as expected later.
  for (const metric of queried) t.ok(exported.has(metric), `${metric} is exported`)
})
