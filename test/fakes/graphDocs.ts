// Documented Microsoft Graph payloads the Graph fake must reproduce, each with where it was printed.
// Transcribed as data from /work/shared/specs/graph-sync-http-facts.json and
// /work/shared/docs/entra-goto-facts.md (keys [Sxx] and F1–F13 refer to that file), plus the few
// structural facts read in the primary sources named below. Nothing here is invented: where the fake
// has to go beyond these samples, its code says `guess:`. Tests compare the fake's answers with these
// literals; the fake itself uses them only for enums and names.
import type * as MSGraph from "@microsoft/microsoft-graph-types";

export interface DocSource {
  repo?: string;
  path?: string;
  commit?: string;
  url?: string;
  note?: string;
}

const GRAPH_DOCS = "microsoftgraph/microsoft-graph-docs-contrib";
const ENTRA_DOCS = "MicrosoftDocs/entra-docs";

/** [S74] The 2021 revision of the AWS Single Sign-on walk-through (template listing with metadata,
 *  instantiate response with app roles, three-part job id, quarantined job). */
export const S74: DocSource = {
  repo: GRAPH_DOCS,
  path: "concepts/application-provisioning-configure-api.md",
  note: "2021 revision (AWS Single Sign-on walk-through)",
};

// ---- F1 job ids ----------------------------------------------------------------------------------

/** F1: ids as Microsoft and a customer printed them. Three parts, the last a hyphenated GUID. */
export const JOB_IDS_THREE_PART: readonly { id: string; source: DocSource }[] = [
  {
    id: "dataBricks.f5532fc709734b1a90e8a1fa9fd03a82.8442fd39-2183-419c-8732-74b6ce866bd5",
    source: {
      repo: "hashicorp/terraform-provider-azuread",
      path: "docs/resources/synchronization_job.md",
      commit: "05818eca77f8d59adb9f3baeaf53ad58d0b4f1ee",
    },
  },
  {
    id: "aWSSingleSignon.ff8bf889e03141ac8f7baedb059892ee.bfc8712e-0986-4d47-896b-6872713598c6",
    source: S74,
  },
  {
    id: "API2AAD.b16687d38faf42adb29892cdcaf01c6e.1a03de52-b9c3-4e2c-a1e3-9145aaa8e530",
    source: {
      repo: GRAPH_DOCS,
      path: "api-reference/beta/api/synchronization-synchronizationjob-post-bulkupload.md",
      commit: "023f8abd50afc057e6a10ce22f82c237bccad882",
    },
  },
  {
    id: "AD2AADProvisioning.30b500eaf9c643b2b78804e80c1421fe.5c291d3c-d29f-4570-9d6b-f0c2fa3d5926",
    source: {
      repo: ENTRA_DOCS,
      path: "docs/identity/hybrid/cloud-sync/reference-error-codes.md",
      commit: "011a3309cbc87ea9f0601fac04d47425b60102d6",
    },
  },
  {
    id: "zendesk.26c323f158c24794b1237344c86ae9fa.49311620-7c14-49ad-9d0c-668dfe95f013",
    source: { url: "https://github.com/MicrosoftDocs/azure-docs/issues/50768" },
  },
];

/** F1: the other printed forms; a client must treat ids as opaque. */
export const JOB_IDS_OTHER_FORMS: readonly { id: string; form: string; source: DocSource }[] = [
  {
    id: "SfSandboxOutDelta.e4bbf44533ea4eabb17027f3a92e92aa",
    form: "two-part",
    source: {
      repo: GRAPH_DOCS,
      path: "concepts/synchronization-configure-with-custom-target-attributes.md",
      commit: "01cdf5c54b37731a52fb37b0ebde074bfe073a6b",
    },
  },
  {
    id: "3f7565a3-fde6-4e4d-bda8-1bb70aba3612",
    form: "bare GUID",
    source: {
      repo: GRAPH_DOCS,
      path: "api-reference/v1.0/api/synchronization-synchronizationjob-provisionondemand.md",
      commit: "125ddcfd930df1c442368362f9f7906c83233b8e",
    },
  },
  {
    id: "Azure2Azure.73f0883f-d67d-4af1-ac8a-45367f8982e0.5ef3be57-f45f-451g-88c4-68a7fda680bb",
    form: "hyphenated middle part and a non-hex letter",
    source: {
      repo: ENTRA_DOCS,
      path: "docs/identity/app-provisioning/application-provisioning-log-analytics.md",
      commit: "0596ed5741a1a56ff693666af21ef27e34386453",
    },
  },
];

