import { lookup as lookupCallback } from 'node:dns'
import { lookup } from 'node:dns/promises'
import type { LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'
import type { WebhookConfig } from '../../config.js'

/** What a guarded destination is, for its error messages: webhooks, or the push subscriptions users register. */
export interface GuardedKind {
  what: string
  setting: string
}
const WEBHOOKS: GuardedKind = { what: 'webhooks', setting: 'WEBHOOK_ALLOWED_HOSTS' }
export const PUSH_ENDPOINTS: GuardedKind = { what: 'push subscriptions', setting: 'PUSH_ALLOWED_HOSTS' }

/** Thrown when an endpoint's host resolves to an address webhooks may not reach. */
export class ForbiddenAddressError extends Error {
  override name = 'ForbiddenAddressError'
}

export interface ResolvedTarget {
  address: string
  family: 4 | 6
}

function allowListed(hostname: string, address: string, allowed: readonly string[]): boolean {
  const parsed = ipaddr.process(address)
  return allowed.some((entry) => {
    if (entry === hostname) return true
    if (entry.includes('/')) {
      try {
        const [range, bits] = ipaddr.parseCIDR(entry)
        return range.kind() === parsed.kind() && parsed.match([range, bits] as never)
      } catch {
        return false
      }
    }
    return ipaddr.isValid(entry) && ipaddr.process(entry).toString() === parsed.toString()
  })
}

/** Loopback, private, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved...: anything but public unicast. */
export function isPublicAddress(address: string): boolean {
  return ipaddr.process(address).range() === 'unicast'
}

/** Throws ForbiddenAddressError when `address` (one that `host` resolved to) may not be reached. */
export function checkAddress(host: string, address: string, config: WebhookConfig, kind: GuardedKind = WEBHOOKS): void {
  if (!config.blockPrivateAddresses || isPublicAddress(address) || allowListed(host, address, config.allowedHosts)) return
  throw new ForbiddenAddressError(`${host} resolves to ${address}, a ${ipaddr.process(address).range()} address; ${kind.what} only reach public addresses (or hosts in ${kind.setting})`)
}

const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase()

/** Checks a host given as an address (such a host is never looked up, so guardedLookup cannot see it). */
export function checkLiteralHost(hostname: string, config: WebhookConfig, kind: GuardedKind): void {
  const host = bareHost(hostname)
  if (ipaddr.isValid(host)) checkAddress(host, host, config, kind)
}

/**
 * A `lookup` for sockets (http/https `request`) that refuses a host resolving to a
 * forbidden address: checked on the very lookup the connection uses, so a DNS answer
 * cannot change between check and connect; a kept-alive socket was checked when it opened.
 */
export function guardedLookup(config: WebhookConfig, kind: GuardedKind): LookupFunction {
  return (hostname, options, callback) => {
    lookupCallback(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      try {
        for (const { address } of addresses) checkAddress(bareHost(hostname), address, config, kind)
      } catch (forbidden) {
        return callback(forbidden as NodeJS.ErrnoException, '', 0)
      }
      if (options.all) return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses)
      const first = addresses[0]
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0)
      callback(null, first.address, first.family)
    })
  }
}

/**
 * Resolves a webhook host and checks every address it resolves to; the caller then
 * connects to the returned address (never resolving again), so a DNS answer that changes
 * between check and connect cannot reach an internal address.
 */
export async function resolveWebhookTarget(hostname: string, config: WebhookConfig, kind: GuardedKind = WEBHOOKS): Promise<ResolvedTarget> {
  const host = bareHost(hostname)
  const addresses = ipaddr.isValid(host)
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }]
    : await lookup(host, { all: true, verbatim: true })
  const first = addresses[0]
  if (!first) throw new Error(`${host} has no address`)
  for (const { address } of addresses) checkAddress(host, address, config, kind)
  return { address: first.address, family: first.family === 6 ? 6 : 4 }
}
