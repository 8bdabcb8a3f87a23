import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/**
 * An SMTP sink that accepts everything and only counts: the receiving side costs nothing to
 * measure. `onMessage` gets the start of each message (its headers), when a benchmark needs them.
 */
export async function startCountingSink(onMessage?: (head: string) => void): Promise<{ url: string; count: () => number; reset: () => void; stop: () => Promise<void> }> {
  let received = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let head = ''
      stream.on('data', (chunk: Buffer) => {
        if (onMessage && head.length < 4096) head += chunk.toString('latin1', 0, 4096)
      })
      stream.on('end', () => {
        onMessage?.(head)
        received++
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    count: () => received,
    reset: () => (received = 0),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
