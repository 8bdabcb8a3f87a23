import Type from 'typebox'

export const PublicKey = Type.Object({
  publicKey: Type.String({ description: 'The VAPID public key (base64url, uncompressed P-256 point): pass it to pushManager.subscribe as applicationServerKey' }),
})

/** The browser's `PushSubscription.toJSON()`, as it is; the keys are checked in the route. */
export const PushSubscriptionBody = Type.Object(
  {
    endpoint: Type.String({ maxLength: 2048, description: 'The push service URL of this browser (https)' }),
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    keys: Type.Object({
      p256dh: Type.String({ maxLength: 200, description: "base64url: the browser's P-256 public key (65 bytes, uncompressed)" }),
      auth: Type.String({ maxLength: 100, description: 'base64url: the 16-byte auth secret' }),
    }),
  },
  { description: 'PushSubscription JSON, as the browser gives it' },
)

export const SubscriptionCreated = Type.Object({ id: Type.String({ format: 'uuid' }) })

export const PushSubscriptionList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      endpoint: Type.String(),
      createdAt: Type.String({ format: 'date-time' }),
    }),
  ),
})

export const SubscriptionId = Type.Object({ id: Type.String({ maxLength: 100, description: 'Subscription id' }) })
