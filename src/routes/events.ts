import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { type BookitEvent, MAX_EVENT_BYTES, tooLarge, validateEvent } from '../domain/events.js'
import { HttpError, badRequest } from '../http-errors.js'
import { isUnreachable } from '../db/errors.js'
import { splitFailing } from '../ingest/split-failing.js'
import { allowedSources } from '../plugins/auth.js'
import { BearerAuth, errors } from '../schemas/common.js'

const MAX_EVENTS_PER_REQUEST = 500

const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // CloudEvents structured mode names its own media types; they are JSON.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser(['application/cloudevents+json', 'application/cloudevents-batch+json'], { parseAs: 'string' }, parseJson)

  app.post(
    '/v1/events',
    {
      onRequest: [app.authenticate, app.requireRole('events:publish')],
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        tags: ['events'],
        summary: 'Ingest one CloudEvent or an array of them',
        description: `Same validation and the same idempotent path as the broker: (source, id) identifies an event, and an event seen before is counted as a duplicate and has no new effect. An array is all-or-nothing: one invalid event refuses the request. At most ${MAX_EVENTS_PER_REQUEST} events, each at most ${MAX_EVENT_BYTES} bytes.`,
        security: BearerAuth,
        body: Type.Unknown({ description: 'A CloudEvent (structured JSON mode) or an array of them' }),
        response: {
          202: Type.Object({ accepted: Type.Integer({ description: 'Events whose effects were recorded now' }), duplicates: Type.Integer({ description: 'Events already recorded before' }) }),
          ...errors(400, 401, 403, 413, 415, 429, 503),
        },
      },
      config: { rateLimit: { max: 600, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      if (!/^application\/(cloudevents(-batch)?\+)?json\b/i.test(request.headers['content-type'] ?? '')) {
        throw new HttpError(415, 'content-type must be application/cloudevents+json or application/json')
      }
      const body = request.body
      const batch = Array.isArray(body) ? body : [body]
      if (batch.length === 0) badRequest('the array holds no events')
      if (batch.length > MAX_EVENTS_PER_REQUEST) badRequest(`at most ${MAX_EVENTS_PER_REQUEST} events per request (got ${batch.length})`)
      const events: BookitEvent[] = []
      for (const [index, value] of batch.entries()) {
        const where = Array.isArray(body) ? `events[${index}]: ` : ''
        const size = Buffer.byteLength(JSON.stringify(value))
        const result = size > MAX_EVENT_BYTES ? tooLarge(size) : validateEvent(value)
        if (!result.ok) {
          app.ingestor.countRejected(typeof (value as { type?: unknown })?.type === 'string' ? (value as { type: string }).type : 'unknown', 'http', 'invalid')
          badRequest(`${where}${result.error}`)
        }
        if (result.ok) events.push(result.event)
      }
      // One publisher cannot claim another's (source, id) pairs and pre-empt its events.
      const sources = allowedSources(request.user)
      const foreign = events.find((e) => !sources.includes(e.source))
      if (foreign) throw new HttpError(403, `this token may not publish events with source "${foreign.source}" (allowed: ${sources.join(', ')})`)
      const receivedAt = performance.now()
      try {
        const result = await app.ingestor.ingest(events, 'http', events.map(() => receivedAt))
        return reply.code(202).send({ accepted: result.processed.length, duplicates: result.duplicates.length })
      } catch (err) {
        if (isUnreachable(err)) throw err // 503 from the error handler: the client retries
        // Anything else is an event's fault. Trial runs (rolled back) find which one, so
        // the answer names it and the request stays all-or-nothing.
        const [culprit] = await splitFailing(events, (part) => app.ingestor.probe(part))
        if (!culprit) {
          // Every part passes on its own now: what failed was passing, so commit for real.
          const result = await app.ingestor.ingest(events, 'http', events.map(() => receivedAt))
          return reply.code(202).send({ accepted: result.processed.length, duplicates: result.duplicates.length })
        }
        app.ingestor.countRejected(events[culprit.index]!.type, 'http', 'failed')
        request.log.warn({ eventId: events[culprit.index]!.id, reason: culprit.reason }, 'event refused by processing')
        const where = Array.isArray(body) ? `events[${culprit.index}]: ` : ''
        return badRequest(`${where}${culprit.reason}`)
      }
    },
  )
}

export default eventRoutes
