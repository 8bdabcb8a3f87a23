import type { OutgoingEmail } from './mail-transport.js'

/** The messages between the SMTP worker thread and the transport that owns it. */
export interface SmtpWorkerData {
  smtpUrl: string
  maxConnections: number
}

/** One email to send; the reply carries the same id. */
export interface SmtpRequest {
  id: number
  email: OutgoingEmail
}

export interface SmtpReply {
  id: number
  /** The failure as classifySmtpError reads it. */
  error?: { message: string; code?: string; responseCode?: number; permanent?: boolean }
}