/** [S74] The tenant (appOwnerOrganizationId) and appId behind the AWS job id: the middle part is the
 *  tenant id without hyphens, the last the appId (F1 structure, INFERENCE from this one sample). */
export const AWS_JOB_ID_PARTS = {
  jobId: "aWSSingleSignon.ff8bf889e03141ac8f7baedb059892ee.bfc8712e-0986-4d47-896b-6872713598c6",
  templateId: "aWSSingleSignon",
  appOwnerOrganizationId: "ff8bf889-e031-41ac-8f7b-aedb059892ee",
  appId: "bfc8712e-0986-4d47-896b-6872713598c6",
} as const;

// ---- F2 templates --------------------------------------------------------------------------------

/** F2 [S74]: one entry of GET …/synchronization/templates, schema trimmed to id and version. */
export const AWS_TEMPLATE_ENTRY = {
  id: "aWSSingleSignon",
  applicationId: "21ed01d2-ec13-4e9e-86c1-cd546719ebc4",
  default: true,
  description: null,
  discoverable: true,
  factoryTag: "aWSSingleSignon",
  metadata: [
    { key: "AzureIngestionAttributeOptimization", value: "False" },
    { key: "AzureIngestionAttributeOptimization", value: "False" },
    { key: "galleryApplicationIdentifier", value: "21ed01d2-ec13-4e9e-86c1-cd546719ebc4" },
    { key: "galleryApplicationKey", value: "awssinglesignon" },
    { key: "isSynchronizationInPreview", value: "true" },
    {
      key: "configurationFields",
      value: '[{"name":"baseaddress"},{"name":"secrettoken","secret":true}]',
    },
  ],
  schema: { id: "aWSSingleSignon.00000000000000000000000000000000", version: "6.0" },
} as const;
export const AWS_TEMPLATE_ENTRY_SOURCE = S74;

/** F2 [S81]: an older beta template with isOAuthEnabled and user-name/password fields. */
export const SF_OUT_DELTA_TEMPLATE_ENTRY = {
  id: "SfOutDelta",
  factoryTag: "SfOutDelta",
  metadata: [
    { key: "galleryApplicationIdentifier", value: "cd3ed3de-93ee-400b-8b19-b61ef44a0f29" },
    { key: "galleryApplicationKey", value: "salesforce.com" },
    { key: "isOAuthEnabled", value: "false" },
    {
      key: "configurationFields",
      value:
        '[{"name":"username"},{"name":"password","secret":true},{"name":"secrettoken","secret":true}]',
    },
  ],
} as const;
export const SF_OUT_DELTA_TEMPLATE_ENTRY_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "api-reference/beta/api/synchronization_template_get.md",
  commit: "0c8ef4acd0e0c2225d51dff58b176b4b7e669ce7",
};

/** The property names of a template entry, in the order [S74] prints them. */
export const TEMPLATE_ENTRY_KEYS = [
  "id",
  "applicationId",
  "default",
  "description",
  "discoverable",
  "factoryTag",
  "metadata",
  "schema",
] as const;

/** [S80] synchronizationMetadata enum (v1.0, PascalCase). Samples print the keys camelCase. */
export const SYNCHRONIZATION_METADATA_KEYS = [
  "GalleryApplicationIdentifier",
  "GalleryApplicationKey",
  "IsOAuthEnabled",
  "IsSynchronizationAgentAssignmentRequired",
  "IsSynchronizationAgentRequired",
  "IsSynchronizationInPreview",
  "OAuthSettings",
  "SynchronizationLearnMoreIbizaFwLink",
  "ConfigurationFields",
] as const;

