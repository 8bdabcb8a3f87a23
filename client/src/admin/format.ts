/** Short, sortable times for tables: 2026-11-26 17:05:09 UTC. */
export function when(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : '–'
}
