import type { ChannelName } from '../domain/delivery-channels.js'
import type { ColumnType, Generated, GeneratedAlways, Insertable, JSONColumnType, Selectable, Updateable } from 'kysely'

/** The mirror of the tables created in `migrations/`. */
export interface Database {
  processed_events: ProcessedEventTable
  notifications: NotificationTable
  deliveries: DeliveryTable
  /** A view of the email deliveries under the columns the email outbox had. */
  email_outbox: EmailOutboxTable
  instances: InstanceTable
  preferences: PreferenceTable
  push_subscriptions: PushSubscriptionTable
  notification_changes: NotificationChangeTable
  stream_tickets: StreamTicketTable
  booking_states: BookingStateTable
  webhook_endpoints: WebhookEndpointTable
  sms_messages: SmsMessageTable
  quiet_hours: QuietHoursTable
  digest_preferences: DigestPreferenceTable
  digest_items: DigestItemTable
  template_versions: TemplateVersionTable
  template_drafts: TemplateDraftTable
  stats_buckets: StatsBucketTable
  stats_deltas: StatsDeltaTable
  people: PersonTable
  hall_people: HallPersonTable
  announcements: AnnouncementTable
  announcement_recipients: AnnouncementRecipientTable
  erased_users: ErasedUserTable
  scheduled_jobs: ScheduledJobTable
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
  seen_at: NullableTimestamp
  archived_at: NullableTimestamp
  event_source: string
  event_id: string
}
export type NotificationRow = Selectable<NotificationTable>
export type NewNotificationRow = Insertable<NotificationTable>

/** delivered: the destination confirmed it (an SMS delivery receipt); only after sent. */
export type DeliveryStatus = 'pending' | 'sent' | 'delivered' | 'failed' | 'expired'
export type EmailStatus = DeliveryStatus

export interface DeliveryTable {
  id: Generated<string>
  channel: ChannelName
  user_id: string | null
  destination: string
  notification_type: string
  notification_id: string | null
  template: string
  locale: string
  payload: JSONColumnType<Record<string, unknown>, string, string>
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>
  attempts: Generated<number>
  next_attempt_at: Timestamp
  last_error: string | null
  provider_id: string | null
  claimed_by: string | null
  claim_token: string | null
  created_at: Timestamp
  round_started_at: Timestamp
  updated_at: Timestamp
  sent_at: NullableTimestamp
  event_source: string
  event_id: string
  /** Set when quiet hours (or a digest window) planned it later than now: until when, and why. */
  deferred_until: NullableTimestamp
  deferral_reason: ColumnType<string | null, string | null | undefined, string | null>
  /** A digest email's window (`hourly:<start>`); unique per user. */
  digest_window: ColumnType<string | null, string | null | undefined, string | null>
  /** The template version it was rendered from; null = the file default. */
  template_version: ColumnType<number | null, number | null | undefined, number | null>
}
export type DeliveryRow = Selectable<DeliveryTable>

export interface InstanceTable {
  id: Generated<string>
  lock_key: ColumnType<number, never, never>
  host: string
  pid: number
  started_at: Timestamp
}

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

/** One row per channel a user has set for a type; a missing row means that channel's default. */
export interface PreferenceTable {
  user_id: string
  type: string
  channel: 'email' | 'in_app' | 'push' | 'sms'
  enabled: boolean
  updated_at: Timestamp
}

export interface WebhookEndpointTable {
  id: Generated<string>
  url: string
  events: ColumnType<string[], string[], string[]>
  description: Generated<string>
  secret: string
  previous_secret: string | null
  previous_secret_expires_at: NullableTimestamp
  enabled: Generated<boolean>
  disabled_reason: string | null
  disabled_at: NullableTimestamp
  failing_since: NullableTimestamp
  last_success_at: NullableTimestamp
  created_at: Timestamp
  updated_at: Timestamp
}
export type WebhookEndpointRow = Selectable<WebhookEndpointTable>

export type SmsMessageStatus = 'submitted' | 'delivered' | 'failed'

