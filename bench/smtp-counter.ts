import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** An SMTP sink that accepts everything and only counts: the receiving side costs nothing to measure. */
export async function startCountingSink(): Promise<{ url: string; count: () => number; reset: () => void; stop: () => Promise<void> }> {
  let received = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {})
      stream.on('end', () => {
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
