import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import type { Eta } from 'eta'

/**
 * What an operator may write in a template edited through the admin API.
 *
 * Eta compiles a template into a JavaScript function, so a template is code. Admins are
 * trusted operators, but a stolen admin token must not become code execution on the
 * server. A blocklist (`process`, `require`, ...) is always one trick short
 * (`it['constr' + 'uctor']`), so every tag is checked against an allowlist instead: a tag
 * may only print `it.a.b` values (escaped), compare them, branch on them with
 * `if`/`else`, pass them to `encodeURIComponent`, include one of the shared partials in
 * `templates/_partials/` and name the shared layout. No brackets, no calls of anything
 * else, no assignments, no `constructor`/`prototype`/`__x` properties: nothing in a tag
 * can reach a function, a file or the process. The literal HTML around the tags is the
 * operator's and is sent as written, except what no email needs (scripts, `javascript:`
 * links, event handler attributes).
 */

export const TEMPLATE_PARTS = ['subject', 'html', 'text'] as const
export type TemplatePart = (typeof TEMPLATE_PARTS)[number]
export type TemplateSource = Record<TemplatePart, string>

/**
 * The values each template must still use, per part: a draft that drops one is refused.
 * Declared here rather than derived from the file default, because the defaults also use
 * optional values (notes, a reference) an operator may leave out. A path counts as used
 * when the draft, or a partial it includes, prints it or branches on it (`it.booking` does
 * not count for `booking.title`; `it.booking.title` does). test/template-sandbox.test.ts
 * checks every file default meets its list.
 */
export const REQUIRED_VARIABLES: Record<string, Record<TemplatePart, string[]>> = {
  'booking-confirmed': {
    subject: ['booking.title', 'when'],
    html: ['recipient.name', 'booking.title', 'when', 'hall.name', 'bookingUrl'],
    text: ['recipient.name', 'booking.title', 'when', 'hall.name', 'bookingUrl'],
  },
  'booking-cancelled': {
    subject: ['booking.title', 'when'],
    html: ['recipient.name', 'booking.title', 'when', 'hall.name', 'cancelledAt'],
    text: ['recipient.name', 'booking.title', 'when', 'hall.name', 'cancelledAt'],
  },
  'hall-admin-alert': {
    subject: ['hall.name', 'booking.title'],
    html: ['hall.name', 'booking.title', 'when', 'booker.name', 'bookingUrl'],
    text: ['hall.name', 'booking.title', 'when', 'booker.name', 'bookingUrl'],
  },
  'booking-updated': {
    subject: ['booking.title', 'when'],
    html: ['recipient.name', 'booking.title', 'when', 'previousWhen', 'hall.name', 'bookingUrl'],
    text: ['recipient.name', 'booking.title', 'when', 'previousWhen', 'hall.name', 'bookingUrl'],
  },
  'booking-reminder': {
    subject: ['booking.title', 'startsIn'],
    html: ['recipient.name', 'booking.title', 'when', 'hall.name', 'startsIn', 'bookingUrl'],
    text: ['recipient.name', 'booking.title', 'when', 'hall.name', 'startsIn', 'bookingUrl'],
  },
  'hall-admin-digest': {
    subject: ['counts.created', 'counts.updated', 'counts.cancelled'],
    html: ['recipient.name', 'windowText', 'lines'],
    text: ['recipient.name', 'windowText', 'lines'],
  },
  announcement: {
    subject: ['announcement.title'],
    html: ['announcement.title', 'announcement.body', 'announcementUrl'],
    text: ['announcement.title', 'announcement.body', 'announcementUrl'],
  },
  welcome: {
    subject: [],
    html: ['recipient.name', 'temporaryPassword', 'activationUrl', 'appUrl'],
    text: ['recipient.name', 'temporaryPassword', 'activationUrl', 'appUrl'],
  },
}

