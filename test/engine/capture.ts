// Child-process entry of captureClient.ts: plays the Pulumi engine for one program run. It serves a
// fake ResourceMonitor and Engine over gRPC, starts Pulumi's Node language host entry
// (@pulumi/pulumi/cmd/run) the way pulumi-language-nodejs does — same flags, PULUMI_CONFIG and
// PULUMI_CONFIG_SECRET_KEYS, ts-node for TypeScript — records every registration and invoke, and
// prints one JSON CaptureResult on stdout. The monitor answers like a successful `pulumi up` of a
// fresh stack with plausible azuread and dynamic-resource outputs, so every resource of the program
// is reached; it never runs a provider (test/engine/providerHost.ts does that).
//
// Run: node -r ts-node/register/transpile-only test/engine/capture.ts < job.json
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as resourceRpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourcePb from "@pulumi/pulumi/proto/resource_pb";
import type { CaptureJob, CaptureResult, InvokeRecord, Registration } from "./captureClient";
import { cleanEnv } from "./captureClient";
import {
  PropertyMap,
  addEngineService,
  bindLoopback,
  fromStruct,
  isSecret,
  shutdown,
  toStruct,
} from "./engineService";

const DEFAULT_SP = "5a1e7c1d-0000-4000-8000-00000000a5b0";
const DEFAULT_JOB = "GoToMeeting.0f0e0d0c0b0a09080706050403020100";
const APP_ID = "11111111-2222-4333-8444-555555555555";
const APP_OBJECT_ID = "22222222-2222-4222-8222-222222222222";
const USER_RULE_ID = "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8";
// The roles the GoToMeeting and GoTo gallery apps define (plus the implicit Default Access).
const APP_ROLES = [
  {
    id: "a1b2c3d4-1111-4222-8333-444455556666",
    value: "User",
    displayName: "User",
    enabled: true,
    allowedMemberTypes: ["User"],
    description: "User",
  },
  {
    id: "7dfd756e-8c27-4472-b2b7-38c17fc5de5e",
    // Default Access: value null, which the azuread data source reports as "" (F11).
    value: "",
    displayName: "msiam_access",
    enabled: true,
    allowedMemberTypes: ["User"],
    description: "msiam_access",
  },
];

/** A stable GUID-shaped id for a name, so runs are reproducible. */
function objectIdFor(name: string): string {
  const h = createHash("sha256").update(name.toLowerCase()).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += (chunk as Buffer).toString("utf8");
  return text;
}

/**
 * Id and outputs a successful deployment would report: the inputs echoed back, plus `extra`, less
 * `omit` (inputs the provider does not return as outputs).
 */
function answer(
  type: string,
  name: string,
  inputs: PropertyMap,
  sp: string,
  jobId: string,
  counter: () => number,
): { id: string; extra: PropertyMap; omit?: string[] } {
  const dynamic = "pulumi-nodejs:dynamic/gotomeeting:";
  switch (type) {
    case "azuread:index/applicationFromTemplate:ApplicationFromTemplate":
      return {
        id: `/applications/${APP_OBJECT_ID}`,
        // @pulumi/azuread 6.9.1: applicationId is the resource id "/applications/{objectId}" (F10).
        extra: {
          applicationId: `/applications/${APP_OBJECT_ID}`,
          applicationObjectId: APP_OBJECT_ID,
          servicePrincipalId: `/servicePrincipals/${sp}`,
          servicePrincipalObjectId: sp,
        },
      };
    case "azuread:index/synchronizationJob:SynchronizationJob":
      return { id: `/servicePrincipals/${sp}/synchronization/jobs/${jobId}`, extra: {} };
    case `${dynamic}SynchronizationTemplate`: {
      const templateId = inputs.connector === "goto" ? "GoTo" : "GoToMeeting";
      return {
        id: `${sp}/${templateId}`,
        extra: {
          templateId,
          factoryTag: inputs.connector,
          candidates: [templateId],
          userRuleId: USER_RULE_ID,
        },
      };
    }
    case `${dynamic}TestConnection`:
      return {
        id: `${sp}/${jobId}`,
        omit: ["credentials"],
        extra: {
          passed: true,
          authorizationPending: false,
          message: "Test Connection passed.",
          checkedAt: "2026-11-26T10:00:00.000Z",
          credentialsHash: "0".repeat(64),
        },
      };
    case `${dynamic}ProvisioningStatus`:
      return {
        id: `${sp}/${jobId}`,
        extra: {
          scheduleState: "Active",
          statusCode: "Active",
          lastExecutionState: "",
          lastExecutionTime: "",
          quarantineReason: "",
          quarantineSince: "",
          steadyStateLastAchievedTime: "",
          countSuccessiveCompleteFailures: 0,
          synchronizedEntryCounts: {},
          troubleshootingUrl: "",
        },
      };
    case `${dynamic}AttributeMappings`:
      return {
        id: `${sp}/${jobId}/${String(inputs.objectType)}`,
        extra: { live: [], ruleId: USER_RULE_ID, objectMappingName: "", targetDirectory: "" },
      };
    case `${dynamic}GuardedSynchronizationSecret`:
      return { id: `${sp}/settings`, extra: { otherKeys: [] } };
    case `${dynamic}GoToMeetingUser`: {
      const key = String(7_300_000_000 + counter());
      return { id: key, extra: { userKey: key, created: "2026-11-26T10:00:00Z" } };
    }
    default:
      return { id: `${name}-id`, extra: {} };
  }
}

