// Pulumi's marker for a value that is not known yet (a preview, before the resource it comes from
// exists). Checks skip such values instead of rejecting them.

/** The value an input has during preview when it depends on a resource not created yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when the value (or anything inside it) is not known yet, as during a preview. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}