// ---- F3 / F4 attribute mapping sources and parseExpression ---------------------------------------

/** F3 [S35]: a Function source as schema GET and PUT carry it. */
export const NOT_IS_SOFT_DELETED_SOURCE: MSGraph.AttributeMappingSource = {
  expression: "Not([IsSoftDeleted])",
  name: "Not",
  parameters: [
    {
      key: "source",
      value: {
        expression: "[IsSoftDeleted]",
        name: "IsSoftDeleted",
        parameters: [],
        type: "Attribute",
      },
    },
  ],
  type: "Function",
};
export const NOT_IS_SOFT_DELETED_SOURCE_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "concepts/synchronization-configure-with-custom-target-attributes.md",
  commit: "01cdf5c54b37731a52fb37b0ebde074bfe073a6b",
};

/** F3 [S40]: bare numbers become Constants whose expression is the quoted literal. */
export const MID_SOURCE = {
  expression: "Mid([userPrincipalName], 1, 8)",
  name: "Mid",
  parameters: [
    {
      key: "source",
      value: {
        expression: "[userPrincipalName]",
        name: "userPrincipalName",
        parameters: [],
        type: "Attribute",
      },
    },
    { key: "start", value: { expression: '"1"', name: "1", parameters: [], type: "Constant" } },
    { key: "length", value: { expression: '"8"', name: "8", parameters: [], type: "Constant" } },
  ],
  type: "Function",
} as const;
export const MID_SOURCE_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "api-reference/v1.0/resources/synchronization-attributemappingsource.md",
  commit: "155d791771d22d9f07e058784dd3858a67f9ad67",
};

/** F4 [S36]: the parseExpression request (abridged to one test property, as in the facts file; the
 *  page prints it with unquoted keys). Note the two spaces before the closing parenthesis. */
export const PARSE_EXPRESSION_REQUEST = {
  expression: 'Replace([preferredLanguage], "-", , , "_", ,  )',
  targetAttributeDefinition: null,
  testInputObject: {
    definition: null,
    properties: [{ key: "preferredLanguage", value: "EN-US" }],
  },
} as const;

/** F4 [S36]: its response. The returned expression is re-spaced relative to the request. */
export const PARSE_EXPRESSION_RESPONSE = {
  error: null,
  evaluationSucceeded: true,
  evaluationResult: ["EN_US"],
  parsedExpression: {
    expression: 'Replace([preferredLanguage], "-", , , "_", , )',
    name: "Replace",
    parameters: [
      {
        key: "source",
        value: {
          expression: "[preferredLanguage]",
          name: "preferredLanguage",
          parameters: [],
          type: "Attribute",
        },
      },
      { key: "Find", value: { expression: '"-"', name: "-", parameters: [], type: "Constant" } },
      {
        key: "Replacement",
        value: { expression: '"_"', name: "_", parameters: [], type: "Constant" },
      },
    ],
    type: "Function",
  },
  parsingSucceeded: true,
} as const;
export const PARSE_EXPRESSION_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "api-reference/v1.0/api/synchronization-synchronizationschema-parseexpression.md",
  commit: "090b00cc08ea7de0b65aa5c7632d19a33ac8ef06",
};

/** The parameter names Graph's own `GET …/schema/functions` printed (beta page, full response kept in
 *  an HTML comment of the page). They agree with the parseExpression sample (Replace's Find and
 *  Replacement), so they are what the parsed tree's keys are. allowMultipleOccurrences → repeating.
 *  Not in the shared facts file; read in the source below. */
export const DOCUMENTED_FUNCTION_PARAMETERS: Readonly<
  Record<string, readonly { name: string; required: boolean; repeating: boolean }[]>
