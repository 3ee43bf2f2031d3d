// Seeds for the two gallery connectors the project targets: synchronization templates (F2), their
// schemas (F3) and the gallery application templates they are instantiated from (§1a, F11).
//
// Every GoToMeeting / GoTo specific value here is a guess: the real template ids, factory tags,
// metadata, app roles and schemas are published nowhere (entra-goto-facts §2, F2 "GoToMeeting / GoTo
// metadata: UNKNOWN"). Only the SHAPES are Graph's; each shape names the sample it follows.
import type * as MSGraph from "@microsoft/microsoft-graph-types";

export type Connector = "gotomeeting" | "goto";

/** A synchronization template as GET …/synchronization/templates lists it (F2). Only id, factoryTag
 *  and schema are required when seeding; the others default as documented in GraphFake. */
export interface SeedTemplate {
  id: string;
  factoryTag: string;
  schema: MSGraph.SynchronizationSchema;
  /** [S74]: the gallery application template's id. */
  applicationId?: string | null;
  default?: boolean;
  description?: string | null;
  discoverable?: boolean;
  metadata?: { key: string; value: string }[];
}

export interface ConnectorTemplateOptions {
  /** Which credential form the template's metadata announces:
   *  - "user-password": `isOAuthEnabled` "false" and `configurationFields`
   *    `[{"name":"username"},{"name":"password","secret":true}]` (the 2017/2018 GoToMeeting tutorials'
   *    Admin User Name + Admin Password [S4][S5]; shape of the SfOutDelta sample [S81]);
   *  - "oauth": `isOAuthEnabled` "true" and no configurationFields (the current tutorials' Authorize
   *    button [S1][S2]; that Authorize connectors say "true" is INFERENCE, §1b).
   *  Default "user-password" for gotomeeting, "oauth" for goto. */
  credentials?: "user-password" | "oauth";
  /** Spelling of the metadata keys: "camel" as every sample prints them [S74][S81], or "pascal" as
   *  the v1.0 enum names them [S80]. Default "camel". */
  metadataKeyCase?: "camel" | "pascal";
}

const ENTRA_DIRECTORY = "Azure Active Directory";
const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const TARGET_DIRECTORY: Record<Connector, string> = { gotomeeting: "GoToMeeting", goto: "GoTo" };
/** The rule id of the [S74] AWS template; Graph's rule ids are engine-defined GUIDs. guess: that a
 *  GoTo template uses this one. */
export const CONNECTOR_RULE_ID = "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8";

/** guess: placeholder gallery application template ids (the real ones are UNKNOWN, §2). */
export const GALLERY_APPLICATION_TEMPLATE_IDS: Readonly<Record<Connector, string>> = {
  gotomeeting: "1b6a5f3e-8c2d-4e7a-9b10-5d3f2a6c7e81",
  goto: "7d2c9e41-3f5a-4b68-a0c7-e9b18d4f2a35",
};

/** The Microsoft typings model flags enums as single members; Graph sends "A, B, C" (and [S74]
 *  "A,B,C"; clients must split on commas and trim). */
function flags<T extends string>(...members: T[]): T {
  return members.join(", ") as T;
}

function attribute(
  name: string,
  extra: Partial<MSGraph.AttributeDefinition> = {},
): MSGraph.AttributeDefinition {
  return {
    anchor: false,
    apiExpressions: [],
    caseExact: false,
    defaultValue: null,
    flowNullValues: false,
    metadata: [],
    multivalued: false,
    mutability: "ReadWrite",
    name,
    referencedObjects: [],
    required: false,
    type: "String",
    ...extra,
  };
}

/** [S74]/F3 Attribute source. */
function fromAttribute(name: string): MSGraph.AttributeMappingSource {
  return { expression: `[${name}]`, name, parameters: [], type: "Attribute" };
}

/** F3 Constant: the literal in name, the quoted literal in expression. */
function constant(value: string): MSGraph.AttributeMappingSource {
  return { expression: JSON.stringify(value), name: value, parameters: [], type: "Constant" };
}

function mapping(
  targetAttributeName: string,
  source: MSGraph.AttributeMappingSource,
  matchingPriority = 0,
): MSGraph.AttributeMapping {
  // [S74] attributeMapping: every property present, defaults as printed there.
  return {
    defaultValue: null,
    exportMissingReferences: false,
    flowBehavior: "FlowWhenChanged",
    flowType: "Always",
    matchingPriority,
    source,
    targetAttributeName,
  };
}

