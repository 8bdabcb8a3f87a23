import { type Kysely, sql } from 'kysely'
import type { Database, PushSubscriptionRow } from '../../db/schema.js'

export interface NewPushSubscription {
  endpoint: string
  p256dh: string
  auth: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Ids are uuids; anything else cannot name a row, so it is simply "not found". */
export const isSubscriptionId = (id: string) => UUID.test(id)

/**
 * Each push is sent once per subscription: a cap keeps one account from multiplying every
 * notification. Browsers drop subscriptions silently (cleared site data), so past it the
 * least recently subscribed go, rather than the new one being refused.
 */
export const MAX_SUBSCRIPTIONS_PER_USER = 20

/**
 * Saves a browser's subscription for `userId`; the same endpoint again keeps its id. An
 * endpoint is one browser profile: when another user subscribes on it, it becomes theirs,
 * so the previous user's notifications stop reaching a device they no longer use.
 */
export async function saveSubscription(db: Kysely<Database>, userId: string, subscription: NewPushSubscription): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('push_subscriptions')
      .values({ user_id: userId, ...subscription })
      .onConflict((oc) =>
        oc.column('endpoint').doUpdateSet({
          user_id: userId,
          p256dh: subscription.p256dh,
          auth: subscription.auth,
          updated_at: sql`now()`,
        }),
      )
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .deleteFrom('push_subscriptions')
      .where('user_id', '=', userId)
      .where('id', 'not in', (eb) => eb.selectFrom('push_subscriptions').select('id').where('user_id', '=', userId).orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(MAX_SUBSCRIPTIONS_PER_USER))
      .execute()
    return row.id
  })
}

export function listSubscriptions(db: Kysely<Database>, userId: string): Promise<Pick<PushSubscriptionRow, 'id' | 'endpoint' | 'created_at'>[]> {
  return db.selectFrom('push_subscriptions').select(['id', 'endpoint', 'created_at']).where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute()
}

/** A subscription with its owner's unread count, in one round trip: what a push message needs. */
export async function findSubscriptionWithUnread(db: Kysely<Database>, id: string): Promise<(PushSubscriptionRow & { unread: number }) | undefined> {
  if (!isSubscriptionId(id)) return undefined
  return db
    .selectFrom('push_subscriptions as s')
    .selectAll('s')
    .select((eb) =>
      eb
        .selectFrom('notifications as n')
        .select(sql<number>`count(*)::int`.as('count'))
        .whereRef('n.user_id', '=', 's.user_id')
        .where('n.read_at', 'is', null)
        .as('unread'),
    )
    .where('s.id', '=', id)
    .executeTakeFirst() as Promise<(PushSubscriptionRow & { unread: number }) | undefined>
}

/** Deletes one of the user's subscriptions; false when there is none with that id for this user. */
export async function deleteUserSubscription(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  if (!isSubscriptionId(id)) return false
  const result = await db.deleteFrom('push_subscriptions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** After a push service answered 404/410: the subscription no longer exists anywhere. */
export async function deleteSubscription(db: Kysely<Database>, id: string): Promise<void> {
  if (!isSubscriptionId(id)) return
  await db.deleteFrom('push_subscriptions').where('id', '=', id).execute()
}
