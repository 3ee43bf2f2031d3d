// Starts the process the Pulumi engine starts for dynamic resources — Pulumi's own
// `node node_modules/@pulumi/pulumi/cmd/dynamic-provider <engine address>` (what the
// pulumi-resource-pulumi-nodejs plugin script runs) — and drives it over gRPC the way the engine does.
//
// What the engine does, and this driver copies (pulumi/pulumi sdk/go/common/resource/plugin/
// provider_plugin.go and pkg/resource/deploy/target.go):
// - the plugin runs in the project directory with the engine address as its only argument, and
//   PULUMI_NODEJS_PROJECT, PULUMI_PROJECT, PULUMI_CONFIG and PULUMI_RUNTIME_<option> in its
//   environment; it prints its port on stdout, and whatever else it prints is relayed to the user;
// - Configure gets the whole stack config with namespaced keys ("gotomeeting-provisioning:graphApiUrl"),
//   secret values wrapped in the secret envelope;
// - Configure's answer says whether the provider accepts secrets (the Node host says no), so every
//   later call gets plain values, and the engine copies the secretness of inputs onto same-named
//   outputs (annotateSecrets) and applies additionalSecretOutputs before storing them;
// - unknown values reach Check and Diff only during a preview.
import { ChildProcess, spawn } from "node:child_process";
import * as readline from "node:readline";
import * as grpc from "@grpc/grpc-js";
import * as providerRpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { PROJECT, ROOT, cleanEnv } from "./captureClient";
import {
  EngineLogEntry,
  FakeEngine,
  PropertyMap,
  addEngineService,
  annotateSecrets,
  bindLoopback,
  containsUnknowns,
  fromStruct,
  markSecret,
  secret,
  shutdown,
  stripSecrets,
  toStruct,
} from "./engineService";

export interface HostOptions {
  stack: string;
  /** The stack's config map, decrypted ("project:key" → text). */
  config: Record<string, string>;
  /** Fully qualified keys whose values are secrets. */
  secretKeys: string[];
}

/** A line the plugin printed after its port: the engine shows these to the user. */
export interface OutputLine {
  stream: "stdout" | "stderr";
  text: string;
}

/** A failed call as the engine sees it: the gRPC status and its details (the provider's message). */
export class ProviderCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly details: string,
  ) {
    super(`${method} failed with gRPC status ${code}: ${details}`);
    this.name = "ProviderCallError";
  }
}

export interface CheckResult {
  /** Checked inputs, secrets re-annotated from the news. */
  inputs: PropertyMap;
  failures: { property: string; reason: string }[];
}

export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export interface ReadResult {
  /** "" when the provider reports the resource gone. */
  id: string;
  outputs: PropertyMap;
  inputs: PropertyMap;
}

const CHANGES: Record<number, DiffResult["changes"]> = {
  [providerPb.DiffResponse.DiffChanges.DIFF_UNKNOWN]: "unknown",
  [providerPb.DiffResponse.DiffChanges.DIFF_NONE]: "none",
  [providerPb.DiffResponse.DiffChanges.DIFF_SOME]: "some",
};

