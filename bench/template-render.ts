/**
 * Rendering an email from a template operators published (stored in PostgreSQL, loaded
 * into this process's cache as the service does) against rendering the file template.
 * Same email (the German booking confirmation), same data; the override changes the
 * wording only. Rounds alternate between the two so a loaded machine slows both alike.
 * Goal: the override renders at ≥ 0.9× the file template's rate.
 * usage: npm run bench:templates [-- --renders 20000 --rounds 10]
 */
import { parseArgs } from 'node:util'
import pino from 'pino'
import { sql } from 'kysely'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { loadEmailSamples } from '../src/email/email-samples.js'
import { PublishedTemplates } from '../src/email/published-templates.js'
import { createEmailRenderer } from '../src/email/render-email.js'
import { readFileSource } from '../src/email/template-sandbox.js'
import { templatesDir } from '../src/paths.js'
import { report } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'

const { values } = parseArgs({ options: { renders: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '10' } } })
const renders = Number(values.renders)
const rounds = Number(values.rounds)

const scratch = await createScratchDatabase('templates')
const { db } = connectDatabase(scratch.url, { max: 2 })
await migrateToLatest(db)
const file = readFileSource(templatesDir, 'booking-confirmed', 'de')
const reworded = { subject: file.subject.replace('Buchung bestätigt', 'Gebucht'), html: file.html.replace('Ihre Buchung ist bestätigt', 'Alles klar, Ihr Saal ist reserviert'), text: file.text.replace('Ihre Buchung ist bestätigt', 'Alles klar, Ihr Saal ist reserviert') }
await sql`INSERT INTO template_versions (template, locale, version, subject, html, text, created_by) VALUES ('booking-confirmed', 'de', 1, ${reworded.subject}, ${reworded.html}, ${reworded.text}, 'bench')`.execute(db)

const fromFiles = createEmailRenderer(templatesDir)
const published = new PublishedTemplates({ db, databaseUrl: scratch.url, log: pino({ level: 'silent' }), compile: (t, l, s) => withOverride.check(t, l, s) })
const withOverride = createEmailRenderer(templatesDir, published)
await published.start(false)
if (published.get('booking-confirmed', 'de')?.version !== 1) throw new Error('the override was not loaded')

const payload = loadEmailSamples().find((s) => s.template === 'booking-confirmed')!.email.payload
const links = { appUrl: 'http://localhost:5173', unsubscribeUrl: 'http://localhost:3000/v1/unsubscribe?token=x' }
const check = withOverride.render('booking-confirmed', 'de', payload, links)
if (check.version !== 1 || !check.html.includes('Alles klar')) throw new Error('the override is not what renders')
if (fromFiles.render('booking-confirmed', 'de', payload, links).version !== null) throw new Error('the file renderer used an override')

function rate(renderer: typeof fromFiles): number {
  let bytes = 0
  const started = performance.now()
  for (let i = 0; i < renders; i++) bytes += renderer.render('booking-confirmed', 'de', payload, links).html.length
  if (bytes === 0) throw new Error('nothing rendered')
  return renders / ((performance.now() - started) / 1000)
}
// Warm-up: both compiled and optimized before anything is timed.
rate(fromFiles)
rate(withOverride)
const fileRates: number[] = []
const overrideRates: number[] = []
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) (fileRates.push(rate(fromFiles)), overrideRates.push(rate(withOverride)))
  else (overrideRates.push(rate(withOverride)), fileRates.push(rate(fromFiles)))
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const override = median(overrideRates)
const baseline = median(fileRates)

await published.stop()
await db.destroy()
await scratch.drop()
await report('template-render', [{ figure: 'German booking confirmation, database override', value: override, unit: 'renders/s', baseline, target: '≥ 0.9× the file template', met: override / baseline >= 0.9 }], [
  `Median of ${rounds} alternating rounds of ${renders} renders each; baseline: the same email from the file template in the same run.`,
])
