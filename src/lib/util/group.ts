/** Items grouped under a numeric key (a job id, a note id), each group in the items' order. */
export function groupBy<T, V = T>(
  items: Iterable<T>,
  key: (item: T) => number,
  value: (item: T) => V = (item) => item as unknown as V,
): Map<number, V[]> {
  const groups = new Map<number, V[]>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(value(item))
    else groups.set(k, [value(item)])
  }

  return groups
}