function objectMapping(
  target: string,
  kind: "User" | "Group",
  attributeMappings: MSGraph.AttributeMapping[],
): MSGraph.ObjectMapping {
  return {
    attributeMappings,
    enabled: true,
    flowTypes: flags<MSGraph.ObjectFlowTypes>("Add", "Update", "Delete"),
    // [S74] object-mapping metadata: Disposition and EscrowBehavior are JSON-quoted strings.
    metadata: [
      { key: "Disposition", value: '"Normal"' },
      { key: "EscrowBehavior", value: '"Default"' },
      { key: "IsCustomerDefined", value: "false" },
    ],
    // guess: the tutorials call these "Synchronize Microsoft Entra users to GoToMeeting" [S1]; the
    // schema's own names are not published.
    name: `Synchronize Azure Active Directory ${kind}s to ${target}`,
    scope: null,
    sourceObjectName: kind,
    targetObjectName: kind,
  };
}

function entraDirectory(): MSGraph.DirectoryDefinition {
  const user: MSGraph.ObjectDefinition = {
    attributes: [
      attribute("accountEnabled", { type: "Boolean" }),
      attribute("appRoleAssignments", { multivalued: true }),
      attribute("city"),
      attribute("companyName"),
      attribute("country"),
      attribute("department"),
      attribute("displayName"),
      attribute("employeeId"),
      attribute("employeeOrgData.costCenter"),
      attribute("employeeOrgData.division"),
      attribute("employeeType"),
      attribute("extensionAttribute1"),
      attribute("givenName"),
      attribute("IsSoftDeleted", { type: "Boolean" }),
      attribute("jobTitle"),
      attribute("mail"),
      attribute("mailNickname"),
      attribute("manager", {
        type: "Reference",
        referencedObjects: [{ referencedObjectName: "User", referencedProperty: null }],
      }),
      attribute("mobile"),
      attribute("objectId", { anchor: true, mutability: "ReadOnly" }),
      attribute("physicalDeliveryOfficeName"),
      attribute("postalCode"),
      attribute("preferredLanguage"),
      attribute("state"),
      attribute("streetAddress"),
      attribute("surname"),
      attribute("telephoneNumber"),
      attribute("usageLocation"),
      attribute("userPrincipalName", { required: true }),
      attribute("userType"),
    ],
    metadata: [
      { key: "PropertyNameAccountEnabled", value: "accountEnabled" },
      { key: "PropertyNameSoftDeleted", value: "IsSoftDeleted" },
      { key: "IsSynchronizeAllSupported", value: "true" },
    ],
    name: "User",
    supportedApis: [],
  };
  const group: MSGraph.ObjectDefinition = {
    attributes: [
      attribute("description"),
      attribute("displayName"),
      attribute("IsSoftDeleted", { type: "Boolean" }),
      attribute("mail"),
      attribute("mailEnabled", { type: "Boolean" }),
      attribute("mailNickname"),
      attribute("members", {
        type: "Reference",
        multivalued: true,
        referencedObjects: [
          { referencedObjectName: "User", referencedProperty: null },
          { referencedObjectName: "Group", referencedProperty: null },
        ],
      }),
      attribute("objectId", { anchor: true, mutability: "ReadOnly" }),
      attribute("securityEnabled", { type: "Boolean" }),
    ],
    metadata: [{ key: "PropertyNameSoftDeleted", value: "IsSoftDeleted" }],
    name: "Group",
    supportedApis: [],
  };
  return {
    id: "8c3b5e7a-1f0d-4f44-9d5e-2a6c0b9e4d11",
    discoverabilities: flags<MSGraph.DirectoryDefinitionDiscoverabilities>(
      "AttributeNames",
      "AttributeDataTypes",
    ),
    discoveryDateTime: null,
    name: ENTRA_DIRECTORY,
    objects: [user, group],
    readOnly: false,
    version: null,
  };
}

