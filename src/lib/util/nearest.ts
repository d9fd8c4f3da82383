import {closest, distance} from 'fastest-levenshtein'

/**
 * The candidate a typo most likely meant, or undefined when none is close enough to guess: within
 * two edits, or a third of the word's length for longer words. Case is ignored for the distance
 * (`arfindingaidjob` means `arFindingAidJob`); the candidate is returned as spelt.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined
  const lower = candidates.map((c) => c.toLowerCase())
  const typed = word.toLowerCase()
  const best = closest(typed, lower)
  if (distance(typed, best) > Math.max(2, Math.floor(word.length / 3))) return undefined
  return candidates[lower.indexOf(best)]
}
