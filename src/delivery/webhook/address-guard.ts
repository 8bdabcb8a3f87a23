import { lookup } from 'node:dns/promises'
import ipaddr from 'ipaddr.js'
import type { WebhookConfig } from '../../config.js'

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

/**
 * Resolves a webhook host and checks every address it resolves to; the caller then
 * connects to the returned address (never resolving again), so a DNS answer that changes
 * between check and connect cannot reach an internal address.
 */
export async function resolveWebhookTarget(hostname: string, config: WebhookConfig): Promise<ResolvedTarget> {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const addresses = ipaddr.isValid(host)
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }]
    : await lookup(host, { all: true, verbatim: true })
  const first = addresses[0]
  if (!first) throw new Error(`${host} has no address`)
  if (config.blockPrivateAddresses) {
    for (const { address } of addresses) {
      if (!isPublicAddress(address) && !allowListed(host, address, config.allowedHosts)) {
        throw new ForbiddenAddressError(`${host} resolves to ${address}, a ${ipaddr.process(address).range()} address; webhooks only reach public addresses (or hosts in WEBHOOK_ALLOWED_HOSTS)`)
      }
    }
  }
  return { address: first.address, family: first.family === 6 ? 6 : 4 }
}