> = {
  Append: [
    { name: "source", required: true, repeating: false },
    { name: "suffix", required: true, repeating: false },
  ],
  DefaultDomain: [],
  AppRoleAssignments: [{ name: "source", required: true, repeating: false }],
  FormatDateTime: [
    { name: "source", required: true, repeating: false },
    { name: "inputFormat", required: true, repeating: false },
    { name: "outputFormat", required: true, repeating: false },
  ],
  IsNothing: [{ name: "source", required: true, repeating: false }],
  Join: [
    { name: "separator", required: true, repeating: false },
    { name: "source", required: true, repeating: true },
  ],
  Prepend: [
    { name: "prefix", required: true, repeating: false },
    { name: "source", required: true, repeating: false },
  ],
  Mid: [
    { name: "source", required: true, repeating: false },
    { name: "start", required: true, repeating: false },
    { name: "length", required: true, repeating: false },
  ],
  Not: [{ name: "source", required: true, repeating: false }],
  Replace: [
    { name: "source", required: true, repeating: false },
    { name: "Find", required: false, repeating: false },
    { name: "RegularExpression", required: false, repeating: false },
    { name: "RegularExpressionGroupName", required: false, repeating: false },
    { name: "Replacement", required: false, repeating: false },
    { name: "ReplacementPropertyName", required: false, repeating: false },
    { name: "Template", required: false, repeating: false },
  ],
  SingleAppRoleAssignment: [{ name: "source", required: true, repeating: false }],
  Split: [
    { name: "source", required: true, repeating: false },
    { name: "delimiter", required: false, repeating: false },
  ],
  StripSpaces: [{ name: "source", required: true, repeating: false }],
  Switch: [
    { name: "source", required: true, repeating: false },
    { name: "defaultValue", required: false, repeating: false },
    { name: "switchValue", required: false, repeating: true },
  ],
};
export const DOCUMENTED_FUNCTION_PARAMETERS_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "api-reference/beta/api/synchronization-synchronizationschema-functions.md",
  commit: "014eb3944306948edbb6560dbe689816a168c4f7",
};

/** The function reference (user-facing parameter names; Graph's tree keys differ, e.g. Replace's
 *  oldValue is "Find" in the tree). Used only for functions the list above lacks. */
export const FUNCTION_REFERENCE_SOURCE: DocSource = {
  repo: ENTRA_DOCS,
  path: "docs/identity/app-provisioning/functions-for-customizing-application-data.md",
  commit: "1241ebe781c2d3d452960053f5552d9551f7f8d5",
};

// ---- F5 / errors ---------------------------------------------------------------------------------

/** [S79] Graph's error envelope, the only error body the sources document. */
export const GRAPH_ERROR_ENVELOPE = {
  error: {
    code: "RequestParameterInvalid",
    message: "...",
    innerError: { date: "2020-11-17T17:56:39", "request-id": "...", "client-request-id": "..." },
  },
} as const;
export const GRAPH_ERROR_ENVELOPE_SOURCE: DocSource = {
  url: "https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/4247",
};

// ---- jobs: creation, F7 quarantine, reference sample ----------------------------------------------

/** [S14] POST …/jobs example response, the members the facts file lists (the page text says 201;
 *  the sample prints 200). */
export const CREATED_JOB_SAMPLE_POST_JOBS = {
  schedule: { interval: "P10675199DT2H48M5.4775807S", state: "Disabled" },
  status: {
    code: "NotConfigured",
    countSuccessiveCompleteFailures: 0,
    escrowsPruned: false,
    steadyStateFirstAchievedTime: "0001-01-01T00:00:00Z",
    steadyStateLastAchievedTime: "0001-01-01T00:00:00Z",
  },
} as const;
export const CREATED_JOB_SAMPLE_POST_JOBS_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "api-reference/v1.0/api/synchronization-synchronization-post-jobs.md",
  commit: "017e406a430716741acc343596177c6346fba98a",
};

