/**
 * The synthesis harness: run the real program under Pulumi's mocks and record every resource it
 * declares, with its inputs and resource options. The offline plan (`npm run plan`), the benchmark
 * and the tests all use this one function, so what the tests check is what the plan shows.
 */
import * as pulumi from "@pulumi/pulumi";
import { createPlatform, PROJECT_ROOT } from "../../stacks/program";
import { PROJECT } from "../../stacks/config";
import { mockCall, mockId, mockState, type MockContext } from "./mock-state";
import { readStackFile } from "./stack-file";

export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource (the stack for top-level components). */
  parent?: string;
  custom: boolean;
  /** Inputs as the engine received them; secret values are wrapped (see `isSecretValue`). */
  inputs: Record<string, unknown>;
  /** Resource options the engine would act on: data protection, explicit dependencies, `deletedWith` (a URN) when set, the names (or URNs) it answers to besides its own, and the explicit provider. */
  options: { protect: boolean; retainOnDelete: boolean; dependencies: string[]; deletedWith?: string; aliases: string[]; provider?: string };
}

export interface Plan {
  project: string;
  stack: string;
  resources: PlannedResource[];
  /** Stack outputs; secret values are replaced by "[secret]". */
  outputs: Record<string, unknown>;
}

export interface SynthOptions {
  stack: string;
  /** Project root holding the stack file and `pipelines/`; this checkout by default. */
  root?: string;
  /** Config map to use instead of reading `Pulumi.<stack>.yaml`. */
  config?: Record<string, string>;
  secretKeys?: string[];
  /**
   * Plan as `pulumi preview` would (the default: the offline plan stands for a preview), or as
   * `pulumi up` when false (rules that only bind an update, like a prod `up` with unpinned images).
   */
  preview?: boolean;
  /** The program to run; the real one by default (benchmarks pass a bare baseline). */
  program?: () => Promise<Record<string, unknown>>;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretValue(v: unknown): v is { value: unknown } {
  return !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE;
}

/** Replace secret values by `mask` (default "[secret]"); pass `unwrap` to get the values instead. */
export function maskSecrets(v: unknown, unwrap = false): unknown {
  if (isSecretValue(v)) return unwrap ? maskSecrets(v.value, true) : "[secret]";
  if (Array.isArray(v)) return v.map((x) => maskSecrets(x, unwrap));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskSecrets(x, unwrap)]));
  return v;
}

interface Registration {
  urn: string;
  parent: string;
  options: PlannedResource["options"];
}

// The mock monitor hands `newResource` no URN, parent or resource options; capture them from the
// registration request, which the monitor turns into the `newResource` call synchronously.
let current: Registration | undefined;
let patched = false;
function patchMonitor(): void {
  if (patched) return;
  patched = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
  const original = MockMonitor.prototype.registerResource;
  MockMonitor.prototype.registerResource = function (req: any, callback: unknown) {
    current = {
      urn: this.newUrn(req.getParent(), req.getType(), req.getName()),
      parent: req.getParent(),
      options: {
        protect: !!req.getProtect(),
        retainOnDelete: !!req.getRetainondelete(),
        dependencies: req.getDependenciesList(),
        ...(req.getDeletedwith() ? { deletedWith: req.getDeletedwith() as string } : {}),
        aliases: req.getAliasesList().map((a: any) => a.getUrn() || a.getSpec()?.getName() || ""),
        // The explicit provider (`<provider urn>::<id>`), when the resource names one.
        ...(req.getProvider() ? { provider: req.getProvider() } : {}),
      },
    };
    return original.call(this, req, callback);
  };
}

/** Run the program for `stack` under mocks; resolve when every resource has been registered. */
export async function synthesize(opts: SynthOptions): Promise<Plan> {
  patchMonitor();
  const fromFile = opts.config ? { config: opts.config, secretKeys: opts.secretKeys ?? [] } : readStackFile(opts.root ?? PROJECT_ROOT, opts.stack);
  const ctx = mockContext(fromFile.config);
  const resources: PlannedResource[] = [];

  await (pulumi.runtime as any).waitForRPCs?.();
  pulumi.runtime.setAllConfig(fromFile.config, fromFile.secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(a) {
        const r = current;
        current = undefined;
        // Only registrations reach here: the program reads no existing resources (`.get`).
        if (!r) throw new Error(`synthesize: ${a.type}::${a.name} was not registered through registerResource`);
        resources.push({ urn: r.urn, type: a.type, name: a.name, parent: r.parent || undefined, custom: a.custom ?? true, inputs: a.inputs, options: r.options });
        return { id: a.custom ? mockId(a) : undefined, state: mockState(a, ctx) };
      },
      call: (a) => mockCall(a, ctx),
    },
    PROJECT,
    opts.stack,
    opts.preview ?? true,
  );

  let raw: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    raw = await (opts.program ? opts.program() : createPlatform(opts.root ?? PROJECT_ROOT));
    return raw;
  });
  await (pulumi.runtime as any).waitForRPCs?.();
  const outputs = (await resolveMasked(raw)) as Record<string, unknown>;
  // The stack resource itself is bookkeeping, not something the platform declares.
  return { project: PROJECT, stack: opts.stack, resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), outputs };
}

/** Await every Output in a value; secrets become "[secret]", unknowns (preview) "[unknown]". */
async function resolveMasked(v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) {
    if (await pulumi.isSecret(v)) return "[secret]";
    const inner = await (v as any).promise();
    return inner === undefined ? "[unknown]" : resolveMasked(inner);
  }
  if (v instanceof Promise) return resolveMasked(await v);
  if (Array.isArray(v)) return Promise.all(v.map(resolveMasked));
  if (v && typeof v === "object") {
    const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolveMasked(x)] as const));
    return Object.fromEntries(entries);
  }
  return v;
}

function mockContext(config: Record<string, string>): MockContext {
  const ns = (k: string) => config[`${PROJECT}:${k}`];
  const json = (k: string) => {
    try {
      return JSON.parse(ns(k) ?? "{}");
    } catch {
      return {};
    }
  };
  return {
    gcpProject: json("gcp").project ?? config["gcp:project"] ?? "mock-project",
    awsAccount: json("aws").accountId ?? "123456789012",
    region: ns("region") ?? "mock-region",
  };
}
