import { createHash } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'

/**
 * The admin page (`/admin`): a static shell that loads `/client/bookit-admin.js`; every
 * call it makes goes to the API with the token the operator pastes in. The page holds no
 * secret, so it needs no auth of its own; the API refuses a missing or weak token.
 */
const adminPageRoute: FastifyPluginAsync = async (app) => {
  app.get('/admin', { schema: { hide: true } }, async (_request, reply) => {
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', ADMIN_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
    return ADMIN_PAGE
  })
}

/** Light-DOM elements, so one stylesheet styles every tab; allowed by its hash, nothing else inline. */
const ADMIN_STYLES = `
:root{color-scheme:light dark;--accent:#2457d6;--bg:#f6f7f9;--panel:#fff;--fg:#1a1d24;--muted:#545b69;--border:#d9dde5;--bad:#b3261e;--good:#1b6e3a}
@media (prefers-color-scheme:dark){:root{--accent:#8fb0ff;--bg:#111318;--panel:#1c1f26;--fg:#eceff4;--muted:#b3bac7;--border:#3a404d;--bad:#ff8a80;--good:#81c995}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{padding:.6rem 1rem;background:var(--panel);border-bottom:1px solid var(--border)}
header h1{font-size:1.1rem;margin:0}
main{max-width:80rem;margin:1rem auto;padding:0 1rem}
button,select,input,textarea{font:inherit;color:inherit;background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:.3rem .6rem}
button{cursor:pointer}
button:hover{border-color:var(--accent)}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
label{display:inline-flex;flex-direction:column;gap:.2rem;margin:.2rem .8rem .2rem 0}
fieldset{border:1px solid var(--border);border-radius:6px;margin:.4rem 0}
fieldset label{flex-direction:row;gap:.3rem}
.sign-in{max-width:40rem;display:flex;flex-direction:column;align-items:flex-start;gap:.6rem}
.sign-in label{width:100%}.sign-in textarea{width:100%;font-family:ui-monospace,monospace}
.bar{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid var(--border);margin-bottom:1rem}
[role=tablist] button{border:0;border-bottom:3px solid transparent;border-radius:0;background:none;padding:.5rem .9rem}
[role=tablist] button[aria-selected=true]{border-bottom-color:var(--accent);font-weight:600}
.status{min-height:1.4em;margin:.4rem 0;color:var(--muted)}
.status.error{color:var(--bad);font-weight:600}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:var(--panel)}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--border);vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.wrap{overflow-wrap:anywhere;max-width:22rem}
.badge{padding:.05rem .4rem;border-radius:1rem;border:1px solid var(--border)}
.badge.failed,.badge.expired{color:var(--bad);border-color:var(--bad)}
.badge.sent{color:var(--good);border-color:var(--good)}
.note{color:var(--muted)}
.secret{padding:.5rem .8rem;border:1px solid var(--accent);border-radius:6px;margin:.5rem 0;background:var(--panel)}
.secret code{overflow-wrap:anywhere}
.danger{color:var(--bad)}
.actions{display:flex;gap:.3rem}
.chart{display:block;max-width:100%;height:auto;background:var(--panel);border:1px solid var(--border);border-radius:6px}
.chart text{fill:var(--muted);font-size:11px}
.chart .axis{stroke:var(--border)}
.legend{display:flex;gap:1rem;flex-wrap:wrap;margin:.4rem 0}
.key::before{content:"";display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.1rem;background:currentColor}
.s-created{color:#2457d6;stroke:#2457d6}.s-sent{color:#1b8a4a;stroke:#1b8a4a}.s-failed{color:#c62828;stroke:#c62828}.s-read{color:#9c27b0;stroke:#9c27b0}
.chart polyline{fill:none;stroke-width:2}
.editor-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem;align-items:start}
.editor-source label{display:flex;width:100%}.editor-source textarea,.editor-source input{width:100%;font-family:ui-monospace,monospace;font-size:13px}
.preview-frame{display:block;height:32rem;border:1px solid var(--border);border-radius:6px;background:#fff}
.preview-text{white-space:pre-wrap;font-size:13px}
.preview-headers dt{font-weight:600}.preview-headers dd{margin:0 0 .3rem;overflow-wrap:anywhere}
@media (max-width:60rem){.editor-grid{grid-template-columns:1fr}}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`

const styleHash = createHash('sha256').update(ADMIN_STYLES).digest('base64')

/**
 * Scripts only from this origin (the bundle), calls only to this origin, the one stylesheet
 * by hash, no frames, no forms posting elsewhere, no plugins.
 */
export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  `style-src 'sha256-${styleHash}'`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const ADMIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>BookIT notifications: admin</title>
<link rel="icon" href="data:,">
<style>${ADMIN_STYLES}</style>
<script type="module" src="/client/bookit-admin.js"></script>
</head><body>
<header><h1>BookIT notifications: admin</h1></header>
<main><bookit-admin api-base=""></bookit-admin></main>
</body></html>`

export default adminPageRoute
