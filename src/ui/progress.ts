/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes, logs or
 * --json runs), redrawn at most ten times a second.
 */
export interface Progress {
  update(done: number, total: number, label?: string): void
  done(): void
}

export function progressBar(label: string, enabled = Boolean(process.stderr.isTTY)): Progress {
  if (!enabled) return {update() {}, done() {}}
  let last = 0
  let drawn = false
  const started = Date.now()
  return {
    update(done, total, phase) {
      const now = Date.now()
      if (now - last < 100 && done < total) return
      last = now
      const width = 30
      const ratio = total > 0 ? Math.min(1, done / total) : 0
      const filled = Math.round(ratio * width)
      const rate = done / Math.max(0.001, (now - started) / 1000)
      const text = `${phase ?? label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total || '?'} ${Math.round(rate)}/s`
      process.stderr.write(`\r\u001B[2K${text}`)
      drawn = true
    },
    done() {
      if (drawn) process.stderr.write('\r\u001B[2K')
    },
  }
}

/** One status line on stderr, rewritten in place; only on a terminal, never in pipes, logs or --json runs. */
export function statusLine(enabled = Boolean(process.stderr.isTTY)): {show(text: string): void; done(): void} {
  if (!enabled) return {show() {}, done() {}}
  let drawn = false
  return {
    show(text) {
      process.stderr.write(`\r\u001B[2K${text}`)
      drawn = true
    },
    done() {
      if (drawn) process.stderr.write('\r\u001B[2K')
    },
  }
}
