import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.js'
import { planWebhookDeliveries, webhookMessage } from '../../domain/webhook-events.js'
import type { NewDelivery } from '../delivery-store.js'
import { endpointsFor } from './endpoint-store.js'

export interface CreatedNotification {
  id: string
  userId: string
  type: string
  eventSource: string
  eventId: string
}

/**
 * `notification.created` deliveries for the endpoints subscribed to it: looked up and
 * written in the transaction that creates the notifications, so none is lost or doubled.
 */
export async function notificationCreatedWebhooks(trx: Kysely<Database>, notifications: CreatedNotification[], at = new Date()): Promise<NewDelivery[]> {
  if (notifications.length === 0) return []
  const endpoints = await endpointsFor(trx, 'notification.created')
  if (endpoints.length === 0) return []
  return notifications.flatMap((n) =>
    planWebhookDeliveries(endpoints, webhookMessage('notification.created', { notification: { id: n.id, userId: n.userId, type: n.type }, event: { source: n.eventSource, id: n.eventId } }, at)).map((d) => ({
      ...d,
      payload: { ...d.payload },
      userId: null,
      notificationId: n.id,
      template: 'webhook',
      locale: 'en',
      eventSource: n.eventSource,
      eventId: n.eventId,
    })),
  )
}
