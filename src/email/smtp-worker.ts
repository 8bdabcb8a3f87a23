import { parentPort, workerData } from 'node:worker_threads'
import nodemailer from 'nodemailer'
import type { SmtpRequest, SmtpReply, SmtpWorkerData } from './smtp-worker-protocol.js'

/**
 * The SMTP client, on its own thread: building and encoding MIME is most of an email's
 * CPU, and here it runs beside the dispatcher's claims, renders and marks instead of
 * taking turns with them on one thread.
 */
const { smtpUrl, maxConnections } = workerData as SmtpWorkerData
const transporter = nodemailer.createTransport({
  url: smtpUrl,
  pool: true,
  maxConnections,
  maxMessages: Infinity,
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
})

/** What the dispatcher classifies a failure by (see classifySmtpError); an Error does not cross threads whole. */
function describe(err: unknown): NonNullable<SmtpReply['error']> {
  const e = err as { message?: string; code?: unknown; responseCode?: unknown; permanent?: unknown }
  return {
    message: e?.message ?? String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
    ...(typeof e?.permanent === 'boolean' ? { permanent: e.permanent } : {}),
  }
}

parentPort!.on('message', (request: SmtpRequest) => {
  transporter.sendMail(request.email).then(
    () => parentPort!.postMessage({ id: request.id } satisfies SmtpReply),
    (err: unknown) => parentPort!.postMessage({ id: request.id, error: describe(err) } satisfies SmtpReply),
  )
})
