import net, { type AddressInfo } from 'node:net'

/**
 * A TCP proxy between the service and a real server (RabbitMQ, PostgreSQL) that a test
 * can cut: `drop()` kills every open connection, `refuse()` also turns new ones away
 * until `accept()`, `stall()` leaves them open but silent.
 */
export class TcpProxy {
  private server: net.Server | undefined
  private readonly sockets = new Set<net.Socket>()
  private refusing = false
  port = 0

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (this.refusing) return void client.destroy()
      const upstream = net.connect(this.targetPort, this.targetHost)
      this.sockets.add(client).add(upstream)
      const close = () => {
        client.destroy()
        upstream.destroy()
        this.sockets.delete(client)
        this.sockets.delete(upstream)
      }
      client.on('error', close).on('close', close)
      upstream.on('error', close).on('close', close)
      client.pipe(upstream)
      upstream.pipe(client)
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  drop(): void {
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
  }

  /** Stops forwarding on the open connections without closing them: the server seems to hang. */
  stall(): void {
    for (const socket of this.sockets) {
      socket.unpipe()
      socket.pause()
    }
  }

  refuse(): void {
    this.refusing = true
    this.drop()
  }

  accept(): void {
    this.refusing = false
  }

  async stop(): Promise<void> {
    this.drop()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