function targetDirectory(connector: Connector): MSGraph.DirectoryDefinition {
  // [S2]: GoTo's user and group attributes; GoToMeeting's are not listed anywhere (guess: the same).
  const user: MSGraph.ObjectDefinition = {
    attributes: [
      attribute("userName", { required: true }),
      attribute("externalId"),
      attribute("active", { type: "Boolean" }),
      attribute("displayName"),
      attribute("name.givenName"),
      attribute("name.familyName"),
      attribute("name.formatted"),
      attribute('emails[type eq "work"].value'),
      attribute('phoneNumbers[type eq "work"].value'),
      attribute("title"),
      attribute("preferredLanguage"),
      attribute("locale"),
      attribute("timezone"),
      attribute(`${ENTERPRISE_USER}:department`),
      attribute(`${ENTERPRISE_USER}:employeeNumber`),
      attribute(`${ENTERPRISE_USER}:costCenter`),
      attribute(`${ENTERPRISE_USER}:division`),
      attribute(`${ENTERPRISE_USER}:organization`),
    ],
    metadata: [{ key: "IsSoftDeletionSupported", value: "true" }],
    name: "User",
    supportedApis: [],
  };
  const group: MSGraph.ObjectDefinition = {
    attributes: [
      attribute("displayName", { required: true }),
      attribute("externalId"),
      attribute("members", {
        type: "Reference",
        multivalued: true,
        referencedObjects: [{ referencedObjectName: "User", referencedProperty: null }],
      }),
    ],
    metadata: [],
    name: "Group",
    supportedApis: [],
  };
  return {
    id:
      connector === "goto"
        ? "5d0f2c8e-7b3a-4e61-a9c4-0f1e2d3c4b5a"
        : "b7e4a1c9-3d2f-4a8b-8c6e-9f0a1b2c3d4e",
    discoverabilities: flags<MSGraph.DirectoryDefinitionDiscoverabilities>("None"),
    discoveryDateTime: null,
    name: TARGET_DIRECTORY[connector],
    objects: connector === "goto" ? [user, group] : [user],
    readOnly: false,
    version: null,
  };
}

/** The Switch mapping for `active` that vendor SCIM guides quote [S41], as its parsed tree: keys from
 *  Graph's functions sample (source, defaultValue, switchValue repeating), the blank defaultValue
 *  absent (F3). guess: that a repeating parameter repeats its key in the tree (no sample shows one). */
export function switchIsSoftDeletedSource(): MSGraph.AttributeMappingSource {
  return {
    expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
    name: "Switch",
    parameters: [
      { key: "source", value: fromAttribute("IsSoftDeleted") },
      { key: "switchValue", value: constant("False") },
      { key: "switchValue", value: constant("True") },
      { key: "switchValue", value: constant("True") },
      { key: "switchValue", value: constant("False") },
    ],
    type: "Function",
  };
}

/** A template schema for the two gallery connectors, built only from documented shapes.
 *  - id `{templateId}.00000000000000000000000000000000`, version "6.0" ([S74] template schema);
 *  - directories "Azure Active Directory" (User, Group) and the target ("GoToMeeting" or "GoTo",
 *    guess) with User attributes from [S2], and for "goto" also Group (displayName, externalId,
 *    members);
 *  - one rule: id CONNECTOR_RULE_ID, name "USER_TO_USER", editable, metadata
 *    supportsProvisionOnDemand "true" [S74];
 *  - object mapping "Synchronize Azure Active Directory Users to <Target>" (User→User):
 *    [0] userPrincipalName→userName (matchingPriority 1), [1] active ← the Switch Function with its
 *    parsed tree, [2] displayName, [3] mail→emails[type eq "work"].value, [4] givenName, [5] surname,
 *    [6] mailNickname→externalId, [7] jobTitle→title, [8] department, [9] employeeId→employeeNumber;
 *    for goto a second mapping "… Groups to GoTo" (Group→Group);
 *  - `metadata`, `scope: null`, `flowTypes: "Add, Update, Delete"`, so a client that rewrites the
 *    schema must keep unknown parts intact. */
export function connectorTemplateSchema(connector: Connector): MSGraph.SynchronizationSchema {
  const target = TARGET_DIRECTORY[connector];
  const users = objectMapping(target, "User", [
    mapping("userName", fromAttribute("userPrincipalName"), 1),
    mapping("active", switchIsSoftDeletedSource()),
    mapping("displayName", fromAttribute("displayName")),
    mapping('emails[type eq "work"].value', fromAttribute("mail")),
    mapping("name.givenName", fromAttribute("givenName")),
    mapping("name.familyName", fromAttribute("surname")),
    mapping("externalId", fromAttribute("mailNickname")),
    mapping("title", fromAttribute("jobTitle")),
    mapping(`${ENTERPRISE_USER}:department`, fromAttribute("department")),
    mapping(`${ENTERPRISE_USER}:employeeNumber`, fromAttribute("employeeId")),
  ]);
  const objectMappings = [users];
  if (connector === "goto") {
    objectMappings.push(
      objectMapping(target, "Group", [
        mapping("displayName", fromAttribute("displayName"), 1),
        mapping("externalId", fromAttribute("objectId")),
        mapping("members", fromAttribute("members")),
      ]),
    );
  }
  return {
    id: `${templateIdOf(connector)}.00000000000000000000000000000000`,
    version: "6.0",
    synchronizationRules: [
      {
        containerFilter: null,
        editable: true,
        groupFilter: null,
        id: CONNECTOR_RULE_ID,
        metadata: [{ key: "supportsProvisionOnDemand", value: "true" }],
        name: "USER_TO_USER",
        objectMappings,
        priority: 1,
        sourceDirectoryName: ENTRA_DIRECTORY,
        targetDirectoryName: target,
      },
    ],
    directories: [entraDirectory(), targetDirectory(connector)],
  };
}

