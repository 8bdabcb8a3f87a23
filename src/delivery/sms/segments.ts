import smpp from 'smpp'

/** SMPP data_coding values: the SMSC's default alphabet (GSM 03.38) and UCS-2. */
export const DATA_CODING_GSM7 = 0x00
export const DATA_CODING_UCS2 = 0x08

export interface EncodedSms {
  encoding: 'GSM-7' | 'UCS-2'
  dataCoding: number
  /** Each part's short_message, with its concatenation header when there are several. */
  parts: Buffer[]
}

// One SMS is 140 bytes: 160 septets, or 70 UCS-2 characters; a concatenated part loses
// 6 bytes to its header (UDH), leaving 153 septets or 67 characters.
const GSM7_SINGLE = 160
const GSM7_PART = 153
const UCS2_SINGLE_BYTES = 140
const UCS2_PART_BYTES = 134
const ESCAPE = 0x1b

/** Whether the text fits the GSM 03.38 alphabet (basic table plus its extension, e.g. € [ ]). */
export function fitsGsm7(text: string): boolean {
  return smpp.encodings.ASCII.match(text)
}

/** `backOff` says how many bytes before `end` a part must stop so it splits no character. */
function chunk(bytes: Buffer, size: number, backOff: (bytes: Buffer, end: number) => number): Buffer[] {
  const parts: Buffer[] = []
  let start = 0
  while (start < bytes.length) {
    let end = Math.min(start + size, bytes.length)
    if (end < bytes.length) end -= backOff(bytes, end)
    parts.push(bytes.subarray(start, end))
    start = end
  }
  return parts
}

/**
 * Encodes a text as GSM-7 (one byte per septet, as SMPP carries it) when it fits, else
 * UCS-2, split into concatenated parts with an 8-bit reference UDH when it is too long
 * for one SMS. `reference` should be the same on every retry of one message, so a
 * handset that got some parts before a retry still puts the message together.
 */
export function encodeSms(text: string, reference: number): EncodedSms {
  const gsm = fitsGsm7(text)
  const bytes = gsm ? smpp.gsmCoder.encode(text, 0) : Buffer.from(text, 'utf16le').swap16()
  const single = gsm ? GSM7_SINGLE : UCS2_SINGLE_BYTES
  const base = { encoding: gsm ? ('GSM-7' as const) : ('UCS-2' as const), dataCoding: gsm ? DATA_CODING_GSM7 : DATA_CODING_UCS2 }
  if (bytes.length <= single) return { ...base, parts: [bytes] }
  const pieces = gsm
    ? // An escape and the extension character it announces (€, [, ...) stay in one part.
      chunk(bytes, GSM7_PART, (b, end) => (b[end - 1] === ESCAPE ? 1 : 0))
    : // So do the two halves of a surrogate pair (emoji and other characters beyond U+FFFF).
      chunk(bytes, UCS2_PART_BYTES, (b, end) => {
        const unit = b.readUInt16BE(end - 2)
        return unit >= 0xd800 && unit <= 0xdbff ? 2 : 0
      })
  if (pieces.length > 255) throw new RangeError(`text needs ${pieces.length} parts; an SMS holds at most 255`)
  const ref = reference & 0xff
  return { ...base, parts: pieces.map((piece, i) => Buffer.concat([Buffer.from([0x05, 0x00, 0x03, ref, pieces.length, i + 1]), piece])) }
}
