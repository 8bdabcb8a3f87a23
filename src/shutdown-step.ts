import type { FastifyInstance } from 'fastify'

/** After this long, a closing component is named in the log, and again at each further interval. */
export const SHUTDOWN_SLOW_MS = 2_000

/**
 * Registers one component's part of shutdown as a close hook. The process is killed when
 * shutdown outlasts its grace period, and a log that ends at "shutting down" does not say
 * why: while a component takes long, the log names it and how long it has waited.
 */
export function closeOnShutdown(app: FastifyInstance, hook: 'preClose' | 'onClose', component: string, close: () => Promise<unknown> | unknown, slowMs = SHUTDOWN_SLOW_MS): void {
  app.addHook(hook, async () => {
    const started = performance.now()
    const waited = () => Math.round(performance.now() - started)
    app.log.debug({ component, hook }, `shutdown: closing ${component}`)
    const slow = setInterval(() => app.log.warn({ component, hook, waitedMs: waited() }, `shutdown: still waiting for ${component}`), slowMs)
    try {
      await close()
    } finally {
      clearInterval(slow)
      app.log.debug({ component, hook, elapsedMs: waited() }, `shutdown: ${component} closed`)
    }
  })
}
