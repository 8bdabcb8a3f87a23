import t from 'tap'
import { validateEvent } from '../src/domain/events.js'
import { parseDateTime } from '../src/domain/date-time.js'
import { ada, bookingCreated, grace, userCreated } from './helpers/events.js'

const refused = (event: unknown, reason: RegExp, name: string) => {
  const result = validateEvent(event)
  t.notOk(result.ok, `${name}: refused`)
  if (!result.ok) t.match(result.error, reason, `${name}: ${result.error}`)
}

t.test('text PostgreSQL cannot store is refused in any string and any field name, with its path', async () => {
  refused(userCreated({ ...ada, name: 'Ada\u0000' }), /^data\.user\.name: contains a NUL/, 'NUL in a name')
  refused(userCreated(ada, { temporaryPassword: 'pw\ud800' }), /^data\.temporaryPassword: contains a lone UTF-16 surrogate/, 'lone high surrogate')
  refused(userCreated(ada, { temporaryPassword: '\udc00pw' }), /lone UTF-16 surrogate/, 'lone low surrogate')
  refused({ ...bookingCreated(), id: 'x\u0000' }, /^id: contains a NUL/, 'NUL in the envelope')
  refused(bookingCreated({ booking: { notes: 'ok', extra: { deeper: ['\u0000'] } } }), /^data\.booking\.extra\.deeper\[0\]: contains a NUL/, 'NUL in an unknown field')
  refused(userCreated(ada, { ['bad\u0000key']: 1 }), /^data: a field name contains a NUL/, 'NUL in a field name')
  refused(userCreated(ada, { nested: JSON.parse('['.repeat(40) + ']'.repeat(40)) }), /nested deeper than 32 levels/, 'deep nesting')
  t.ok(validateEvent(userCreated({ ...ada, name: 'Ada 👩‍💻 Lovelace' })).ok, 'a surrogate pair (emoji) is fine')
})

t.test('one date validator: only real RFC 3339 date-times that JavaScript can hold', async () => {
  for (const bad of ['2026-12-31T23:59:60Z', '+275760-09-13T00:00:00.001Z', '2026-02-30T09:00:00Z', '2026-02-29T09:00:00Z', '0000-01-01T00:00:00Z', '2026-11-23T09:00:00Z[Europe/Berlin]', '2026-11-23T09:00:00', '2026-11-23T24:00:00Z', '2026-11-23T09:00:00+24:00', '2026-11-23']) {
    t.equal(parseDateTime(bad), undefined, bad)
    refused(bookingCreated({ booking: { startsAt: bad } }), /^data\.booking\.startsAt: must be a real RFC 3339 date-time/, `startsAt ${bad}`)
  }
  refused({ ...userCreated(), time: '2026-12-31T23:59:60Z' }, /^time: must be a real RFC 3339/, 'the envelope time')
  t.equal(parseDateTime('2028-02-29T23:59:59.999+01:00')?.toISOString(), '2028-02-29T22:59:59.999Z', 'a leap day with an offset')
  t.equal(parseDateTime('2026-11-23t09:00:00z')?.toISOString(), '2026-11-23T09:00:00.000Z', 'lower-case t and z (RFC 3339 allows them)')
})

t.test('addresses: plain ones on a real domain; quoted, IP-literal and dotless ones refused with the reason', async () => {
  for (const email of ['ada@example.com', 'ada.lovelace+tag@mail.example.co.uk', "o'brien@example.ie"]) t.ok(validateEvent(userCreated({ ...ada, email })).ok, email)
  const cases: [string, RegExp][] = [
    ['"ada lovelace"@example.com', /quoted local part/],
    ['ada@localhost', /domain with a dot/],
    ['ada@[127.0.0.1]', /IP address/],
    ['ada@[IPv6:::1]', /IP address/],
    ['ada@127.0.0.1', /IP address/],
    ['ada@example.c0m', /top-level domain of letters/],
    ['ada@-example.com', /not a valid host name/],
    ['ada..l@example.com', /part before @/],
    ['no-at-sign', /local@domain/],
  ]
  for (const [email, reason] of cases) refused(userCreated({ ...ada, email }), new RegExp(`^data\\.user\\.email: .*${reason.source}`), email)
  refused(bookingCreated({ admins: [grace, { ...grace, email: 'grace@localhost' }] }), /^data\.hallAdmins\.1\.email: /, 'a hall admin too')
})

t.test('phone (E.164) and a person\'s time zone (IANA), where given', async () => {
  t.ok(validateEvent(userCreated({ ...ada, phone: '+4915112345678', timeZone: 'Europe/Berlin' } as typeof ada)).ok, 'valid phone and zone')
  for (const phone of ['015112345678', '+49 151 12345678', '+0123456', '+1234567890123456', '+']) {
    refused(userCreated({ ...ada, phone } as typeof ada), /^data\.user\.phone: must be an E\.164 number/, phone)
  }
  for (const timeZone of ['Mars/Olympus_Mons', '+01:00', 'Europe/Berlin; DROP', '']) {
    refused(userCreated({ ...ada, timeZone } as typeof ada), /^data\.user\.timeZone: /, JSON.stringify(timeZone))
  }
  refused(bookingCreated({ hall: { timeZone: 'Not/AZone' } }), /^data\.hall\.timeZone: unknown time zone/, 'the hall zone')
})
