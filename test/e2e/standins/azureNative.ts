// Stand-in for the azure-native resource plugin, for the real-engine tests only. It knows the four
// monitoring resources this program declares and keeps them in a JSON file (E2E_AZURE_STORE) with
// ARM-shaped ids; it auto-names like azure-native (logical name + 8 random hex characters, kept once
// chosen) and echoes the inputs as outputs. It proves nothing about Azure: not that ARM accepts these
// inputs, not the API versions, not the alert query. See tools/pulumi-cli/README.md.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { main, type Provider } from "@pulumi/pulumi/provider";
import { changedInputs, log, nameOf, reveal, typeOf } from "./common";

const PLUGIN = "azure-native";
/** The version @pulumi/azure-native asks the engine for (its package.json "pulumi.version"). */
const VERSION = process.env.E2E_AZURE_NATIVE_VERSION ?? "3.28.0";
/** guess: a fixed subscription for every id; the stand-in has no Azure account. */
const SUBSCRIPTION = process.env.E2E_AZURE_SUBSCRIPTION ?? "00000000-0000-4000-8000-00000000a2e0";

type Props = Record<string, unknown>;

interface Kind {
  /** The auto-named input property (azure-native's naming convention for the resource). */
  nameProperty: string;
  /** ARM id from the inputs and the resource name. */
  id(inputs: Props, name: string): string;
  armType: string;
  /** Inputs whose change replaces the resource (the path parameters). */
  replaceOn: readonly string[];
  required: readonly string[];
  computed(inputs: Props, name: string): Props;
}

