/**
 * A full-screen live view on a terminal: alternate screen, hidden cursor, raw keyboard so `q` quits.
 * stop() always restores the terminal (raw mode off, cursor shown, main screen back), also on Ctrl-C
 * and on an exception. The command's interrupt signal (SIGINT/SIGTERM/SIGHUP) or `q` ends the view
 * instead of killing the process mid-draw.
 */
export class LiveScreen {
  private readonly controller = new AbortController()
  private started = false
  private readonly onKey = (data: Buffer | string) => {
    const s = data.toString()
    if (s === 'q' || s === 'Q' || s.includes('\u0003') || s === '\u001B') this.controller.abort()
  }
  readonly signal: AbortSignal

  constructor(
    interrupted: AbortSignal,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly input: NodeJS.ReadStream = process.stdin,
  ) {
    this.signal = AbortSignal.any([interrupted, this.controller.signal])
  }

  get size(): {rows: number; columns: number} {
    return {rows: this.out.rows || 40, columns: this.out.columns || 100}
  }

  /** tty: take over the screen and keyboard (otherwise only the interrupt signal ends the view). */
  start(tty: boolean): void {
    if (!tty) return
    this.started = true
    this.out.write('\u001B[?1049h\u001B[?25l')
    if (this.input.isTTY) {
      this.input.setRawMode(true)
      this.input.resume()
      this.input.on('data', this.onKey)
    }
  }

  draw(text: string): void {
    this.out.write('\u001B[H\u001B[2J' + text + '\n')
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    if (this.input.isTTY) {
      this.input.off('data', this.onKey)
      this.input.setRawMode(false)
      this.input.pause()
    }

    this.out.write('\u001B[?25h\u001B[?1049l')
  }
}
