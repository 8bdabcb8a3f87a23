import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { validateEvent } from '../domain/events.js'
import { type PlannedEmail, planEffects } from '../domain/plan-effects.js'
import { planReminderEffects, planReminders } from '../domain/reminders.js'
import { examplesDir } from '../paths.js'

export interface EmailSample {
  /** e.g. `booking-created.hall-admin-alert`: the event it comes from and the template. */
  name: string
  template: string
  email: PlannedEmail
}

export const SAMPLE_LOCALES = ['en', 'de'] as const

/**
 * Every email the service sends, with realistic data: the contract's sample events in
 * `examples/`, put through the same planning as real events. One sample per distinct
 * (event, template), so a template that serves two events is shown for both.
 */
export function loadEmailSamples(dir = examplesDir): EmailSample[] {
  const samples = new Map<string, EmailSample>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const result = validateEvent(JSON.parse(readFileSync(join(dir, file), 'utf8')))
    if (!result.ok) throw new Error(`examples/${file}: ${result.error}`)
    for (const email of planEffects(result.event).deliveries.filter((d): d is PlannedEmail => d.channel === 'email')) {
      const name = `${result.event.type.replace('.', '-')}.${email.template}`
      if (!samples.has(name)) samples.set(name, { name, template: email.template, email })
    }
    // A reminder comes from no event of its own: the sample booking's 24 h reminder shows it.
    if (result.event.type === 'booking.created' && !samples.has('booking-reminder.booking-reminder')) {
      const [reminder] = planReminders(result.event.data, [24 * 3_600_000], new Date(0)).due
      const email = planReminderEffects(reminder!.payload).deliveries.find((d): d is PlannedEmail => d.channel === 'email')!
      samples.set('booking-reminder.booking-reminder', { name: 'booking-reminder.booking-reminder', template: email.template, email })
    }
  }
  // The example welcome has an activation link; the other form it takes has a temporary password.
  const welcome = [...samples.values()].find((s) => s.template === 'welcome')
  if (welcome && !('temporaryPassword' in welcome.email.payload)) {
    const { activationUrl: _, ...payload } = welcome.email.payload
    const name = `${welcome.name}.temporary-password`
    samples.set(name, { name, template: 'welcome', email: { ...welcome.email, payload: { ...payload, temporaryPassword: SAMPLE_TEMPORARY_PASSWORD } } })
  }
  return [...samples.values()]
}

/** Shown in the preview only: never a real password. */
export const SAMPLE_TEMPORARY_PASSWORD = 'Sample-7rW4-kq9P'
