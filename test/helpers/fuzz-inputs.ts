import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import type { TSchema } from 'typebox'
import { BookingCancelledData, BookingCreatedData, BookingUpdatedData, EVENT_TYPES, UserCreatedData, UserDeletedData, UserUpdatedData } from '../../src/domain/events.js'
import { SAMPLE_SOURCES } from './events.js'

/**
 * Inputs for the fuzz tests: valid events generated from the event schemas themselves (so a
 * new field is fuzzed without touching this file), then broken in one place each.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const SHORT = 24
const instant = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:59Z'), noInvalidDate: true })
const address = fc.tuple(fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.stringMatching(/^[a-z]{1,10}$/), fc.constantFrom('com', 'org', 'de')).map(([l, d, tld]) => `${l}@${d}.${tld}`)

// Fields whose rules live in code rather than in the schema get realistic generators.
const byName: Record<string, fc.Arbitrary<Json>> = {
  email: address,
  phone: fc.stringMatching(/^\+[1-9]\d{6,12}$/),
  timeZone: fc.constantFrom('Europe/Berlin', 'UTC', 'America/New_York', 'Asia/Kolkata'),
  activationUrl: fc.webUrl({ validSchemes: ['https'] }),
}

/** An arbitrary of values that match a TypeBox (JSON Schema) schema, bounded to keep cases small. */
export function fromSchema(schema: TSchema, name = ''): fc.Arbitrary<Json> {
  const s = schema as Record<string, unknown> & TSchema
  if (byName[name]) return byName[name]
  if ('const' in s) return fc.constant(s.const as Json)
  if (Array.isArray(s.anyOf)) return fc.oneof(...(s.anyOf as TSchema[]).map((option) => fromSchema(option, name)))
  switch (s.type) {
    case 'string': {
      if (s.format === 'date-time') return instant.map((d) => d.toISOString())
      if (s.format === 'uuid') return fc.uuid()
      if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern))
      const minLength = (s.minLength as number | undefined) ?? 0
      return fc.string({ unit: 'grapheme', minLength, maxLength: Math.max(minLength, Math.min((s.maxLength as number | undefined) ?? SHORT, SHORT)) })
    }
    case 'integer':
      return fc.integer({ min: (s.minimum as number | undefined) ?? -1e6, max: (s.maximum as number | undefined) ?? 1e6 })
    case 'boolean':
      return fc.boolean()
    case 'array':
      return fc.array(fromSchema(s.items as TSchema, name), { maxLength: Math.min((s.maxItems as number | undefined) ?? 3, 3) })
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, TSchema>
      const record = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, fromSchema(value, key)]))
      return fc.record(record, { requiredKeys: (s.required as string[] | undefined) ?? [] }) as fc.Arbitrary<Json>
    }
    default:
      return fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>
  }
}

const dataSchemas: Record<string, TSchema> = { 'user.created': UserCreatedData, 'user.updated': UserUpdatedData, 'booking.created': BookingCreatedData, 'booking.cancelled': BookingCancelledData, 'booking.updated': BookingUpdatedData, 'user.deleted': UserDeletedData }

/** A contract-valid CloudEvent of any known type (each endsAt is put after its startsAt). */
export const validEvent: fc.Arbitrary<{ [key: string]: Json }> = fc
  .constantFrom(...EVENT_TYPES)
  .chain((type) =>
    fc.record({
      specversion: fc.constant('1.0'),
      id: fc.uuid(),
      source: fc.constantFrom(...SAMPLE_SOURCES),
      type: fc.constant(type),
      time: instant.map((d) => d.toISOString()),
      data: fromSchema(dataSchemas[type]!),
    }),
  )
  .map((event) => {
    const booking = (event.data as { booking?: { startsAt: string; endsAt: string } }).booking
    if (booking && booking.endsAt < booking.startsAt) [booking.startsAt, booking.endsAt] = [booking.endsAt, booking.startsAt]
    const previous = (event.data as { previous?: { startsAt: string; endsAt: string } }).previous
    if (previous && previous.endsAt < previous.startsAt) [previous.startsAt, previous.endsAt] = [previous.endsAt, previous.startsAt]
    return event as { [key: string]: Json }
  })

const INVALID_DATES = ['2026-12-31T23:59:60Z', '+275760-09-13T00:00:00.001Z', '2026-02-30T09:00:00Z', '0000-01-01T00:00:00Z', '2026-11-23T09:00:00Z[Europe/Berlin]', '2026-11-23T09:00:00', '2026-11-23T24:00:00Z', '2026-11-23T09:00:00+24:00', 'tomorrow']
const HUGE_NUMBERS = [1e308, -1e308, 2 ** 64, Number.MAX_SAFE_INTEGER + 2, 1e21, -0, 0.5, 1e-320]

export type Breakage = 'nul' | 'lone-surrogate' | 'huge-number' | 'invalid-date' | 'deep-nesting' | 'wrong-type' | 'unknown-field' | 'missing-field' | 'bad-field-name'
const BREAKAGES: Breakage[] = ['nul', 'lone-surrogate', 'huge-number', 'invalid-date', 'deep-nesting', 'wrong-type', 'unknown-field', 'missing-field', 'bad-field-name']

function deep(depth: number, asArray: boolean): Json {
  let value: Json = 'bottom'
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { n: value }
  return value
}

