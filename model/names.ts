// Logical resource names derived from what the admin wrote (a UPN, a group name, a GoTo user name),
// so reordering a list never replaces anything. Unique by construction: the readable part keeps
// letters of any script, digits and `@ . _ -`; where it had to drop or change anything else, a
// short hash of the exact (lower-cased) text follows, so "a.b@x" and "a-b@x", or "zo@x" and
// "zoë@x", can never meet in one URN.
import { createHash } from "node:crypto";

/** The readable, collision-free fragment of a resource name for `text`. */
export function nameFragment(text: string): string {
  const lower = text.normalize("NFC").toLowerCase();
  const readable = lower.replace(/[^\p{L}\p{N}@._-]+/gu, "-").replace(/^-+|-+$/g, "");
  if (readable === lower && readable !== "") return readable;
  const hash = createHash("sha256").update(lower).digest("hex").slice(0, 8);
  return readable === "" ? hash : `${readable}-${hash}`;
}

/**
 * The fragment version 0.1 used (ASCII letters and digits, everything else "-"). Kept to alias
 * existing resources to their new names, so upgrading replaces nothing; undefined when two
 * entries share it (0.1 refused such a list, so no existing state can hold either under it).
 */
export function legacyFragment(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** Legacy fragments that more than one of `texts` maps to; those get no alias. */
export function ambiguousLegacyFragments(texts: readonly string[]): Set<string> {
  const count = new Map<string, number>();
  for (const t of texts) count.set(legacyFragment(t), (count.get(legacyFragment(t)) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n > 1).map(([f]) => f));
}
