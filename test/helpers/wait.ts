/** Polls cond until it holds; fails after ms with what was awaited. For tests that act on an observable event, not after a fixed sleep. */
export async function until(what: string, cond: () => Promise<boolean>, ms = 30_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
