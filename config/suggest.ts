// "Did you mean …?" for keys written slightly wrong (`asignments`, `deleteTreshold`, `Scope`).

/** Edit distance (insertions, deletions, substitutions, transpositions of neighbours). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known key `key` most likely means, or undefined when none is close: the same key in another
 * case, the one key it begins or ends a prefix of, or one within a distance of about a third of its
 * length (at most 3 edits).
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  // A key cut short or run on (`retention` for retentionInDays, `scopes` for scope).
  if (lower.length >= 4) {
    const affix = known.filter(
      (k) => k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()),
    );
    if (affix.length === 1) return affix[0];
  }
  let best: { key: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(lower, k.toLowerCase());
    if (!best || distance < best.distance) best = { key: k, distance };
  }
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  return best && best.distance <= limit ? best.key : undefined;
}

/** "; did you mean X?" or "" — appended to an unknown-key message. */
export function didYouMean(key: string, known: readonly string[]): string {
  const near = nearestKey(key, known);
  return near ? `; did you mean ${near}?` : "";
}
