import Fastify from 'fastify'
import t from 'tap'
import { loggerOptions } from '../src/logger.js'
import { closeOnShutdown } from '../src/shutdown-step.js'
import { LogCapture, waitFor } from './helpers/app.js'

t.test('a component slow to close is named in the log while shutdown waits for it, and only then', async (t) => {
  const logs = new LogCapture()
  const app = Fastify({ logger: { ...loggerOptions('info'), stream: logs } })
  let named = false
  // Closes only once the log has named it: a shutdown stuck here would say who it waits for.
  closeOnShutdown(app, 'onClose', 'slow part', () => waitFor(() => (named = logs.lines.some((l) => JSON.parse(l).msg === 'shutdown: still waiting for slow part')), { what: 'the log to name the slow part' }), 10)
  closeOnShutdown(app, 'preClose', 'quick part', () => undefined, 60_000)
  await app.ready()
  await app.close()
  t.ok(named, 'the slow part was named while it was closing')
  const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'shutdown: still waiting for slow part')
  t.match(line, { level: 40, component: 'slow part', hook: 'onClose' }, 'a warning with the component and how long it has waited')
  t.type(line.waitedMs, 'number', 'with how long it has waited')
  t.notOk(logs.text.includes('quick part'), 'a quick part is not mentioned at info')
})
