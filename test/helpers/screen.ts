/** A stand-in stdout: what was written, and whether it is a terminal of 80x5. */
export function screen(isTTY = true): {
  isTTY: boolean
  columns: number
  rows: number
  written: string
  write(text: string): boolean
} {
  return {
    isTTY,
    columns: 80,
    rows: 5,
    written: '',
    write(text) {
      this.written += text
      return true
    },
  }
}