function invokeResult(token: string, args: PropertyMap, sp: string): PropertyMap {
  switch (token) {
    case "azuread:index/getApplicationTemplate:getApplicationTemplate":
      return {
        ...args,
        id: objectIdFor(`template:${String(args.displayName)}`),
        templateId: objectIdFor(`template:${String(args.displayName)}`),
        homepageUrl: "",
        logoUrl: "",
        publisher: "",
        supportedProvisioningTypes: ["sync"],
        supportedSingleSignOnModes: ["saml"],
        categories: ["collaboration"],
      };
    case "azuread:index/getServicePrincipal:getServicePrincipal":
      return { ...args, id: sp, objectId: sp, clientId: APP_ID, appRoles: APP_ROLES };
    case "azuread:index/getUser:getUser":
      return { ...args, id: "user", objectId: objectIdFor(String(args.userPrincipalName)) };
    case "azuread:index/getGroup:getGroup":
      return { ...args, id: "group", objectId: objectIdFor(String(args.displayName)) };
    default:
      throw new Error(`the fake monitor has no answer for invoke ${token}`);
  }
}

function qualifiedType(parentUrn: string, type: string): string {
  if (!parentUrn) return type;
  const parentType = parentUrn.split("::")[2];
  return parentType === "pulumi:pulumi:Stack" ? type : `${parentType}$${type}`;
}

