import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsync } from 'fastify'
import { simpleParser } from 'mailparser'
import { escapeHtml } from '../html.js'
import { ALWAYS_EMAILED, isNotificationType } from '../domain/notification-types.js'
import { SAMPLE_LOCALES, loadEmailSamples } from '../email/email-samples.js'
import { createUnsubscribeToken } from '../email/unsubscribe-token.js'

export interface DevEmailRoutesOptions {
  mailDir: string
  appUrl: string
  publicUrl: string
  unsubscribeSecret: string
}

const CAPTURED = /^[\w.-]+\.eml$/

/**
 * Development only (never registered in production): every template rendered from the
 * sample events, in every shipped language, as HTML and as text; and the emails captured
 * as `.eml` files when no SMTP server is configured.
 */
const devEmailRoutes: FastifyPluginAsync<DevEmailRoutesOptions> = async (app, o) => {
  const samples = loadEmailSamples()
  const hide = { schema: { hide: true } }

  const render = (name: string, locale: string) => {
    const sample = samples.find((s) => s.name === name)
    if (!sample || !(SAMPLE_LOCALES as readonly string[]).includes(locale)) return undefined
    const { email } = sample
    const unsubscribeUrl =
      isNotificationType(email.notificationType) && !ALWAYS_EMAILED.has(email.notificationType)
        ? `${o.publicUrl}/v1/unsubscribe?token=${createUnsubscribeToken({ userId: email.userId, type: email.notificationType, locale }, o.unsubscribeSecret)}`
        : undefined
    return app.emailRenderer.render(email.template, locale, email.payload, { appUrl: o.appUrl, unsubscribeUrl })
  }

  const capturedFiles = async () => (await readdir(o.mailDir).catch(() => [] as string[])).filter((f) => CAPTURED.test(f)).sort().reverse()

  app.get('/dev/emails', hide, async (_request, reply) => {
    const rows = samples.flatMap((s) =>
      SAMPLE_LOCALES.map((locale) => {
        const subject = render(s.name, locale)?.subject ?? ''
        const base = `/dev/emails/${encodeURIComponent(s.name)}/${locale}`
        return `<tr><td>${escapeHtml(s.template)}</td><td>${escapeHtml(s.name.split('.')[0]!)}</td><td>${locale}</td><td>${escapeHtml(subject)}</td><td><a href="${base}.html">HTML</a> · <a href="${base}.txt">text</a></td></tr>`
      }),
    )
    const captured = (await capturedFiles()).slice(0, 200).map((f) => `<li><a href="/dev/emails/captured/${encodeURIComponent(f)}">${escapeHtml(f)}</a></li>`)
    reply.type('text/html; charset=utf-8')
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Email preview</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}</style></head>
<body><h1>Email preview</h1><p>Every template, rendered from the sample events in <code>examples/</code>. Development only.</p>
<table><thead><tr><th>template</th><th>event</th><th>locale</th><th>subject</th><th>view</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<h2>Captured emails</h2>${captured.length ? `<ul>${captured.join('')}</ul>` : '<p>None yet: emails are captured here when SMTP_URL is not set.</p>'}</body></html>`
  })

  app.get<{ Params: { name: string; file: string } }>('/dev/emails/:name/:file', hide, async (request, reply) => {
    const match = /^(\w+)\.(html|txt)$/.exec(request.params.file)
    const rendered = match ? render(request.params.name, match[1]!) : undefined
    if (!match || !rendered) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such sample; see /dev/emails' })
    reply.header('x-email-subject', encodeURIComponent(rendered.subject))
    return match[2] === 'html' ? reply.type('text/html; charset=utf-8').send(rendered.html) : reply.type('text/plain; charset=utf-8').send(rendered.text)
  })

  // Only names listed in the folder: no path can reach outside it.
  const capturedEmail = async (file: string) => (CAPTURED.test(file) && (await capturedFiles()).includes(file) ? readFile(join(o.mailDir, file)) : undefined)
  const noSuchEmail = { statusCode: 404, error: 'Not Found', message: 'no such captured email' }

  // A captured email as its recipient's client would show it: headers, the text part, and the
  // HTML part in a sandboxed frame (no scripts, no same-origin access), not raw MIME.
  app.get<{ Params: { file: string } }>('/dev/emails/captured/:file', hide, async (request, reply) => {
    const { file } = request.params
    const raw = await capturedEmail(file)
    if (!raw) return reply.code(404).send(noSuchEmail)
    const mail = await simpleParser(raw)
    const headers = mail.headerLines
      .filter((h) => !/^(content-|mime-version)/i.test(h.key))
      .map((h) => `<tr><th scope="row">${escapeHtml(h.line.slice(0, h.line.indexOf(':')))}</th><td>${escapeHtml(h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim())}</td></tr>`)
    const html = typeof mail.html === 'string' ? mail.html : undefined
    reply.header('content-security-policy', "script-src 'none'; object-src 'none'; base-uri 'none'")
    reply.type('text/html; charset=utf-8')
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(mail.subject ?? file)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top;word-break:break-all}th{white-space:nowrap;word-break:normal}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem;border-radius:6px}iframe{width:100%;max-width:680px;height:80vh;border:1px solid #ccc;border-radius:6px}</style></head>
<body><p><a href="/dev/emails">All emails</a> · <a href="/dev/emails/captured/${encodeURIComponent(file)}/raw">raw .eml</a></p>
<h1>${escapeHtml(mail.subject ?? '(no subject)')}</h1>
<h2>Headers</h2><table><tbody>${headers.join('')}</tbody></table>
<h2>HTML part</h2>${html === undefined ? '<p>None.</p>' : `<iframe title="HTML part" sandbox="" referrerpolicy="no-referrer" srcdoc="${escapeHtml(html)}"></iframe>`}
<h2>Text part</h2>${mail.text === undefined ? '<p>None.</p>' : `<pre>${escapeHtml(mail.text)}</pre>`}</body></html>`
  })

  app.get<{ Params: { file: string } }>('/dev/emails/captured/:file/raw', hide, async (request, reply) => {
    const raw = await capturedEmail(request.params.file)
    if (!raw) return reply.code(404).send(noSuchEmail)
    return reply.type('text/plain; charset=utf-8').send(raw)
  })
}

export default devEmailRoutes
