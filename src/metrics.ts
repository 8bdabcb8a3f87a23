import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * Every signal the service exports. One registry per app instance, so tests can run
 * several instances in one process. Labels are low-cardinality by design: never a user
 * id or an address.
 */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]

  return {
    registry,
    eventsReceived: new Counter({
      name: 'bookit_events_received_total',
      help: 'Events received, by type, transport and outcome (processed, duplicate, invalid, failed).',
      labelNames: ['type', 'transport', 'outcome'] as const,
      registers,
    }),
    eventProcessingSeconds: new Histogram({
      name: 'bookit_event_processing_seconds',
      help: 'Time from receiving an event to committing its effects.',
      labelNames: ['transport'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    ingestBatchSize: new Histogram({
      name: 'bookit_ingest_batch_events',
      help: 'Events committed per database transaction.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    notificationsCreated: new Counter({
      name: 'bookit_notifications_created_total',
      help: 'In-app notifications created, by type.',
      labelNames: ['type'] as const,
      registers,
    }),
    emailsSent: new Counter({ name: 'bookit_emails_sent_total', help: 'Emails accepted by the SMTP server, by template.', labelNames: ['template'] as const, registers }),
    emailsFailed: new Counter({ name: 'bookit_emails_failed_total', help: 'Emails that finally failed, by template.', labelNames: ['template'] as const, registers }),
    emailsRetried: new Counter({
      name: 'bookit_emails_retried_total',
      help: 'Email send attempts that failed and were scheduled again, by template.',
      labelNames: ['template'] as const,
      registers,
    }),
    emailSendSeconds: new Histogram({
      name: 'bookit_email_send_seconds',
      help: 'Time to hand one email to the SMTP server.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    emailsPending: new Gauge({ name: 'bookit_emails_pending', help: 'Emails waiting to be sent (including those waiting for a retry).', registers }),
    emailOldestPendingAge: new Gauge({ name: 'bookit_email_oldest_pending_age_seconds', help: 'Age of the oldest email waiting to be sent; 0 when none waits.', registers }),
    databaseReadable: new Gauge({
      name: 'bookit_metrics_database_readable',
      help: '1 when this scrape could read the database; 0 when not, and then the gauges read from it (pending deliveries and emails, oldest pending age, orphaned claims) are left out.',
      registers,
    }),
    deliveriesSent: new Counter({ name: 'bookit_deliveries_sent_total', help: 'Deliveries accepted by their server, by channel and template.', labelNames: ['channel', 'template'] as const, registers }),
    deliveriesFailed: new Counter({
      name: 'bookit_deliveries_failed_total',
      help: 'Deliveries that finally failed (rejected, gave up, destination gone, could not render), by channel and template.',
      labelNames: ['channel', 'template'] as const,
      registers,
    }),
    deliveriesRetried: new Counter({
      name: 'bookit_deliveries_retried_total',
      help: 'Delivery attempts that failed and were scheduled again, by channel and template.',
      labelNames: ['channel', 'template'] as const,
      registers,
    }),
    deliveriesExpired: new Counter({
      name: 'bookit_deliveries_expired_total',
      help: 'Deliveries dropped unsent because they no longer mattered (the booking had ended), by channel and template.',
      labelNames: ['channel', 'template'] as const,
      registers,
    }),
    deliveriesSentUnrecorded: new Counter({
      name: 'bookit_deliveries_sent_unrecorded_total',
      help: 'Deliveries accepted by their server while their sent mark could not be written (database away); held and written once it is back. Counted once per delivery.',
      labelNames: ['channel'] as const,
      registers,
    }),
    deliveriesSentMarkLost: new Counter({
      name: 'bookit_deliveries_sent_mark_lost_total',
      help: 'Deliveries accepted by their server whose sent mark was never written (shutdown while the database was away, or the claim taken over meanwhile): they are sent again, with the same id.',
      labelNames: ['channel', 'reason'] as const,
      registers,
    }),
    deliverySendSeconds: new Histogram({
      name: 'bookit_delivery_send_seconds',
      help: 'Time to hand one delivery to its server, by channel.',
      labelNames: ['channel'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    deliveriesPending: new Gauge({ name: 'bookit_deliveries_pending', help: 'Deliveries waiting to be sent (including those waiting for a retry), by channel.', labelNames: ['channel'] as const, registers }),
    deliveryOldestPendingAge: new Gauge({
      name: 'bookit_delivery_oldest_pending_age_seconds',
      help: 'Age of the oldest delivery waiting to be sent, by channel; 0 when none waits.',
      labelNames: ['channel'] as const,
      registers,
    }),
    deliveryClaimsOrphaned: new Gauge({
      name: 'bookit_delivery_claims_orphaned',
      help: 'Pending deliveries claimed by an instance that is gone (its liveness lock is released); taken over within a second by a live one.',
      registers,
    }),
    deliveryClaimsTakenOver: new Counter({
      name: 'bookit_delivery_claims_taken_over_total',
      help: 'Claims released by this instance because their holder was gone.',
      registers,
    }),
    sseStreams: new Gauge({ name: 'bookit_sse_streams', help: 'Open Server-Sent Events streams on this instance.', registers }),
    readCacheLookups: new Counter({
      name: 'bookit_read_cache_lookups_total',
      help: 'Unread counts and first pages asked of the in-memory cache, by result (hit, miss).',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    statsFolds: new Counter({
      name: 'bookit_stats_folds_total',
      help: 'Folds of the statistics deltas into the rollups, by outcome: completed or failed (the deltas stay and the next fold takes them).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    statsDeltasFolded: new Counter({
      name: 'bookit_stats_deltas_folded_total',
      help: 'Statistics delta rows folded into the rollups.',
      registers,
    }),
    retentionRuns: new Counter({
      name: 'bookit_retention_runs_total',
      help: 'Scheduled retention runs, by outcome: completed, skipped (another replica held the lock) or failed.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    // This is "the consumer is connected": it is 1 only once basic.consume is accepted, and 0
    // again when the connection or the channel is lost, the broker cancels the consumer, or
    // it stops; so no second gauge for the consumer.
    brokerConnected: new Gauge({
      name: 'bookit_broker_connected',
      help: '1 while this instance consumes from AMQP_QUEUE (connected, subscribed), else 0; absent on an instance that does not consume (no AMQP_URL, or not a consumer).',
      registers,
    }),
    amqpQueueMessages: new Gauge({
      name: 'bookit_amqp_queue_messages',
      help: 'Messages ready in a RabbitMQ queue (AMQP_QUEUE and its dead-letter queue <AMQP_QUEUE>.dlq), read at scrape time; unacknowledged ones are not counted. Absent for a queue the broker did not answer about within 1 s (broker away, queue missing).',
      labelNames: ['queue'] as const,
      registers,
    }),
    amqpQueueConsumers: new Gauge({
      name: 'bookit_amqp_queue_consumers',
      help: 'Consumers on a RabbitMQ queue (all replicas), read at scrape time like bookit_amqp_queue_messages.',
      labelNames: ['queue'] as const,
      registers,
    }),
    schedulerJobs: new Counter({
      name: 'bookit_scheduler_jobs_total',
      help: 'Scheduled jobs (reminders) run, by kind and outcome: done, cancelled (nothing left to do) or failed (tried again later).',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    schedulerOldestDueAge: new Gauge({
      name: 'bookit_scheduler_oldest_due_age_seconds',
      help: 'How late the oldest due scheduled job not yet done is, in seconds; 0 when none is due.',
      registers,
    }),
    amqpRedeliveries: new Counter({
      name: 'bookit_amqp_redeliveries_total',
      help: 'Messages the broker delivered again (x-delivery-count on quorum queues, the redelivered flag on classic ones).',
      registers,
    }),
    amqpUnsettled: new Gauge({ name: 'bookit_amqp_unsettled_messages', help: 'Messages received from the broker and not yet acknowledged or dead-lettered.', registers }),
    amqpLastCommit: new Gauge({
      name: 'bookit_amqp_last_commit_timestamp_seconds',
      help: 'Unix time the consumer last settled a batch (or began to wait for one); time() minus this is how long it has made no progress.',
      registers,
    }),
    httpRequestSeconds: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>

export type DeliveryCount = 'sent' | 'failed' | 'retried' | 'expired'

/**
 * Counts one delivery outcome per channel, and under the older `bookit_emails_*` names for
 * email, which dashboards and alerts already use (the contract keeps them).
 */
export function countDelivery(metrics: Metrics, what: DeliveryCount, channel: string, template: string): void {
  const counters = { sent: metrics.deliveriesSent, failed: metrics.deliveriesFailed, retried: metrics.deliveriesRetried, expired: metrics.deliveriesExpired }
  counters[what].inc({ channel, template })
  if (channel !== 'email') return
  if (what === 'sent') metrics.emailsSent.inc({ template })
  else if (what === 'failed') metrics.emailsFailed.inc({ template })
  else if (what === 'retried') metrics.emailsRetried.inc({ template })
}

/** Times one send, per channel, and under `bookit_email_send_seconds` for email. */
export function observeSend(metrics: Metrics, channel: string, seconds: number): void {
  metrics.deliverySendSeconds.observe({ channel }, seconds)
  if (channel === 'email') metrics.emailSendSeconds.observe(seconds)
}