async function main(): Promise<void> {
  const job = JSON.parse(await readStdin()) as CaptureJob;
  const sp = job.servicePrincipalObjectId ?? DEFAULT_SP;
  const jobId = job.jobId ?? DEFAULT_JOB;
  const registrations: Registration[] = [];
  const invokes: InvokeRecord[] = [];
  let stackOutputs: PropertyMap = {};
  let users = 0;

  const server = new grpc.Server();
  const engine = addEngineService(server);
  // Only "secrets" is on: the engine's other wire features (output values, resource references)
  // change how values are encoded, not what the program registers or what the providers receive.
  const features = new Set(["secrets"]);
  const monitor: resourceRpc.IResourceMonitorServer = {
    supportsFeature(call, callback) {
      const resp = new resourcePb.SupportsFeatureResponse();
      resp.setHassupport(features.has(call.request.getId()));
      callback(null, resp);
    },
    registerResource(call, callback) {
      const req = call.request;
      const type = req.getType();
      const name = req.getName();
      const parent = req.getParent();
      const urn = `urn:pulumi:${job.stack}::${job.project}::${qualifiedType(parent, type)}::${name}`;
      const inputs = fromStruct(req.getObject());
      const custom = req.getCustom();
      const { id, extra, omit } = custom
        ? answer(type, name, inputs, sp, jobId, () => ++users)
        : { id: "", extra: {}, omit: [] };
      const outputs: PropertyMap = job.dryRun ? { ...inputs } : { ...inputs, ...extra };
      for (const key of omit ?? []) delete outputs[key];
      const registration: Registration = {
        type,
        name,
        urn,
        parent,
        custom,
        inputs,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        dependencies: req.getDependenciesList(),
        id: job.dryRun ? "" : id,
        outputs,
      };
      const provider = inputs.__provider;
      if (provider !== undefined) {
        registration.providerSecret = isSecret(provider);
        registration.provider = String(isSecret(provider) ? provider.value : provider);
      }
      registrations.push(registration);
      const resp = new resourcePb.RegisterResourceResponse();
      resp.setUrn(urn);
      resp.setId(registration.id);
      resp.setObject(toStruct(outputs));
      callback(null, resp);
    },
    registerResourceOutputs(call, callback) {
      if (call.request.getUrn() === engine.rootResource()) {
        stackOutputs = fromStruct(call.request.getOutputs());
      }
      callback(null, new Empty());
    },
    invoke(call, callback) {
      const token = call.request.getTok();
      const args = fromStruct(call.request.getArgs());
      invokes.push({ token, args });
      const resp = new providerPb.InvokeResponse();
      try {
        resp.setReturn(toStruct(invokeResult(token, args, sp)));
      } catch (err) {
        const failure = new providerPb.CheckFailure();
        failure.setProperty("");
        failure.setReason((err as Error).message);
        resp.setFailuresList([failure]);
      }
      callback(null, resp);
    },
    registerPackage(_call, callback) {
      callback(null, new resourcePb.RegisterPackageResponse().setRef("fake-package-ref"));
    },
    signalAndWaitForShutdown(_call, callback) {
      callback(null, new Empty());
    },
    getDeploymentInfo(_call, callback) {
      callback({ code: grpc.status.UNIMPLEMENTED, details: "not needed by the capture" }, null);
    },
    call(_call, callback) {
      callback({ code: grpc.status.UNIMPLEMENTED, details: "not needed by the capture" }, null);
    },
    readResource(_call, callback) {
      callback({ code: grpc.status.UNIMPLEMENTED, details: "the program reads no resource" }, null);
    },
    registerStackTransform(_call, callback) {
      callback({ code: grpc.status.UNIMPLEMENTED, details: "transforms are off" }, null);
    },
    registerStackInvokeTransform(_call, callback) {
      callback({ code: grpc.status.UNIMPLEMENTED, details: "transforms are off" }, null);
    },
    registerResourceHook(_call, callback) {
      callback({ code: grpc.status.UNIMPLEMENTED, details: "hooks are off" }, null);
    },
    registerErrorHook(_call, callback) {
      callback({ code: grpc.status.UNIMPLEMENTED, details: "hooks are off" }, null);
    },
  };
  server.addService(resourceRpc.ResourceMonitorService, monitor);
  const address = await bindLoopback(server);

  // The arguments and environment pulumi-language-nodejs gives the program (Pulumi.yaml's `main:
  // index.ts` names the entry point; package.json's `exports` are the library's, not the program's).
  const args = [
    require.resolve("@pulumi/pulumi/cmd/run", { paths: [job.root] }),
    `--monitor=${address}`,
    `--engine=${address}`,
    `--project=${job.project}`,
    `--stack=${job.stack}`,
    `--pwd=${job.root}`,
    `--root-directory=${job.root}`,
    "--parallel=16",
    ...(job.dryRun ? ["--dry-run"] : []),
    "index.ts",
  ];
  const child = spawn(process.execPath, args, {
    cwd: job.root,
    env: cleanEnv({
      PULUMI_CONFIG: JSON.stringify(job.config),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(job.secretKeys),
      // Pulumi.yaml's `runtime.options.typescript: true`.
      PULUMI_NODEJS_TYPESCRIPT: "true",
      // Type checking is `npm run typecheck`'s job; here it would only add seconds per run.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  await shutdown(server);

  const result: CaptureResult = {
    registrations,
    invokes,
    logs: engine.logs,
    stackOutputs,
    exitCode,
    stdout,
    stderr,
  };
  process.stdout.write(JSON.stringify(result));
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