type Unary<Req, Res> = (
  request: Req,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

export class ProviderHost {
  /** Messages the plugin sent to the Engine service's Log. */
  readonly logs: EngineLogEntry[];
  private acceptSecrets = false;

  private constructor(
    private readonly options: HostOptions,
    /** What the plugin printed after its port (stdout and stderr), line by line. */
    readonly output: OutputLine[],
    private readonly child: ChildProcess,
    private readonly client: providerRpc.ResourceProviderClient,
    private readonly engineServer: grpc.Server,
    engine: FakeEngine,
    private readonly exited: Promise<number | null>,
  ) {
    this.logs = engine.logs;
  }

  static async start(options: HostOptions): Promise<ProviderHost> {
    const server = new grpc.Server();
    const engine = addEngineService(server);
    const engineAddress = await bindLoopback(server);
    const child = spawn(
      process.execPath,
      ["node_modules/@pulumi/pulumi/cmd/dynamic-provider", engineAddress],
      {
        cwd: ROOT,
        env: cleanEnv({
          PULUMI_NODEJS_PROJECT: PROJECT,
          PULUMI_PROJECT: PROJECT,
          PULUMI_CONFIG: JSON.stringify(options.config),
          PULUMI_RUNTIME_TYPESCRIPT: "true",
        }),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const output: OutputLine[] = [];
    const port = await new Promise<string>((resolve, reject) => {
      let seenPort = false;
      readline.createInterface({ input: child.stdout! }).on("line", (text) => {
        if (!seenPort) {
          seenPort = true;
          resolve(text.trim());
        } else {
          output.push({ stream: "stdout", text });
        }
      });
      readline
        .createInterface({ input: child.stderr! })
        .on("line", (text) => output.push({ stream: "stderr", text }));
      child.on("error", reject);
      void exited.then((code) => {
        if (!seenPort) {
          reject(
            new Error(
              `the dynamic provider host exited with ${code} before printing its port:\n` +
                output.map((l) => l.text).join("\n"),
            ),
          );
        }
      });
    });
    if (!/^\d+$/.test(port)) {
      child.kill();
      throw new Error(`the dynamic provider host printed "${port}" instead of its port`);
    }
    const client = new providerRpc.ResourceProviderClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    return new ProviderHost(options, output, child, client, server, engine, exited);
  }

  /** The default pulumi-nodejs provider's URN for this stack, as the engine names it. */
  get providerUrn(): string {
    return `urn:pulumi:${this.options.stack}::${PROJECT}::pulumi:providers:pulumi-nodejs::default`;
  }

  async configure(): Promise<{ acceptSecrets: boolean; supportsPreview: boolean }> {
    const args: PropertyMap = {};
    const req = new providerPb.ConfigureRequest();
    for (const [key, value] of Object.entries(this.options.config)) {
      const isSecretKey = this.options.secretKeys.includes(key);
      args[key] = isSecretKey ? secret(value) : value;
      req.getVariablesMap().set(`pulumi-nodejs:config:${key}`, value);
    }
    req.setArgs(toStruct(args));
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    req.setSendsOldInputs(true);
    req.setSendsOldInputsToDelete(true);
    req.setUrn(this.providerUrn);
    req.setName("default");
    req.setType("pulumi:providers:pulumi-nodejs");
    req.setId("00000000-0000-4000-8000-000000000001");
    const resp = await this.call<providerPb.ConfigureRequest, providerPb.ConfigureResponse>(
      "Configure",
      this.client.configure,
      req,
    );
    this.acceptSecrets = resp.getAcceptsecrets();
    return { acceptSecrets: resp.getAcceptsecrets(), supportsPreview: resp.getSupportspreview() };
  }

  async check(
    urn: string,
    olds: PropertyMap,
    news: PropertyMap,
    opts: { preview?: boolean } = {},
  ): Promise<CheckResult> {
    const req = new providerPb.CheckRequest();
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setOlds(this.marshal("Check", olds, opts.preview ?? false));
    req.setNews(this.marshal("Check", news, opts.preview ?? false));
    const resp = await this.call<providerPb.CheckRequest, providerPb.CheckResponse>(
      "Check",
      this.client.check,
      req,
    );
    return {
      inputs: annotateSecrets(fromStruct(resp.getInputs()), news),
      failures: resp
        .getFailuresList()
        .map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(
    urn: string,
    id: string,
    olds: PropertyMap,
    news: PropertyMap,
    oldInputs: PropertyMap,
  ): Promise<DiffResult> {
    const req = new providerPb.DiffRequest();
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setId(id);
    req.setOlds(this.marshal("Diff", olds, true));
    req.setNews(this.marshal("Diff", news, true));
    req.setOldInputs(this.marshal("Diff", oldInputs, true));
    const resp = await this.call<providerPb.DiffRequest, providerPb.DiffResponse>(
      "Diff",
      this.client.diff,
      req,
    );
    return {
      changes: CHANGES[resp.getChanges()] ?? "unknown",
      replaces: resp.getReplacesList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
    };
  }

  async create(
    urn: string,
    inputs: PropertyMap,
    additionalSecretOutputs: readonly string[] = [],
  ): Promise<{ id: string; outputs: PropertyMap }> {
    const req = new providerPb.CreateRequest();
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setProperties(this.marshal("Create", inputs, false));
    req.setPreview(false);
    const resp = await this.call<providerPb.CreateRequest, providerPb.CreateResponse>(
      "Create",
      this.client.create,
      req,
    );
    const outputs = markSecret(
      annotateSecrets(fromStruct(resp.getProperties()), inputs),
      additionalSecretOutputs,
    );
    return { id: resp.getId(), outputs };
  }

  async read(
    urn: string,
    id: string,
    state: PropertyMap,
    inputs: PropertyMap,
    additionalSecretOutputs: readonly string[] = [],
  ): Promise<ReadResult> {
    const req = new providerPb.ReadRequest();
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setId(id);
    req.setProperties(this.marshal("Read", state, false));
    req.setInputs(this.marshal("Read", inputs, false));
    const resp = await this.call<providerPb.ReadRequest, providerPb.ReadResponse>(
      "Read",
      this.client.read,
      req,
    );
    return {
      id: resp.getId(),
      outputs: markSecret(
        annotateSecrets(fromStruct(resp.getProperties()), state),
        additionalSecretOutputs,
      ),
      inputs: annotateSecrets(fromStruct(resp.getInputs()), inputs),
    };
  }

  async update(
    urn: string,
    id: string,
    olds: PropertyMap,
    news: PropertyMap,
    oldInputs: PropertyMap,
    additionalSecretOutputs: readonly string[] = [],
  ): Promise<{ outputs: PropertyMap }> {
    const req = new providerPb.UpdateRequest();
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setId(id);
    req.setOlds(this.marshal("Update", olds, false));
    req.setNews(this.marshal("Update", news, false));
    req.setOldInputs(this.marshal("Update", oldInputs, false));
    req.setPreview(false);
    const resp = await this.call<providerPb.UpdateRequest, providerPb.UpdateResponse>(
      "Update",
      this.client.update,
      req,
    );
    return {
      outputs: markSecret(
        annotateSecrets(fromStruct(resp.getProperties()), news),
        additionalSecretOutputs,
      ),
    };
  }

  async delete(urn: string, id: string, state: PropertyMap, oldInputs: PropertyMap): Promise<void> {
    const req = new providerPb.DeleteRequest();
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setId(id);
    req.setProperties(this.marshal("Delete", state, false));
    req.setOldInputs(this.marshal("Delete", oldInputs, false));
    await this.call("Delete", this.client.delete, req);
  }

  /** Ends the plugin (the process this driver started) and the Engine service. */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    await this.exited;
    await shutdown(this.engineServer);
  }

  /** Properties as the engine marshals them for this provider. */
  private marshal(method: string, props: PropertyMap, keepUnknowns: boolean) {
    if (!keepUnknowns && containsUnknowns(props)) {
      throw new Error(`${method}: the engine never sends unknown values outside a preview`);
    }
    return toStruct(this.acceptSecrets ? props : (stripSecrets(props) as PropertyMap));
  }

  private call<Req, Res>(method: string, fn: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      fn.call(this.client, req, (err, resp) => {
        if (err) reject(new ProviderCallError(method, err.code, err.details));
        else resolve(resp);
      });
    });
  }
}

function typeOf(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? "";
}

function nameOf(urn: string): string {
  return urn.split("::").slice(3).join("::");
}
