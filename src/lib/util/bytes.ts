/** A byte count for people: 512 B, 4.0 KiB, 1.0 MiB, 2.00 GiB ("-" when unknown). */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '-'
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}