/** [S74] the AWS job right after POST …/jobs. */
export const CREATED_JOB_SAMPLE_AWS = {
  templateId: "aWSSingleSignon",
  schedule: { expiration: null, interval: "PT40M", state: "Disabled" },
  status: {
    countSuccessiveCompleteFailures: 0,
    escrowsPruned: false,
    code: "Paused",
    lastExecution: null,
    lastSuccessfulExecution: null,
    lastSuccessfulExecutionWithExports: null,
    quarantine: null,
    steadyStateFirstAchievedTime: "0001-01-01T00:00:00Z",
    steadyStateLastAchievedTime: "0001-01-01T00:00:00Z",
    troubleshootingUrl: null,
    progress: [],
    synchronizedEntryCountByType: [],
  },
} as const;

/** F7 [S74]: a quarantined job, as the facts file transcribes it (quarantine.error trimmed). */
export const QUARANTINED_JOB_SAMPLE = {
  schedule: { expiration: null, interval: "PT40M", state: "Active" },
  status: {
    code: "Quarantine",
    countSuccessiveCompleteFailures: 1,
    lastExecution: {
      state: "Failed",
      error: {
        code: "SystemForCrossDomainIdentityManagementInvalidCredentials",
        message: "Please provide a valid tenant URL for your application.",
        tenantActionable: true,
      },
    },
    quarantine: {
      currentBegan: "2021-05-24T21:45:54.4981365Z",
      nextAttempt: "2021-05-24T21:50:54.4981365Z",
      reason: "EncounteredQuarantineException",
      seriesBegan: "2021-05-24T21:45:54.4981365Z",
      seriesCount: 1,
      error: {
        code: "SystemForCrossDomainIdentityManagementInvalidCredentials",
        tenantActionable: true,
      },
    },
  },
} as const;

/** The quarantine.error of [S74] as the page itself prints it: with the message too. */
export const QUARANTINE_ERROR_AS_PRINTED = {
  code: "SystemForCrossDomainIdentityManagementInvalidCredentials",
  message: "Please provide a valid tenant URL for your application.",
  tenantActionable: true,
} as const;

/** [S88] GET job reference sample: Disabled and Paused, yet a quarantine object with "" fields. */
export const GET_JOB_REFERENCE_SAMPLE = {
  id: "{jobId}",
  templateId: "BoxOutDelta",
  schedule: { expiration: null, interval: "P10675199DT2H48M5.4775807S", state: "Disabled" },
  status: {
    code: "Paused",
    quarantine: {
      currentBegan: "",
      nextAttempt: "",
      reason: "",
      seriesBegan: "",
      seriesCount: 2,
      error: { code: "SalesforceInvalidCredentials", tenantActionable: true },
    },
  },
  synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "500" }],
} as const;
export const GET_JOB_REFERENCE_SAMPLE_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "api-reference/v1.0/api/synchronization-synchronizationjob-get.md",
  commit: "129c9460dad70dd794e4cac7faea9d60100e02aa",
};

/** [S17] quarantineReason; [S89] also spells the manual one "QuarantineOnDemand". */
export const QUARANTINE_REASONS = [
  "EncounteredBaseEscrowThreshold",
  "EncounteredTotalEscrowThreshold",
  "EncounteredEscrowProportionThreshold",
  "EncounteredQuarantineException",
  "Unknown",
  "QuarantinedOnDemand",
  "TooManyDeletes",
  "IngestionInterrupted",
] as const;

// ---- F8 restart ----------------------------------------------------------------------------------

/** F8 [S25] restart body. */
export const RESTART_REQUEST = { criteria: { resetScope: "Watermark, Escrows, QuarantineState" } };

/** synchronizationJobRestartScope (CSDL flags enum, from specs/graph-sync-schemas.json). Note the
 *  values: Full (15) is the four bits below it; ForceDeletes (32) is not part of Full. */
export const RESTART_SCOPE_VALUES = {
  None: 0,
  ConnectorDataStore: 1,
  Escrows: 2,
  Watermark: 4,
  QuarantineState: 8,
  Full: 15,
  ForceDeletes: 32,
} as const;

// ---- F9 provisionOnDemand ------------------------------------------------------------------------