/** Names whose mention gets a plain answer rather than the general rule. */
const NOT_AVAILABLE = new Set(['process', 'require', 'import', 'globalThis', 'global', 'Function', 'eval', 'this', 'window', 'module', 'Buffer', 'fetch', 'options', '__eta'])
const FORBIDDEN_PROPERTY = (name: string) => name === 'constructor' || name === 'prototype' || name.startsWith('__')
const LITERALS = new Set(['true', 'false', 'null', 'undefined'])
const ALLOWED_RULE = 'a tag may only print it.… values, compare them, use if/else on them, encodeURIComponent(…), include a shared partial and name the layout'

export class TemplateRefused extends Error {}

type Token = { kind: 'name' | 'string' | 'number' | 'op'; value: string }

function tokenize(code: string): Token[] {
  const tokens: Token[] = []
  const re = /\s+|([A-Za-z_$][\w$]*)|('(?:[^'\\\n]|\\['"\\])*'|"(?:[^"\\\n]|\\['"\\])*")|(\d+(?:\.\d+)?)|(===|!==|==|!=|&&|\|\||[!?:(),.{}])/y
  let at = 0
  while (at < code.length) {
    re.lastIndex = at
    const m = re.exec(code)
    if (!m) {
      const ch = code[at]!
      throw new TemplateRefused(ch === '[' ? 'brackets ([…]) are not allowed; use it.name.name' : `"${ch}" is not allowed (${ALLOWED_RULE})`)
    }
    at = re.lastIndex
    if (m[1] !== undefined) tokens.push({ kind: 'name', value: m[1] })
    else if (m[2] !== undefined) tokens.push({ kind: 'string', value: m[2] })
    else if (m[3] !== undefined) tokens.push({ kind: 'number', value: m[3] })
    else if (m[4] !== undefined) tokens.push({ kind: 'op', value: m[4] })
  }
  for (const t of tokens) {
    if (t.kind === 'name' && NOT_AVAILABLE.has(t.value)) throw new TemplateRefused(`"${t.value}" is not available in templates`)
    if (t.kind === 'name' && FORBIDDEN_PROPERTY(t.value)) throw new TemplateRefused(`"${t.value}" is not allowed in templates`)
  }
  return tokens
}

/** Recursive descent over the allowed expressions; collects the `it.` paths read. */
class ExpressionReader {
  private i = 0
  constructor(
    private readonly tokens: Token[],
    readonly paths: string[],
  ) {}

  get done(): boolean {
    return this.i >= this.tokens.length
  }
  peek(value?: string): boolean {
    const t = this.tokens[this.i]
    return t !== undefined && (value === undefined || t.value === value) && (value === undefined || t.kind === 'op' || t.kind === 'name')
  }
  expect(value: string): void {
    const t = this.tokens[this.i]
    if (!t || t.value !== value) throw new TemplateRefused(`expected "${value}"${t ? ` before "${t.value}"` : ' at the end'} (${ALLOWED_RULE})`)
    this.i++
  }
  next(): Token | undefined {
    return this.tokens[this.i++]
  }

  expression(): void {
    this.or()
    if (this.peek('?')) {
      this.i++
      this.expression()
      this.expect(':')
      this.expression()
    }
  }
  private or(): void {
    this.and()
    while (this.peek('||')) (this.i++, this.and())
  }
  private and(): void {
    this.comparison()
    while (this.peek('&&')) (this.i++, this.comparison())
  }
  private comparison(): void {
    this.unary()
    if (['===', '!==', '==', '!='].some((op) => this.peek(op))) (this.i++, this.unary())
  }
  private unary(): void {
    if (this.peek('!')) {
      this.i++
      this.unary()
    } else this.primary()
  }
  private primary(): void {
    const t = this.next()
    if (!t) throw new TemplateRefused(`an expression is missing (${ALLOWED_RULE})`)
    if (t.kind === 'string' || t.kind === 'number') return
    if (t.kind === 'op' && t.value === '(') {
      this.expression()
      this.expect(')')
      return
    }
    if (t.kind === 'name' && LITERALS.has(t.value)) return
    if (t.kind === 'name' && t.value === 'encodeURIComponent') {
      this.expect('(')
      this.expression()
      this.expect(')')
      return
    }
    if (t.kind === 'name' && t.value === 'it') {
      const path: string[] = []
      while (this.peek('.')) {
        this.i++
        const name = this.next()
        if (!name || name.kind !== 'name') throw new TemplateRefused(`"it." must be followed by a name (${ALLOWED_RULE})`)
        path.push(name.value)
      }
      if (this.peek('(')) throw new TemplateRefused(`calling it.${path.join('.')}(…) is not allowed (${ALLOWED_RULE})`)
      if (path.length > 0) this.paths.push(path.join('.'))
      return
    }
    throw new TemplateRefused(t.kind === 'name' ? `"${t.value}" is not available in templates (${ALLOWED_RULE})` : `"${t.value}" is not allowed here (${ALLOWED_RULE})`)
  }
}

const unquote = (s: string) => s.slice(1, -1).replace(/\\(['"\\])/g, '$1')

/** The `it.` paths a trusted file (a partial or the layout) reads, by a plain scan. */
function pathsInFile(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/\bit((?:\.[A-Za-z_$][\w$]*)+)/g)].map((m) => m[1]!.slice(1))
}

export interface CheckContext {
  templatesDir: string
  template: string
  /** 'en' is the folder itself; other languages are sub-folders. */
  lang: string
  /** The Eta instances the renderer uses: html escapes, plain does not. */
  html: Eta
  plain: Eta
}

export interface CheckedPart {
  fn: ReturnType<Eta['compile']>
  /** Where the file default of this part lives: includes and the layout resolve from it. */
  filepath: string
}
export type CheckedSource = Record<TemplatePart, CheckedPart>

export function partFilepath(templatesDir: string, template: string, lang: string, part: TemplatePart): string {
  return join(templatesDir, template, ...(lang === 'en' ? [] : [lang]), `${part}.eta`)
}

/** Checks one part and compiles it; throws TemplateRefused with the reason. */
function checkPart(source: string, part: TemplatePart, ctx: CheckContext): CheckedPart {
  const eta = part === 'html' ? ctx.html : ctx.plain
  const filepath = partFilepath(ctx.templatesDir, ctx.template, ctx.lang, part)
  if (part === 'html') {
    if (/<\s*(script|iframe|object|embed|form)\b/i.test(source)) throw new TemplateRefused('scripts, frames, objects and forms are not allowed in an email')
    if (/\bon[a-z]+\s*=/i.test(source)) throw new TemplateRefused('event handler attributes (onclick=…) are not allowed in an email')
    if (/javascript\s*:/i.test(source)) throw new TemplateRefused('javascript: links are not allowed in an email')
  }
  let nodes: ReturnType<Eta['parse']>
  try {
    nodes = eta.parse(source)
  } catch (err) {
    throw new TemplateRefused(`does not compile: ${(err as Error).message.split('\n')[0]}`)
  }
  const paths: string[] = []
  let layouts = 0
  let depth = 0
  const within = (target: string, folder: string) => {
    const resolved = join(dirname(filepath), `${target}.eta`)
    const rel = relative(ctx.templatesDir, resolved)
    return rel.startsWith(folder + sep) && existsSync(resolved) ? resolved : undefined
  }
  for (const node of nodes) {
    if (typeof node === 'string') continue
    const code = node.val.trim()
    const shown = code.length > 60 ? `${code.slice(0, 57)}...` : code
    try {
      const tokens = tokenize(code)
      const reader = new ExpressionReader(tokens, paths)
      if (node.t === 'i') {
        reader.expression()
        if (!reader.done) throw new TemplateRefused(`unexpected "${reader.next()!.value}" (${ALLOWED_RULE})`)
      } else if (node.t === 'r') {
        // Unescaped output only for a shared partial: anything else would print raw HTML.
        const m = /^include\(\s*('[^'\\]*'|"[^"\\]*")\s*(?:,\s*it\s*)?\)$/.exec(code)
        if (!m) throw new TemplateRefused('unescaped output (<%~ %>) is only for include(…) of a shared partial; print values with <%= %>')
        const file = within(unquote(m[1]!), '_partials')
        if (!file) throw new TemplateRefused(`include(${m[1]}) does not name a shared partial in templates/_partials`)
        paths.push(...pathsInFile(file))
      } else if (node.t === 'e') {
        const layout = /^layout\(\s*('[^'\\]*'|"[^"\\]*")\s*\)$/.exec(code)
        if (layout) {
          const file = part !== 'subject' ? within(unquote(layout[1]!), '_layout') : undefined
          if (!file || !file.endsWith(`${sep}${part}.eta`)) throw new TemplateRefused(`layout(${layout[1]}) is not the shared ${part} layout`)
          layouts++
          paths.push(...pathsInFile(file))
          continue
        }
        // if (…) {   } else if (…) {   } else {   }
        if (reader.peek('}')) {
          reader.next()
          if (--depth < 0) throw new TemplateRefused('"}" closes nothing')
          if (reader.done) continue
          reader.expect('else')
          depth++
          if (reader.peek('if')) reader.next()
          else {
            reader.expect('{')
            if (!reader.done) throw new TemplateRefused(`unexpected "${reader.next()!.value}" after "else {"`)
            continue
          }
        } else {
          reader.expect('if')
          depth++
        }
        reader.expect('(')
        reader.expression()
        reader.expect(')')
        reader.expect('{')
        if (!reader.done) throw new TemplateRefused(`unexpected "${reader.next()!.value}" after "{"`)
      } else throw new TemplateRefused('unknown tag')
    } catch (err) {
      if (err instanceof TemplateRefused) throw new TemplateRefused(`<%${node.t === 'i' ? '=' : node.t === 'r' ? '~' : ''} ${shown} %>: ${err.message}`)
      throw err
    }
  }
  if (depth !== 0) throw new TemplateRefused(`${depth} "if" block${depth > 1 ? 's are' : ' is'} not closed with <% } %>`)
  if (part !== 'subject' && layouts !== 1) throw new TemplateRefused(`must name the shared layout once: <% layout('${relative(dirname(filepath), join(ctx.templatesDir, '_layout', part))}') %> (it carries the unsubscribe link)`)
  const used = new Set(paths)
  const missing = (REQUIRED_VARIABLES[ctx.template]?.[part] ?? []).filter((need) => ![...used].some((p) => p === need || p.startsWith(`${need}.`)))
  if (missing.length > 0) throw new TemplateRefused(`no longer uses ${missing.map((m) => `it.${m}`).join(', ')}, which the ${ctx.template} email needs`)
  try {
    return { fn: eta.compile(source), filepath }
  } catch (err) {
    throw new TemplateRefused(`does not compile: ${(err as Error).message.split('\n')[0]}`)
  }
}

/** Checks and compiles a whole source; throws TemplateRefused naming the part and the reason. */
export function checkTemplateSource(source: TemplateSource, ctx: CheckContext): CheckedSource {
  const checked = {} as CheckedSource
  for (const part of TEMPLATE_PARTS) {
    try {
      checked[part] = checkPart(source[part], part, ctx)
    } catch (err) {
      if (err instanceof TemplateRefused) throw new TemplateRefused(`${part}: ${err.message}`)
      throw err
    }
  }
  return checked
}

/** The file default of a template in a language, as text. */
export function readFileSource(templatesDir: string, template: string, lang: string): TemplateSource {
  const read = (part: TemplatePart) => readFileSync(partFilepath(templatesDir, template, lang, part), 'utf8')
  return { subject: read('subject'), html: read('html'), text: read('text') }
}
