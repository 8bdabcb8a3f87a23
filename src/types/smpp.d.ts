// The smpp package ships no types; this declares the part of its API the service and tests use.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events'
  import type { Server as NetServer } from 'node:net'

  export interface PDU {
    command: string
    command_status: number
    sequence_number: number
    [field: string]: unknown
    response(options?: Record<string, unknown>): PDU
  }

  type Callback = (pdu: PDU) => void

  export interface Session extends EventEmitter {
    bind_transceiver(options: Record<string, unknown>, callback?: Callback): boolean
    submit_sm(options: Record<string, unknown>, callback?: Callback): boolean
    deliver_sm(options: Record<string, unknown>, callback?: Callback): boolean
    enquire_link(options?: Record<string, unknown>, callback?: Callback): boolean
    unbind(options?: Record<string, unknown>, callback?: Callback): boolean
    send(pdu: PDU, callback?: Callback): boolean
    close(callback?: () => void): void
    destroy(callback?: () => void): void
    pause(): void
    resume(): void
    socket: import('node:net').Socket
  }

  export interface Server extends NetServer {
    sessions: Session[]
  }

  export function connect(options: { url?: string; host?: string; port?: number; auto_enquire_link_period?: number }, listener?: () => void): Session
  export function createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server
  export function createServer(listener?: (session: Session) => void): Server

  export const gsmCoder: { encode(text: string, shiftTable: number): Buffer; decode(bytes: Buffer, shiftTable: number): string }
  export const encodings: { ASCII: { match(text: string): boolean } }
  export const errors: Record<string, number | undefined> & Record<'ESME_ROK' | 'ESME_RTHROTTLED' | 'ESME_RMSGQFUL' | 'ESME_RINVPASWD' | 'ESME_RX_T_APPN', number>
  export const consts: { ESM_CLASS: Record<string, number>; MESSAGE_STATE: Record<string, number> }

  const smpp: {
    connect: typeof connect
    createServer: typeof createServer
    gsmCoder: typeof gsmCoder
    encodings: typeof encodings
    errors: typeof errors
    consts: typeof consts
    [name: string]: unknown
  }
  export default smpp
}
