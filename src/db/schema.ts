import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable, Updateable } from 'kysely'

/** The mirror of the tables created in `migrations/`. */
export interface Database {
  processed_events: ProcessedEventTable
  notifications: NotificationTable
  email_outbox: EmailOutboxTable
  preferences: PreferenceTable
  push_subscriptions: PushSubscriptionTable
}

/** Set by a column default when not given. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>

export interface ProcessedEventTable {
  source: string
  id: string
  type: string
  processed_at: Timestamp
}

export interface NotificationTable {
  id: Generated<string>
  user_id: string
  type: string
  title: string
  body: string
  data: JSONColumnType<Record<string, unknown>, string, string>
  created_at: Timestamp
  read_at: NullableTimestamp
  event_source: string
  event_id: string
}
export type NotificationRow = Selectable<NotificationTable>
export type NewNotificationRow = Insertable<NotificationTable>

export type EmailStatus = 'pending' | 'sent' | 'failed'

export interface EmailOutboxTable {
  id: Generated<string>
  user_id: string
  recipient: string
  notification_type: string
  template: string
  locale: string
  payload: JSONColumnType<Record<string, unknown>, string, string>
  status: ColumnType<EmailStatus, EmailStatus | undefined, EmailStatus>
  attempts: Generated<number>
  next_attempt_at: Timestamp
  last_error: string | null
  created_at: Timestamp
  updated_at: Timestamp
  sent_at: NullableTimestamp
  event_source: string
  event_id: string
}
export type EmailOutboxRow = Selectable<EmailOutboxTable>
export type NewEmailOutboxRow = Insertable<EmailOutboxTable>
export type EmailOutboxUpdate = Updateable<EmailOutboxTable>

export interface PreferenceTable {
  user_id: string
  type: string
  email: boolean
  in_app: boolean
  updated_at: Timestamp
}

export interface PushSubscriptionTable {
  id: Generated<string>
  user_id: string
  endpoint: string
  p256dh: string
  auth: string
  created_at: Timestamp
  updated_at: Timestamp
}
export type PushSubscriptionRow = Selectable<PushSubscriptionTable>