/** Every place in a value: its path and the value there. */
function places(value: Json, path: (string | number)[] = []): { path: (string | number)[]; value: Json }[] {
  const here = [{ path, value }]
  if (Array.isArray(value)) return here.concat(value.flatMap((v, i) => places(v, [...path, i])))
  if (value && typeof value === 'object') return here.concat(Object.entries(value).flatMap(([k, v]) => places(v, [...path, k])))
  return here
}

function setAt(root: Json, path: (string | number)[], replace: (old: Json, parent: Json, key: string | number) => void): void {
  let parent = root as Record<string | number, Json>
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>
  const key = path.at(-1)!
  replace(parent[key]!, parent as Json, key)
}

export interface BrokenInput {
  value: Json
  breakage: Breakage
  path: string
}

/** Breaks a valid value in one place, chosen by the generator: the breakage names what was done where. */
export function broken<T extends Json>(valid: fc.Arbitrary<T>): fc.Arbitrary<BrokenInput> {
  return fc.tuple(valid, fc.constantFrom(...BREAKAGES), fc.nat(), fc.nat(), fc.boolean()).map(([original, breakage, where, pick, atStart]) => {
    const value = structuredClone(original) as Json
    const all = places(value)
    const strings = all.filter((p) => typeof p.value === 'string' && p.path.length > 0)
    const containers = all.filter((p) => p.value !== null && typeof p.value === 'object')
    const inner = all.filter((p) => p.path.length > 0)
    const choose = <P>(list: P[]) => list[where % list.length]!
    const put = (target: { path: (string | number)[] }, next: Json) => setAt(value, target.path, (_old, parent, key) => ((parent as Record<string | number, Json>)[key] = next))
    let target: { path: (string | number)[] } = { path: [] }
    if (strings.length === 0 && ['nul', 'lone-surrogate', 'invalid-date'].includes(breakage) && containers.length > 0) {
      // Nothing textual to break: add a text field that carries the breakage.
      const bad = breakage === 'nul' ? 'x\u0000' : breakage === 'lone-surrogate' ? 'x\ud800' : INVALID_DATES[pick % INVALID_DATES.length]!
      target = choose(containers)
      setAt(value, [...target.path, '__fuzz_text'], (_o, parent) => {
        if (Array.isArray(parent)) parent.push(bad)
        else (parent as Record<string, Json>).__fuzz_text = bad
      })
      return { value, breakage, path: target.path.join('.') || '(root)' }
    }
    switch (breakage) {
      case 'nul':
      case 'lone-surrogate': {
        const char = breakage === 'nul' ? '\u0000' : pick % 2 ? '\ud800' : '\udfff'
        target = choose(strings)
        // At either end: a secret marker stays whole, so the leak check can still find it.
        setAt(value, target.path, (old, parent, key) => ((parent as Record<string | number, Json>)[key] = atStart ? `${char}${old as string}` : `${old as string}${char}`))
        break
      }
      case 'huge-number':
        put((target = choose(inner)), HUGE_NUMBERS[pick % HUGE_NUMBERS.length]!)
        break
      case 'invalid-date': {
        const dates = strings.filter((p) => /^\d{4}-\d\d-\d\dT/.test(p.value as string))
        put((target = dates.length ? choose(dates) : choose(strings)), INVALID_DATES[pick % INVALID_DATES.length]!)
        break
      }
      case 'deep-nesting':
        put((target = choose(inner)), deep(33 + (pick % 2000), atStart))
        break
      case 'wrong-type': {
        const wrong: Json[] = [42, true, null, [], {}, 'text', ['a', 1]]
        put((target = choose(inner)), wrong[pick % wrong.length]!)
        break
      }
      case 'unknown-field': {
        target = choose(containers)
        const extra: Json[] = ['surprise', 1e308, { nested: ['x'] }, null, 'with\u0000nul']
        setAt(value, [...target.path, '__fuzz_unknown'], (_o, parent) => ((parent as Record<string, Json>).__fuzz_unknown = extra[pick % extra.length]!))
        break
      }
      case 'missing-field': {
        target = choose(inner)
        setAt(value, target.path, (_old, parent, key) => {
          if (Array.isArray(parent)) parent.splice(Number(key), 1)
          else delete (parent as Record<string, Json>)[key as string]
        })
        break
      }
      case 'bad-field-name': {
        target = choose(containers)
        const names = ['\u0000', 'a\ud800', '__proto__', 'constructor', '']
        setAt(value, [...target.path, 'x'], (_o, parent) => {
          if (!Array.isArray(parent)) (parent as Record<string, Json>)[names[pick % names.length]!] = 'x'
        })
        break
      }
    }
    return { value, breakage, path: target.path.join('.') || '(root)' }
  })
}

/** A fresh valid booking event from a known source: the "is the queue still moving" probe. */
export function probeEvent(marker: string) {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/booking-service',
    type: 'booking.created',
    data: {
      booking: { id: `probe-${marker}`, title: 'probe', startsAt: '2030-01-01T09:00:00Z', endsAt: '2030-01-01T10:00:00Z' },
      hall: { id: 'h-probe', name: 'Probe Hall' },
      user: { id: `probe-user-${marker}`, email: 'probe@example.com', name: 'Probe' },
    },
  }
}
