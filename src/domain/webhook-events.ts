/** The event types an operator's webhook endpoint can subscribe to; one list, imported everywhere. */
export const WEBHOOK_EVENT_TYPES = ['notification.created', 'delivery.sent', 'delivery.delivered', 'delivery.failed'] as const

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/** Standard Webhooks payloads should stay small; a bigger one is refused, never truncated. */
export const MAX_WEBHOOK_PAYLOAD_BYTES = 20 * 1024

/** The body every endpoint receives (Standard Webhooks payload structure). */
export interface WebhookMessage {
  type: WebhookEventType
  timestamp: string
  data: Record<string, unknown>
}

export function webhookMessage(type: WebhookEventType, data: Record<string, unknown>, at: Date = new Date()): WebhookMessage {
  return { type, timestamp: at.toISOString(), data }
}

export interface PlannedWebhookDelivery {
  channel: 'webhook'
  /** The endpoint's id. */
  destination: string
  notificationType: WebhookEventType
  payload: WebhookMessage
}

/** One delivery per endpoint that subscribed to the message's type; plain, no I/O. */
export function planWebhookDeliveries(endpoints: readonly { id: string; events: readonly string[] }[], message: WebhookMessage): PlannedWebhookDelivery[] {
  return endpoints
    .filter((e) => e.events.includes(message.type))
    .map((e) => ({ channel: 'webhook' as const, destination: e.id, notificationType: message.type, payload: message }))
}
