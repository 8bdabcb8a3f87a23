/** The channels a notification can be delivered on besides in-app; one list, imported everywhere. */
export const DELIVERY_CHANNELS = ['email', 'push', 'sms', 'webhook'] as const

export type ChannelName = (typeof DELIVERY_CHANNELS)[number]

export function isChannelName(value: string): value is ChannelName {
  return (DELIVERY_CHANNELS as readonly string[]).includes(value)
}