export const PROVISION_ON_DEMAND_REQUEST = {
  parameters: [
    {
      subjects: [{ objectId: "9bb0f679-a883-4a6f-8260-35b491b8b8c8", objectTypeName: "User" }],
      ruleId: "ea807875-5618-4f0a-9125-0b46a05298ca",
    },
  ],
} as const;
export const PROVISION_ON_DEMAND_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "api-reference/v1.0/api/synchronization-synchronizationjob-provisionondemand.md",
  commit: "125ddcfd930df1c442368362f9f7906c83233b8e",
};
/** The two `key` texts the page prints. */
export const PROVISION_ON_DEMAND_KEYS = {
  skipped:
    '{"result":"Skipped","details":{"errorCode":"RedundantExport","errorMessage":"The state of the user in both the source and target systems already match."}}',
  success: '{"result":"Success","details":{}}',
} as const;
export const PROVISION_ON_DEMAND_CONTEXTS = {
  graph: "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.stringKeyStringValuePair",
  syncfabric:
    "https://syncfabric.windowsazure.com/api/$metadata#microsoft.synchronization.stringKeyStringValuePair",
} as const;
/** The members of the provisioning record in `value` (F9) and of each provisioning step. */
export const PROVISIONING_RECORD_KEYS = [
  "action",
  "changeId",
  "endTime",
  "modifiedProperties",
  "provisioningSteps",
  "reportableIdentifier",
  "startTime",
  "statusInfo",
  "sourceIdentity",
  "sourceSystem",
  "targetIdentity",
  "targetSystem",
] as const;
export const PROVISIONING_STEP_KEYS = [
  "name",
  "type",
  "status",
  "description",
  "timestamp",
  "details",
] as const;
/** A rule id with a suffix, from the page's group example. */
export const SUFFIXED_RULE_ID = "33f7c90d-bf71-41b1-bda6-aaf0ddbee5d8#V2";

// ---- F12 secrets ---------------------------------------------------------------------------------

export const SECRETS_PUT_REQUEST = {
  value: [
    { key: "BaseAddress", value: "user@domain.com" },
    { key: "SecretToken", value: "password-value" },
    { key: "SyncNotificationSettings", value: '{"Enabled":false,"DeleteThresholdEnabled":false}' },
    { key: "SyncAll", value: "false" },
  ],
} as const;
export const SECRETS_PUT_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "api-reference/v1.0/api/synchronization-serviceprincipal-put-synchronization.md",
  commit: "073a3963b21637213e5f1e568a46929928f02ddf",
};
/** F12 [S12]: SyncNotificationSettings is JSON text inside the string value. */
export const SYNC_NOTIFICATION_SETTINGS_SAMPLE =
  '{"Enabled":true,"Recipients":"foobar@xyz.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":50}';

/** §1c: the synchronizationSecret enum (v1.0 resource doc [S11]). */
export const SYNCHRONIZATION_SECRET_KEYS = [
  "None",
  "UserName",
  "Password",
  "SecretToken",
  "AppKey",
  "BaseAddress",
  "ClientIdentifier",
  "ClientSecret",
  "SingleSignOnType",
  "Sandbox",
  "Url",
  "Domain",
  "ConsumerKey",
  "ConsumerSecret",
  "TokenKey",
  "TokenExpiration",
  "Oauth2AccessToken",
  "Oauth2AccessTokenCreationTime",
  "Oauth2RefreshToken",
  "SyncAll",
  "InstanceName",
  "Oauth2ClientId",
  "Oauth2ClientSecret",
  "CompanyId",
  "UpdateKeyOnSoftDelete",
  "SynchronizationSchedule",
  "SystemOfRecord",
  "SandboxName",
  "EnforceDomain",
  "SyncNotificationSettings",
  "SkipOutOfScopeDeletions",
  "Oauth2AuthorizationCode",
  "Oauth2RedirectUri",
  "ApplicationTemplateIdentifier",
  "Oauth2TokenExchangeUri",
  "Oauth2AuthorizationUri",
  "AuthenticationType",
  "Server",
  "PerformInboundEntitlementGrants",
  "HardDeletesEnabled",
  "SyncAgentCompatibilityKey",
  "SyncAgentADContainer",
  "ValidateDomain",
  "TestReferences",
  "ConnectionString",
] as const;

