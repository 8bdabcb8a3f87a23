import { mkdir, rename, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import nodemailer from 'nodemailer'
import type { SmtpReply, SmtpRequest, SmtpWorkerData } from './smtp-worker-protocol.js'

export interface OutgoingEmail {
  from: string
  to: string
  subject: string
  html: string
  text: string
  messageId: string
  headers: Record<string, string>
}

/** Where emails go: an SMTP server, or `.eml` files when none is configured. */
export interface MailTransport {
  send(email: OutgoingEmail): Promise<void>
  verify(): Promise<void>
  close(): void
  describe: string
}

// The worker's own heap: a few messages in flight per connection never need more.
const WORKER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 }

function startWorker(file: URL, options: WorkerOptions): Worker {
  if (file.pathname.endsWith('.js')) return new Worker(file, options)
  // Running from source (tests): Node 20 does not carry tsx's loader into a worker thread,
  // so the thread registers it before it imports the TypeScript file.
  const tsx = import.meta.resolve('tsx/esm/api')
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(file.href)}) })`, { ...options, eval: true })
}

/**
 * An SMTP server, through nodemailer's pooled transport on a worker thread (see
 * smtp-worker). The thread starts with the first email, and again after it stopped: an
 * email in flight when it stopped fails with a plain error, which the pipeline retries.
 */
export function smtpTransport(smtpUrl: string, maxConnections: number): MailTransport {
  const host = new URL(smtpUrl).host
  // .ts when the service runs from source (tests), .js when built.
  const workerFile = new URL(`./smtp-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)
  type Waiter = { resolve: () => void; reject: (err: Error) => void }
  // Per thread: a thread that ends fails only its own emails in flight.
  let current: { worker: Worker; pending: Map<number, Waiter> } | undefined
  let nextId = 0

  function failAll(pending: Map<number, Waiter>, err: Error): void {
    for (const { reject } of pending.values()) reject(err)
    pending.clear()
  }

  function started(): NonNullable<typeof current> {
    if (current) return current
    const worker = startWorker(workerFile, { workerData: { smtpUrl, maxConnections } satisfies SmtpWorkerData, resourceLimits: WORKER_LIMITS })
    const thread = { worker, pending: new Map<number, Waiter>() }
    worker.on('message', (reply: SmtpReply) => {
      const waiter = thread.pending.get(reply.id)
      if (!waiter) return
      thread.pending.delete(reply.id)
      if (thread.pending.size === 0) worker.unref()
      if (!reply.error) return waiter.resolve()
      waiter.reject(Object.assign(new Error(reply.error.message), reply.error))
    })
    const ended = (err: Error) => {
      if (current === thread) current = undefined
      failAll(thread.pending, err)
    }
    worker.on('error', (err) => ended(new Error(`the SMTP client thread failed: ${err.message}`)))
    worker.on('exit', () => ended(new Error('the SMTP client thread stopped')))
    // An idle thread must not keep the process up; one with emails in flight does (ref in call).
    worker.unref()
    current = thread
    return thread
  }

  function send(email: OutgoingEmail): Promise<void> {
    const id = nextId++
    const thread = started()
    return new Promise<void>((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref()
      thread.pending.set(id, { resolve, reject })
      thread.worker.postMessage({ id, email } satisfies SmtpRequest)
    })
  }

  return {
    describe: `SMTP server ${host}`,
    send,
    // On this thread with a connection of its own: the check at start-up should not start
    // the worker (and its heap) on an instance that may never send an email.
    async verify() {
      const probe = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000 })
      try {
        await probe.verify()
      } finally {
        probe.close()
      }
    },
    close() {
      const thread = current
      current = undefined
      if (!thread) return
      failAll(thread.pending, new Error('the SMTP transport was closed'))
      void thread.worker.terminate()
    },
  }
}

/** Development mode: each email becomes `<mailDir>/<time>-<id>.eml`, a file any mail client opens. */
export function fileTransport(mailDir: string): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  let ready: Promise<unknown> | undefined
  return {
    describe: `.eml files in ${mailDir}`,
    async send(email) {
      ready ??= mkdir(mailDir, { recursive: true })
      await ready
      const info = await composer.sendMail(email)
      const id = /^<([^@>]+)/.exec(email.messageId)?.[1] ?? 'email'
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${id.replace(/[^A-Za-z0-9-]/g, '')}.eml`
      // Written aside, then renamed: a reader never sees half a file.
      const tmp = join(mailDir, `.${name}.tmp`)
      await writeFile(tmp, info.message as Buffer)
      await rename(tmp, join(mailDir, name))
    },
    async verify() {},
    close() {},
  }
}