function templateIdOf(connector: Connector): string {
  return TARGET_DIRECTORY[connector];
}

/** The template metadata of a connector, shaped like [S74]/[S81]; every value is a guess. */
export function connectorMetadata(
  connector: Connector,
  options: ConnectorTemplateOptions = {},
): { key: string; value: string }[] {
  const credentials = options.credentials ?? (connector === "goto" ? "oauth" : "user-password");
  const key = (camel: string) =>
    options.metadataKeyCase === "pascal" ? camel[0].toUpperCase() + camel.slice(1) : camel;
  const entries = [
    // [S74] prints a key outside the enum, twice: clients must tolerate unknown and repeated keys.
    { key: "AzureIngestionAttributeOptimization", value: "False" },
    { key: "AzureIngestionAttributeOptimization", value: "False" },
    {
      key: key("galleryApplicationIdentifier"),
      value: GALLERY_APPLICATION_TEMPLATE_IDS[connector],
    },
    // guess: documented as equal to factoryTag, which [S74] shows differing in case only.
    { key: key("galleryApplicationKey"), value: connector },
    { key: key("isOAuthEnabled"), value: credentials === "oauth" ? "true" : "false" },
    { key: key("isSynchronizationInPreview"), value: "false" },
  ];
  if (credentials === "user-password") {
    entries.push({
      key: key("configurationFields"),
      value: '[{"name":"username"},{"name":"password","secret":true}]',
    });
  }
  return entries;
}

/** The synchronization template a connector's service principal offers: id "GoToMeeting" / "GoTo",
 *  factoryTag "gotomeeting" / "goto" (id and factoryTag differ, as Slack/CustomSCIM do [S96]). */
export function connectorTemplate(
  connector: Connector,
  options: ConnectorTemplateOptions = {},
): SeedTemplate {
  return {
    id: templateIdOf(connector),
    applicationId: GALLERY_APPLICATION_TEMPLATE_IDS[connector],
    default: true,
    description: null,
    discoverable: true,
    factoryTag: connector,
    metadata: connectorMetadata(connector, options),
    schema: connectorTemplateSchema(connector),
  };
}

// ---- gallery application templates -----------------------------------------------------------------

export interface AppRoleSeed {
  /** Id of the msiam_access (Default Access) role. Default: a GUID minted per application (F11: a
   *  per-app GUID, never all-zero). */
  msiamAccessId?: string;
  /** Adds a "User" role next to msiam_access, as the AWS sample has [S74]. value null is what [S74]
   *  prints; value "User" is a guess (UNVERIFIED). Default: no User role. */
  userRole?: false | { id?: string; value: null | "User" };
}

export interface ApplicationTemplateSeed {
  id?: string;
  displayName: string;
  /** ["sync"] for provisioning-capable apps [S7][S8]; [] for an app without provisioning. */
  supportedProvisioningTypes?: string[];
  supportedSingleSignOnModes?: string[];
  publisher?: string | null;
  categories?: string[];
  homePageUrl?: string | null;
  logoUrl?: string | null;
  description?: string | null;
  /** The synchronization templates an instantiated app's service principal lists. */
  synchronizationTemplates?: SeedTemplate[];
  appRoles?: AppRoleSeed;
}

export interface GalleryTemplateOptions extends ConnectorTemplateOptions {
  /** false: the app lists no provisioning (supportedProvisioningTypes [], no synchronization
   *  template), as the retired GoToMeeting connector may [S1]. Default true. */
  provisioning?: boolean;
  appRoles?: AppRoleSeed;
}

/** An application template seed for the gallery app of a connector. Display names from the
 *  tutorials ("GoToMeeting" [S6], "GoTo" [S2]); id, publisher and categories are guesses. */
export function galleryApplicationTemplate(
  connector: Connector,
  options: GalleryTemplateOptions = {},
): ApplicationTemplateSeed {
  const provisioning = options.provisioning ?? true;
  return {
    id: GALLERY_APPLICATION_TEMPLATE_IDS[connector],
    displayName: TARGET_DIRECTORY[connector],
    supportedProvisioningTypes: provisioning ? ["sync"] : [],
    supportedSingleSignOnModes: ["saml", "external"],
    publisher: "GoTo Technologies USA, Inc.",
    categories: ["collaboration"],
    homePageUrl: null,
    logoUrl: null,
    description: null,
    synchronizationTemplates: provisioning ? [connectorTemplate(connector, options)] : [],
    appRoles: options.appRoles,
  };
}
