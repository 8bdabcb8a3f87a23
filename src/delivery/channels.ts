import type { Channel, ChannelDeps } from './channel.js'
import { createEmailChannel } from './email/index.js'
import { createSmsChannel } from './sms/index.js'
import { createWebhookChannel } from './webhook/index.js'

/**
 * Every channel the pipeline sends on. Adding one is a folder `src/delivery/<name>/` with
 * a `create<Name>Channel(deps)` factory, and one line here.
 */
export const CHANNEL_FACTORIES: ((deps: ChannelDeps) => Channel)[] = [createEmailChannel, createSmsChannel, createWebhookChannel]