/** F6 [S86]: a mis-cased key (baseAddress) sent to validateCredentials was answered 500 InternalError. */
export const MISCASED_KEY_FAILURE = { status: 500, code: "InternalError" } as const;

// ---- directory objects ---------------------------------------------------------------------------

/** [S74] GET /applicationTemplates?$filter=displayName eq '…' (the entry, trimmed of its prose). */
export const AWS_APPLICATION_TEMPLATE = {
  id: "21ed01d2-ec13-4e9e-86c1-cd546719ebc4",
  displayName: "AWS Single Sign-on",
  supportedSingleSignOnModes: ["saml", "external"],
  supportedProvisioningTypes: ["sync"],
} as const;

/** F11 [S74][S91]: the Default Access role of a gallery app, and the User role some apps also have. */
export const MSIAM_ACCESS_ROLE_SHAPE = {
  allowedMemberTypes: ["User"],
  description: "msiam_access",
  displayName: "msiam_access",
  isEnabled: true,
  origin: "Application",
  value: null,
} as const;
export const MSIAM_ACCESS_ROLE_IDS = [
  "e7f1a7f3-9eda-48e0-9963-bd67bf531afd",
  "7dfd756e-8c27-4472-b2b7-38c17fc5de5e",
] as const;
export const AWS_USER_ROLE = {
  allowedMemberTypes: ["User"],
  displayName: "User",
  id: "8774f594-1d59-4279-b9d9-59ef09a23530",
  isEnabled: true,
  description: "User",
  value: null,
  origin: "Application",
} as const;

/** [S74] instantiate: the keys of the response's two objects, and the context it carries. */
export const INSTANTIATE_CONTEXT =
  "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.applicationServicePrincipal";
export const INSTANTIATED_SERVICE_PRINCIPAL_SAMPLE = {
  accountEnabled: true,
  appId: "bfc8712e-0986-4d47-896b-6872713598c6",
  applicationTemplateId: "21ed01d2-ec13-4e9e-86c1-cd546719ebc4",
  appOwnerOrganizationId: "ff8bf889-e031-41ac-8f7b-aedb059892ee",
  appRoleAssignmentRequired: true,
  servicePrincipalNames: ["bfc8712e-0986-4d47-896b-6872713598c6"],
  servicePrincipalType: "Application",
  tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
} as const;

/** The appRoleAssignedTo POST sample; the id is a base64url-like string, not a GUID. */
export const APP_ROLE_ASSIGNMENT_REQUEST = {
  principalId: "33ad69f9-da99-4bed-acd0-3f24235cb296",
  resourceId: "9028d19c-26a9-4809-8e3f-20ff73e2d75e",
  appRoleId: "ef7437e6-4f94-4a0a-a110-a439eb2aa8f7",
} as const;
export const APP_ROLE_ASSIGNMENT_RESPONSE = {
  "@odata.context":
    "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('9028d19c-26a9-4809-8e3f-20ff73e2d75e')/appRoleAssignedTo/$entity",
  id: "-WmtM5na7Uus0D8kI1yylpU9Mdo0Pb9OoBJvd3T5eKc",
  deletedDateTime: null,
  appRoleId: "ef7437e6-4f94-4a0a-a110-a439eb2aa8f7",
  createdDateTime: "2021-02-15T16:14:59.8643039Z",
  principalDisplayName: "Parents of Contoso",
  principalId: "33ad69f9-da99-4bed-acd0-3f24235cb296",
  principalType: "Group",
  resourceDisplayName: "Fabrikam App",
  resourceId: "9028d19c-26a9-4809-8e3f-20ff73e2d75e",
} as const;
export const APP_ROLE_ASSIGNMENT_SOURCE: DocSource = {
  repo: GRAPH_DOCS,
  path: "api-reference/v1.0/api/serviceprincipal-post-approleassignedto.md",
  commit: "01d208d4dc09c1340e159d905e4ad0d8492f0280",
};
