// Facts about the two gallery apps and Entra ids that every layer shares: the stack config's
// validation, the components and the providers' checks. Pure and dependency-free, so nothing above
// it has to import from a layer that stands higher.

/** Which gallery app: the tutorial's legacy GoToMeeting app, or its successor GoTo. */
export type Connector = "gotomeeting" | "goto";

export const CONNECTORS: readonly Connector[] = ["gotomeeting", "goto"];

/** Gallery display names per connector. */
export const GALLERY_APP: Record<Connector, string> = { gotomeeting: "GoToMeeting", goto: "GoTo" };

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The config namespace of this project, and of the package's settings in a consumer's stack. */
export const PACKAGE = "gotomeeting-provisioning";
