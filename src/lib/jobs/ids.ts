/** Conditions on id columns, with placeholders (never values in the SQL). */

/**
 * A condition selecting these ids: a range when they are dense (one index range read), else an IN list
 * (placeholders, never values in the SQL). Callers still filter the rows to the ids they asked for.
 */
export function idRange(column: string, ids: number[]): {sql: string; values: number[]} {
  let min = Infinity
  let max = -Infinity
  for (const id of ids) {
    if (id < min) min = id
    if (id > max) max = id
  }

  if (max - min < ids.length * 4 + 64) return {sql: `${column} BETWEEN ? AND ?`, values: [min, max]}
  return {sql: `${column} IN (${ids.map(() => '?').join(', ')})`, values: ids}
}

/**
 * The WHERE condition matching exactly these ids (ascending, distinct): one `BETWEEN` per run of
 * consecutive ids when there are few runs (an index range read each), else an IN list.
 */
export function exactIdCondition(column: string, ids: number[]): {sql: string; values: number[]} {
  const runs: Array<[number, number]> = []
  for (const id of ids) {
    const last = runs[runs.length - 1]
    if (last && id === last[1] + 1) last[1] = id
    else runs.push([id, id])
    if (runs.length > 16) return {sql: `${column} IN (${ids.map(() => '?').join(', ')})`, values: ids}
  }

  return {
    sql:
      runs.length === 1 ? `${column} BETWEEN ? AND ?` : `(${runs.map(() => `${column} BETWEEN ? AND ?`).join(' OR ')})`,
    values: runs.flat(),
  }
}
