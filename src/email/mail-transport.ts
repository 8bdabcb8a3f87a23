import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'

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

export function smtpTransport(smtpUrl: string, maxConnections: number): MailTransport {
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections,
    maxMessages: Infinity,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  })
  const host = new URL(smtpUrl).host
  return {
    describe: `SMTP server ${host}`,
    async send(email) {
      await transporter.sendMail(email)
    },
    async verify() {
      await transporter.verify()
    },
    close() {
      transporter.close()
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