export interface SmsMessageTable {
  message_id: string
  delivery_id: string
  part: number
  parts: number
  status: ColumnType<SmsMessageStatus, SmsMessageStatus | undefined, SmsMessageStatus>
  receipt: string | null
  submitted_at: Timestamp
  receipt_at: NullableTimestamp
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

export type NotificationChangeKind = 'created' | 'updated' | 'deleted' | 'cleared'

/** Written by triggers on `notifications` only (see the inbox-change-feed migration). */
export interface NotificationChangeTable {
  seq: Generated<number>
  user_id: string
  notification_id: string | null
  kind: NotificationChangeKind
  changed_at: Timestamp
  /** The writing transaction (xid8, as text); null on changes logged before it was recorded. */
  xid: Generated<string | null>
}
export type NotificationChangeRow = Selectable<NotificationChangeTable>

export interface StreamTicketTable {
  ticket_hash: string
  user_id: string
  token_expires_at: Timestamp
  expires_at: Timestamp
}

export interface BookingStateTable {
  booking_id: string
  cancelled_at: NullableTimestamp
  last_event_time: NullableTimestamp
  /** The start the winning created/updated event gave; reminders are due relative to it. */
  starts_at: NullableTimestamp
  /** CloudEvent time of the newest booking.updated applied; an older update produces nothing. */
  last_update_time: NullableTimestamp
  updated_at: Timestamp
}

/** Local wall-clock times "HH:MM"; ends_at before starts_at spans midnight. */
export interface QuietHoursTable {
  user_id: string
  starts_at: string
  ends_at: string
  updated_at: Timestamp
}

/** A hall admin's digest cadence per type; no row means off. */
export interface DigestPreferenceTable {
  user_id: string
  type: string
  cadence: 'hourly' | 'daily'
  updated_at: Timestamp
}

export interface DigestItemTable {
  id: Generated<number>
  digest_id: string
  booking_id: string
  kind: string
  event_time: Timestamp
  details: JSONColumnType<Record<string, unknown>, string, string>
  event_source: string
  event_id: string
  created_at: Timestamp
}
/** Immutable published templates; all three texts null = back to the file default. */
export interface TemplateVersionTable {
  template: string
  locale: string
  version: number
  subject: string | null
  html: string | null
  text: string | null
  restored_from: number | null
  created_by: string
  created_at: Timestamp
}
export type TemplateVersionRow = Selectable<TemplateVersionTable>

export interface TemplateDraftTable {
  template: string
  locale: string
  subject: string
  html: string
  text: string
  based_on: number
  updated_by: string
  updated_at: Timestamp
}
export type TemplateDraftRow = Selectable<TemplateDraftTable>
/**
 * Statistics rollups, written only by the fold of stats_deltas (src/stats/stats-store.ts): counters
 * and duration histograms (counts per bin of domain/duration-bins.ts) per hour and per day, and
 * the bins of their medians and p90s (generated from the histograms).
 */
export interface StatsBucketTable extends StatsCounters {
  delivery_median_bin: GeneratedAlways<number | null>
  delivery_p90_bin: GeneratedAlways<number | null>
  read_median_bin: GeneratedAlways<number | null>
  read_p90_bin: GeneratedAlways<number | null>
}

/** What a rollup row and a delta row both hold. */
interface StatsCounters {
  granularity: 'hour' | 'day'
  bucket: Date
  type: string
  /** in_app, email, push, sms, webhook */
  channel: string
  created: ColumnType<string, never, never>
  sent: ColumnType<string, never, never>
  failed: ColumnType<string, never, never>
  read: ColumnType<string, never, never>
  unsubscribed: ColumnType<string, never, never>
  delivery_ms: ColumnType<number[] | null, never, never>
  read_ms: ColumnType<number[] | null, never, never>
}

/**
 * What the statistics triggers append (stats-deltas migration): one row per touched bucket per
 * statement, the same columns as a rollup row, until the fold adds it to stats_buckets.
 */
export interface StatsDeltaTable extends StatsCounters {
  id: ColumnType<string, never, never>
}

/** The user directory: the newest facts about each person and the event time they come from. */
export interface PersonTable {
  user_id: string
  email: string
  name: string
  locale: string | null
  phone: string | null
  time_zone: string | null
  facts_time: ColumnType<Date, Date | string, Date | string>
  updated_at: Timestamp
}
export type PersonRow = Selectable<PersonTable>

export interface HallPersonTable {
  hall_id: string
  user_id: string
}

export type AnnouncementStatus = 'scheduled' | 'sending' | 'sent' | 'cancelled'

export interface AnnouncementTable {
  id: Generated<string>
  title: string
  body: string
  url: string | null
  audience: JSONColumnType<Record<string, unknown>, string, string>
  channels: ColumnType<string[], string[], string[]>
  send_at: ColumnType<Date, Date | string, Date | string>
  status: ColumnType<AnnouncementStatus, AnnouncementStatus | undefined, AnnouncementStatus>
  /** The last user id fanned out to (user ids in order); null before the first batch. */
  cursor: string | null
  recipients: Generated<number>
  in_app_count: Generated<number>
  email_count: Generated<number>
  push_count: Generated<number>
  created_by: string
  created_at: Timestamp
  updated_at: Timestamp
  started_at: NullableTimestamp
  finished_at: NullableTimestamp
  cancelled_at: NullableTimestamp
}
export type AnnouncementRow = Selectable<AnnouncementTable>

export interface AnnouncementRecipientTable {
  announcement_id: string
  user_id: string
}

/** Users erased by user.deleted, by a hash of the id (src/store/user-erasure.ts). */
export interface ErasedUserTable {
  id_hash: string
  erased_at: Timestamp
}
export type ScheduledJobStatus = 'scheduled' | 'done' | 'cancelled'

/** Work due at a time, claimed by src/scheduler (see the scheduled-jobs migration). */
export interface ScheduledJobTable {
  id: Generated<string>
  kind: string
  key: string
  subject: string
  due_at: ColumnType<Date, Date | string, Date | string>
  status: ColumnType<ScheduledJobStatus, ScheduledJobStatus | undefined, ScheduledJobStatus>
  payload: JSONColumnType<Record<string, unknown>, string, string>
  attempts: Generated<number>
  last_error: string | null
  created_at: Timestamp
  updated_at: Timestamp
  done_at: NullableTimestamp
}
export type ScheduledJobRow = Selectable<ScheduledJobTable>