const rgPath = (i: Props) =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${String(i.resourceGroupName)}`;

const KINDS: Record<string, Kind> = {
  "azure-native:operationalinsights:Workspace": {
    nameProperty: "workspaceName",
    armType: "Microsoft.OperationalInsights/workspaces",
    id: (i, n) => `${rgPath(i)}/providers/Microsoft.OperationalInsights/workspaces/${n}`,
    replaceOn: ["resourceGroupName", "workspaceName", "location"],
    required: ["resourceGroupName"],
    computed: (_i, n) => ({
      customerId: uuidFrom(`workspace:${n}`),
      provisioningState: "Succeeded",
    }),
  },
  "azure-native:aadiam:DiagnosticSetting": {
    nameProperty: "name",
    armType: "microsoft.aadiam/diagnosticSettings",
    id: (_i, n) => `/providers/microsoft.aadiam/diagnosticSettings/${n}`,
    replaceOn: ["name"],
    required: [],
    computed: () => ({}),
  },
  "azure-native:monitor:ActionGroup": {
    nameProperty: "actionGroupName",
    armType: "Microsoft.Insights/actionGroups",
    id: (i, n) => `${rgPath(i)}/providers/Microsoft.Insights/actionGroups/${n}`,
    replaceOn: ["resourceGroupName", "actionGroupName"],
    required: ["resourceGroupName", "groupShortName", "enabled"],
    computed: () => ({}),
  },
  "azure-native:monitor:ScheduledQueryRule": {
    nameProperty: "ruleName",
    armType: "Microsoft.Insights/scheduledQueryRules",
    id: (i, n) => `${rgPath(i)}/providers/Microsoft.Insights/scheduledQueryRules/${n}`,
    replaceOn: ["resourceGroupName", "ruleName", "location"],
    required: ["resourceGroupName", "criteria", "scopes"],
    computed: () => ({ isWorkspaceAlertsStorageConfigured: false }),
  },
};

function uuidFrom(seed: string): string {
  const h = crypto.createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function kind(urn: string): Kind {
  const k = KINDS[typeOf(urn)];
  if (!k) {
    throw new Error(
      `azure-native stand-in: resource type ${typeOf(urn)} is not implemented (it answers ${Object.keys(KINDS).join(", ")})`,
    );
  }
  return k;
}

// ---- the store ------------------------------------------------------------------------------------

interface Stored {
  type: string;
  urn: string;
  inputs: Props;
  outputs: Props;
}

function storeFile(): string {
  const file = process.env.E2E_AZURE_STORE;
  if (!file)
    throw new Error(
      "azure-native stand-in: E2E_AZURE_STORE (a JSON file path) must be set on the pulumi process",
    );
  return file;
}

function load(): Record<string, Stored> {
  try {
    return JSON.parse(fs.readFileSync(storeFile(), "utf8")) as Record<string, Stored>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
}

function save(all: Record<string, Stored>): void {
  const file = storeFile();
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(all, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/** Every input the program sent, as the resource's outputs: ARM echoes its properties back. */
function outputsFor(k: Kind, inputs: Props, name: string): Props {
  const id = k.id(inputs, name);
  return {
    ...inputs,
    ...k.computed(inputs, name),
    id,
    name,
    type: k.armType,
    azureApiVersion: "stand-in",
  };
}

const provider: Provider = {
  version: VERSION,

  async check(urn, olds, news) {
    const k = kind(urn);
    const inputs = { ...(news as Props) };
    // Auto-naming: keep the name chosen before, else logical name + 8 random hex characters.
    if (inputs[k.nameProperty] === undefined) {
      const previous = (olds as Props | undefined)?.[k.nameProperty];
      inputs[k.nameProperty] =
        typeof previous === "string"
          ? previous
          : `${nameOf(urn)}${crypto.randomBytes(4).toString("hex")}`;
    }
    const failures = k.required
      .filter((p) => inputs[p] === undefined || inputs[p] === null || inputs[p] === "")
      .map((p) => ({ property: p, reason: `missing required property '${p}'` }));
    if (typeOf(urn) === "azure-native:monitor:ActionGroup") {
      const short = inputs.groupShortName;
      if (typeof short === "string" && (short.length < 1 || short.length > 12)) {
        failures.push({ property: "groupShortName", reason: "must be 1 to 12 characters" });
      }
    }
    log(
      PLUGIN,
      `check ${nameOf(urn)}${failures.length ? ` failures=${JSON.stringify(failures)}` : ""}`,
    );
    return { inputs, failures };
  },

  async diff(_id, urn, olds, news) {
    const k = kind(urn);
    const o = olds as Props;
    const n = news as Props;
    const keys = [
      ...new Set([...Object.keys(n), ...Object.keys((o.__inputs as Props | undefined) ?? {})]),
    ];
    const changed = changedInputs((o.__inputs as Props | undefined) ?? o, n, keys);
    const replaces = changed.filter((p) => k.replaceOn.includes(p));
    log(
      PLUGIN,
      `diff ${nameOf(urn)} changed=[${changed.join(",")}] replaces=[${replaces.join(",")}]`,
    );
    return { changes: changed.length > 0, replaces };
  },

  async create(urn, inputs) {
    const k = kind(urn);
    const i = inputs as Props;
    const name = String(i[k.nameProperty]);
    const outs = outputsFor(k, i, name);
    const id = String(outs.id);
    const all = load();
    if (all[id]) throw new Error(`azure-native stand-in: ${id} already exists`);
    all[id] = {
      type: typeOf(urn),
      urn,
      inputs: reveal(i) as Props,
      outputs: reveal(outs) as Props,
    };
    save(all);
    log(PLUGIN, `create ${nameOf(urn)} -> ${id}`);
    return { id, outs: { ...outs, __inputs: i } };
  },

  async read(id, urn, props) {
    const stored = load()[id];
    log(PLUGIN, `read ${nameOf(urn)} ${id}${stored ? "" : " (gone)"}`);
    if (!stored) return { id: "", props: {} };
    const inputs = ((props as Props | undefined)?.__inputs as Props | undefined) ?? stored.inputs;
    return { id, props: { ...stored.outputs, __inputs: inputs }, inputs };
  },

  async update(id, urn, _olds, news) {
    const k = kind(urn);
    const n = news as Props;
    const all = load();
    const stored = all[id];
    if (!stored) throw new Error(`azure-native stand-in: ${id} does not exist`);
    const outs = outputsFor(k, n, String(n[k.nameProperty]));
    all[id] = { ...stored, inputs: reveal(n) as Props, outputs: reveal(outs) as Props };
    save(all);
    log(PLUGIN, `update ${nameOf(urn)} ${id}`);
    return { outs: { ...outs, __inputs: n } };
  },

  async delete(id, urn) {
    const all = load();
    delete all[id];
    save(all);
    log(PLUGIN, `delete ${nameOf(urn)} ${id}`);
  },

  async invoke(token) {
    throw new Error(`azure-native stand-in: unsupported invoke ${token}`);
  },
};

main(provider, process.argv.slice(2)).catch((err: unknown) => {
  log(PLUGIN, `fatal: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
