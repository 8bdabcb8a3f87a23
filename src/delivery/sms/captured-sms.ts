import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Channel, DeliveryJob, SendOutcome } from '../channel.js'
import { encodeSms } from './segments.js'
import { isE164 } from '../../domain/sms-text.js'

/** Where development keeps the SMS it would have sent. */
export const capturedSmsDir = (dataDir: string) => join(dataDir, 'sms')

/**
 * Without SMS_URL (never in production) texts are written to `DATA_DIR/sms/` instead of
 * sent, one file per delivery (a retry overwrites it), named so `ls` lists them in order.
 */
export function createCapturedSmsChannel({ dataDir, from }: { dataDir: string; from: string }): Channel {
  const dir = capturedSmsDir(dataDir)
  return {
    name: 'sms',
    async send(job: DeliveryJob): Promise<SendOutcome> {
      if (!isE164(job.destination)) return { kind: 'failed', error: `"${job.destination}" is not an E.164 number (+ and country code)` }
      const text = job.payload.text
      if (typeof text !== 'string' || text === '') return { kind: 'failed', error: 'the delivery has no text' }
      const { encoding, parts } = encodeSms(text, 0)
      await mkdir(dir, { recursive: true })
      const name = `${job.createdAt.toISOString().replace(/[:.]/g, '-')}-${job.id}.txt`
      await writeFile(join(dir, name), `To: ${job.destination}\nFrom: ${from}\nType: ${job.notificationType}\nEncoding: ${encoding}, ${parts.length} part${parts.length === 1 ? '' : 's'}\n\n${text}\n`)
      return { kind: 'sent', providerId: `captured:${name}` }
    },
    async close(): Promise<void> {},
  }
}
