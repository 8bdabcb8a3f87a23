import { readdirSync } from 'node:fs'
import { Eta } from 'eta'
import t from 'tap'
import { REQUIRED_VARIABLES, TemplateRefused, type TemplateSource, checkTemplateSource, readFileSource } from '../src/email/template-sandbox.js'
import { templatesDir } from '../src/paths.js'

/** The sandbox rules for templates operators edit: what passes, and why the rest is refused. */
const html = new Eta({ views: templatesDir, autoEscape: true })
const plain = new Eta({ views: templatesDir, autoEscape: false, autoTrim: false })
const check = (template: string, lang: string, source: TemplateSource) => checkTemplateSource(source, { templatesDir, template, lang, html, plain })
const names = readdirSync(templatesDir).filter((n) => !n.startsWith('_'))

t.test('every file default passes the rules it is the default for, in every language', async (t) => {
  t.same(names.sort(), Object.keys(REQUIRED_VARIABLES).sort(), 'each template declares the values it needs')
  for (const name of names) {
    for (const lang of ['en', 'de']) {
      t.doesNotThrow(() => check(name, lang, readFileSource(templatesDir, name, lang)), `${name}/${lang}`)
    }
  }
})

const de = readFileSource(templatesDir, 'booking-confirmed', 'de')
const refused = (t: Tap, patch: Partial<TemplateSource>, pattern: RegExp, what: string) => {
  try {
    check('booking-confirmed', 'de', { ...de, ...patch })
    t.fail(`${what}: accepted`)
  } catch (err) {
    t.ok(err instanceof TemplateRefused, `${what}: refused as a template problem`)
    t.match((err as Error).message, pattern, `${what}: ${(err as Error).message}`)
  }
}
type Tap = { fail(message: string): void; ok(value: unknown, message: string): void; match(found: string, wanted: RegExp, message: string): void }

t.test('a changed wording passes; the compiled parts render it', async (t) => {
  const parts = check('booking-confirmed', 'de', { ...de, html: de.html.replace('Ihre Buchung ist bestätigt', 'Alles klar: gebucht!') })
  t.equal(typeof parts.html.fn, 'function')
  t.match(parts.html.filepath, /booking-confirmed\/de\/html\.eta$/, 'includes resolve from where the file default lives')
})

t.test('a draft that does not compile is refused with where', async (t) => {
  refused(t, { html: de.html + '\n<%= it.booking.title' }, /^html: does not compile: unclosed tag at line \d+/, 'an unclosed tag')
  refused(t, { html: de.html + '\n<% if (it.booking.notes) { %>' }, /^html: 1 "if" block is not closed/, 'an unclosed if')
  refused(t, { text: de.text + '\n<% } %>' }, /^text: <% } %>: "}" closes nothing/, 'a stray brace')
  refused(t, { subject: '<%= it.booking.title + %> <%= it.when %>' }, /^subject: .*"\+" is not allowed/, 'an operator outside the rules')
})

t.test('a draft that drops a value the template needs is refused, naming it', async (t) => {
  refused(t, { subject: 'Buchung bestätigt am <%= it.when %>' }, /^subject: no longer uses it\.booking\.title, which the booking-confirmed email needs/, 'the title dropped from the subject')
  refused(t, { html: de.html.replace(`<%~ include('../../_partials/de/booking-html', it) %>`, '') }, /^html: no longer uses it\.booking\.title, it\.when/, 'the details partial dropped')
  refused(t, { html: de.html.replace(`<% layout('../../_layout/html') %>`, '') }, /^html: must name the shared layout once: <% layout\('\.\.\/\.\.\/_layout\/html'\) %>/, 'the layout dropped')
})

t.test('no tag can reach code, files or the process', async (t) => {
  const attacks: [string, RegExp][] = [
    ['<%= process.env.JWT_SECRET %>', /"process" is not available in templates/],
    ["<% require('fs') %>", /"require" is not available/],
    ["<%= import('fs') %>", /"import" is not available/],
    ['<%= it.constructor.constructor("return process")() %>', /"constructor" is not allowed/],
    ["<%= it['constr' + 'uctor'] %>", /brackets/],
    ['<%= it.__proto__ %>', /"__proto__" is not allowed/],
    ["<%~ include('/etc/passwd') %>", /does not name a shared partial/],
    ["<%~ include('../../../../../etc/passwd') %>", /does not name a shared partial/],
    ["<%~ include('../html', it) %>", /does not name a shared partial/],
    ['<%~ it.booking.notes %>', /unescaped output .* is only for include/],
    ['<%= this.config %>', /"this" is not available/],
    ['<% it.x = 1 %>', /"=" is not allowed/],
    ['<%= it.booking.title.toUpperCase() %>', /calling it\.booking\.title\.toUpperCase\(…\) is not allowed/],
    ['<%= `${it.x}` %>', /"`" is not allowed/],
    ['<%= globalThis %>', /"globalThis" is not available/],
    ['<%= Function %>', /"Function" is not available/],
    ['<%= fetch %>', /"fetch" is not available/],
    ['<% layout(\'../../../etc/passwd\') %>', /is not the shared html layout/],
  ]
  for (const [tag, pattern] of attacks) refused(t, { html: `${de.html}\n${tag}` }, pattern, tag)
  refused(t, { html: `${de.html}\n<script>alert(1)</script>` }, /scripts, frames/, 'a script element')
  refused(t, { html: `${de.html}\n<img src=x onerror="alert(1)">` }, /event handler attributes/, 'an event handler')
  refused(t, { html: `${de.html}\n<a href="javascript:alert(1)">x</a>` }, /javascript: links/, 'a javascript: link')
})

t.test('output stays escaped: a value with markup is printed as text', async (t) => {
  const parts = check('booking-confirmed', 'de', { ...de, html: de.html.replace('<h1>Ihre Buchung ist bestätigt</h1>', '<h1><%= it.booking.title %></h1>') })
  const out = html.render(parts.html.fn, { booking: { title: '<b>x</b>', startsAt: '', endsAt: '' }, hall: { name: 'H' }, recipient: { name: 'R' }, booker: { name: 'B' }, when: 'w', bookingUrl: 'u', lang: 'de' }, { filepath: parts.html.filepath })
  t.match(out, '<h1>&lt;b&gt;x&lt;/b&gt;</h1>')
  t.notMatch(out, '<b>x</b>')
})
