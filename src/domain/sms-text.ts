/** SMS texts stay short: longer ones are cut to what fits in this many parts. */
export const MAX_SMS_PARTS = 3
// 3 GSM-7 parts hold 459 septets; 3 UCS-2 parts 201 characters. Cutting at the UCS-2
// length keeps any text within 3 parts, whatever its alphabet.
const MAX_SMS_CHARS = 67 * MAX_SMS_PARTS

// Typographic characters outside the GSM alphabet, with the plain ones that say the same:
// one dash in a time range would otherwise turn a whole SMS into UCS-2 (70, not 160, per part).
const GSM_FRIENDLY: Record<string, string> = {
  '\u2013': '-', '\u2014': '-', '\u2212': '-',
  '\u2018': "'", '\u2019': "'", '\u201A': "'",
  '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u00AB': '"', '\u00BB': '"',
  '\u00A0': ' ', '\u202F': ' ', '\u2009': ' ',
  '\u2026': '...',
}
const NOT_GSM_FRIENDLY = new RegExp(`[${Object.keys(GSM_FRIENDLY).join('')}]`, 'g')

/**
 * The text of one SMS, from the in-app title and body (already in the recipient's
 * language): "BookIT: <title>. <body>", in GSM-7 characters where a plain one says the
 * same, cut when too long.
 */
export function smsText(title: string, body: string): string {
  const text = `BookIT: ${title.replace(/[.!?]$/, '')}. ${body}`.replace(NOT_GSM_FRIENDLY, (c) => GSM_FRIENDLY[c] ?? c).replace(/\s+/g, ' ').trim()
  return [...text].length <= MAX_SMS_CHARS ? text : `${[...text].slice(0, MAX_SMS_CHARS - 3).join('').trimEnd()}...`
}

/** E.164: a plus, a country code that does not start with 0, and at most 15 digits. */
export const isE164 = (number: string) => /^\+[1-9]\d{6,14}$/.test(number)
