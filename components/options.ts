// Options a component hands to its children. Pulumi passes `parent`, `protect`, providers, aliases
// and transformations down by itself; `retainOnDelete` it does not, so a caller who asks a
// component to keep its resources on delete would otherwise lose them.
import type * as pulumi from "@pulumi/pulumi";

export function childOptions(
  parent: pulumi.Resource,
  opts: pulumi.ComponentResourceOptions | undefined,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return {
    parent,
    ...(opts?.retainOnDelete !== undefined ? { retainOnDelete: opts.retainOnDelete } : {}),
    ...extra,
  };
}
