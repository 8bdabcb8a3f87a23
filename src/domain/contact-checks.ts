// What a person's contact fields must look like before anything is sent to them. Each
// check returns the reason in plain words, or undefined when the value is fine.

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
const TOP_LEVEL = /^[A-Za-z]{2,63}$/

/** A plain address on a real domain: no quoted local part, no IP literal, no dotless host such as `localhost`. */
export function emailProblem(address: string): string | undefined {
  const at = address.lastIndexOf('@')
  if (at < 1 || at === address.length - 1) return 'must be an email address (local@domain)'
  const local = address.slice(0, at)
  const domain = address.slice(at + 1)
  if (local.startsWith('"')) return 'must not use a quoted local part'
  // RFC 5321's 64-octet local part is not enforced: the whole address is bounded by the
  // schema, and a server that minds answers 5xx, which fails the delivery visibly.
  if (!LOCAL_PART.test(local)) return 'must be an email address: the part before @ has characters an address cannot have'
  if (domain.startsWith('[')) return 'must not use an IP address as its domain'
  const labels = domain.split('.')
  if (labels.length < 2) return `must have a domain with a dot (got "${domain.slice(0, 100)}")`
  if (labels.every((l) => /^\d+$/.test(l))) return 'must not use an IP address as its domain'
  if (!labels.every((l) => DOMAIN_LABEL.test(l)) || domain.length > 253) return 'must be an email address: the domain is not a valid host name'
  if (!TOP_LEVEL.test(labels.at(-1)!)) return 'must end in a top-level domain of letters (such as .com)'
  return undefined
}

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export function phoneProblem(phone: string): string | undefined {
  return /^\+[1-9]\d{1,14}$/.test(phone) ? undefined : 'must be an E.164 number such as +4915112345678 (a plus and up to 15 digits, no spaces)'
}

// Checking a zone builds an Intl formatter (tens of microseconds): remember the valid
// ones. The IANA list bounds this set; invalid names are never kept.
const knownTimeZones = new Set<string>(['UTC'])

/** An IANA zone name (`Europe/Berlin`, `UTC`); offsets such as `+01:00` are not zones. */
export function isIanaTimeZone(timeZone: string): boolean {
  if (knownTimeZones.has(timeZone)) return true
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false
  try {
    new Intl.DateTimeFormat('en', { timeZone })
  } catch {
    return false
  }
  if (knownTimeZones.size < 2_000) knownTimeZones.add(timeZone)
  return true
}
