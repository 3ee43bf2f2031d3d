// Transition only, not a component: stacks whose state was written by version 0.1 store a provider
// shim that loads "components/testConnection.ts" and its export testConnectionProvider (see providers/shim.ts). This
// forwarding module keeps their refresh and destroy working; a single `pulumi up` rewrites the
// shim to the new location. Remove it once every stack has run `pulumi up` with 0.2 or later.
export { testConnectionProvider } from "../providers/testConnection/provider";
