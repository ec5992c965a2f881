/**
 * Parse, validate and normalize: stack config + pipeline files → one typed PlatformConfig, or a
 * ConfigError listing every problem in every file. Pure (no Pulumi calls), so tests, the offline
 * plan, the local runner and the real program all share it.
 */
import * as fs from "fs";
import * as path from "path";
import { Namer } from "../components/naming";
import { checkSnowflakeNames } from "../components/warehouse/model";
import { FIVETRAN_IPS_DOCS } from "../components/fivetran/regions";
import { cloudRunSizeProblem } from "../components/cloud/gcp/limits";
import type { JobSize, PipelineConfig, PlatformConfig } from "../components/types";
import { PROJECT, SECRET_STACK_KEYS, stackConfigSchema, type StackConfig } from "./config";
import { evaluateSelection, freshManifest } from "./dbt-selection";
import { ConfigError, describeFound, type ConfigIssue } from "./errors";
import { pipelineSpecSchema, type PipelineSpec } from "./pipeline-spec";
import { YamlFile } from "./yaml-file";

const PIPELINES_DIR = "pipelines";

/** Secret values from stack config, kept apart from PlatformConfig so they never travel as plain inputs. */
export interface StackSecrets {
  fivetranApiKey?: string;
  fivetranApiSecret?: string;
  /** pipeline → secret name → value */
  pipelineSecrets: Record<string, Record<string, string>>;
  /** The deployer's Snowflake credentials (`snowflake:privateKey`, ...), for the warehouse's providers. */
  snowflakeCredentials: Record<string, string>;
}

export interface LoadOptions {
  /** Project root: holds `Pulumi.<stack>.yaml` and `pipelines/`. */
  root: string;
  stack: string;
  /**
   * Config as the Pulumi engine hands it to a program (`pulumi.runtime.allConfig()`): `namespace:key`
   * → string, objects as JSON. The stack file, when present, is used only to point errors at lines.
   */
  config: Record<string, string>;
}

export interface Loaded {
  config: PlatformConfig;
  secrets: StackSecrets;
}

export function loadPlatformConfig(opts: LoadOptions): Loaded {
  const issues: ConfigIssue[] = [];
  const stackFileName = `Pulumi.${opts.stack}.yaml`;
  const stackFilePath = path.join(opts.root, stackFileName);
  const stackFile = fs.existsSync(stackFilePath) ? YamlFile.read(opts.root, stackFileName) : new YamlFile(stackFileName, "config: {}\n");

  // Zod paths start at the key inside the namespace; in the file that key is `config: data-platform:<key>`.
  const raw = namespaceConfig(opts.config, PROJECT);
  const stack = stackFile.validate(stackConfigSchema, raw, (p) => ({
    keys: p.length ? ["config", `${PROJECT}:${String(p[0])}`, ...p.slice(1)] : ["config"],
    display: `${PROJECT}:${p.join(".")}`,
  }));
  issues.push(...stackFile.issues);

  const { specs, issues: pipelineIssues } = readPipelines(opts.root);
  issues.push(...pipelineIssues);

  if (stack) {
    const environments = knownEnvironments(opts.root, stack.environment);
    for (const spec of specs.values()) issues.push(...crossCheck(stack, stackFile, spec, environments));
    if (stack.cloud === "gcp") issues.push(...cloudRunSizeIssues(stack, stackFile, specs));
    issues.push(...nameChecks(stack, specs, stackFile));
    issues.push(...fivetranNetworkIssues(stack, stackFile, specs));
    issues.push(...selectionChecks(opts.root, stack, specs));
  }
  const snowflake = snowflakeConnection(opts.config, stackFile);
  issues.push(...snowflake.issues);
  if (issues.length || !stack) throw new ConfigError(issues);

  const pipelines = [...specs.entries()]
    .map(([file, spec]) => normalizePipeline(stack, file, spec.value))
    .filter((p): p is PipelineConfig => p !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));

  const { fivetranApiKey, fivetranApiSecret, pipelineSecrets, ...plain } = stack;
  return {
    config: {
      ...plain,
      project: PROJECT,
      stack: opts.stack,
      production: stack.environment === "prod",
      destroyableData: !stack.protect && stack.allowDataDestroy && stack.environment !== "prod",
      warehouse: { ...stack.warehouse, objectPrefix: objectPrefix(stack) },
      fivetran: { ...stack.fivetran, groupName: stack.fivetran.groupName ?? `${stack.prefix}_${stack.environment}` },
      pipelines,
      snowflakeProvider: snowflake.settings,
    },
    secrets: { fivetranApiKey, fivetranApiSecret, pipelineSecrets, snowflakeCredentials: snowflake.credentials },
  };
}

/** Turn `data-platform:key` → string entries into an object, parsing JSON objects and scalars. */
function namespaceConfig(config: Record<string, string>, namespace: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    const [ns, key] = k.includes(":") ? [k.slice(0, k.indexOf(":")), k.slice(k.indexOf(":") + 1)] : [namespace, k];
    if (ns !== namespace) continue;
    out[key] = (SECRET_STACK_KEYS as readonly string[]).includes(key) && !/^[{[]/.test(v) ? v : parseScalar(v);
  }
  return out;
}

/** Provider settings that are credentials: kept out of PlatformConfig and handed over as secrets. */
const SNOWFLAKE_CREDENTIAL_KEYS = ["privateKey", "privateKeyPassphrase", "password", "token", "passcode"];

/**
 * The stack's `snowflake:*` provider settings, split into plain settings and credentials, for the
 * warehouse's explicit providers (explicit providers do not read stack config themselves). `role` is
 * refused: the warehouse picks the role per object type (components/warehouse/model.ts, OBJECT_ADMIN_ROLE).
 */
function snowflakeConnection(
  config: Record<string, string>,
  stackFile: YamlFile,
): { settings: Record<string, unknown>; credentials: Record<string, string>; issues: ConfigIssue[] } {
  const settings: Record<string, unknown> = {};
  const credentials: Record<string, string> = {};
  const issues: ConfigIssue[] = [];
  for (const [k, v] of Object.entries(config)) {
    if (!k.startsWith("snowflake:")) continue;
    const key = k.slice("snowflake:".length);
    if (key === "role") {
      issues.push(
        stackFile.issue(
          ["config", k],
          'no snowflake:role: the warehouse creates each object with the system role Snowflake recommends for it (components/warehouse/README.md, "The deployer\'s roles")',
          describeFound(v),
          false,
          k,
        ),
      );
    } else if (SNOWFLAKE_CREDENTIAL_KEYS.includes(key)) credentials[key] = v;
    else settings[key] = parseScalar(v);
  }
  return { settings, credentials, issues };
}

function parseScalar(v: string): unknown {
  if (/^[{[]/.test(v) || v === "true" || v === "false" || /^-?\d+(\.\d+)?$/.test(v)) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

interface ParsedSpec {
  file: YamlFile;
  value: PipelineSpec;
}

function readPipelines(root: string): { specs: Map<string, ParsedSpec>; issues: ConfigIssue[] } {
  const dir = path.join(root, PIPELINES_DIR);
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];
  const specs = new Map<string, ParsedSpec>();
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const file = YamlFile.read(root, `${PIPELINES_DIR}/${f}`);
    const value = file.issues.length ? undefined : file.validate(pipelineSpecSchema);
    issues.push(...file.issues);
    if (!value) continue;
    const base = f.replace(/\.ya?ml$/, "");
    if (value.name !== base)
      issues.push(file.issue(["name"], `the file name without .yaml ("${base}"), so each pipeline lives in pipelines/<name>.yaml`, describeFound(value.name)));
    const other = seen.get(value.name);
    if (other) issues.push(file.issue(["name"], `a pipeline name not used by another file (${other} has it)`, describeFound(value.name)));
    seen.set(value.name, file.file);
    specs.set(file.file, { file, value });
  }
  issues.push(...renameIssues(specs));
  return { specs, issues };
}

/**
 * `renamedFrom` adopts the old name's resources: it must name something other than itself, no pipeline
 * that still exists under that name, and no other pipeline's old name (two cannot adopt one set).
 */
function renameIssues(specs: Map<string, ParsedSpec>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const current = new Set([...specs.values()].map((s) => s.value.name));
  const claimed = new Map<string, string>();
  for (const { file, value } of specs.values()) {
    const old = value.renamedFrom;
    if (old === undefined) continue;
    if (old === value.name) issues.push(file.issue(["renamedFrom"], "the pipeline's previous name, not its current one", describeFound(old)));
    else if (current.has(old)) issues.push(file.issue(["renamedFrom"], `the name of no existing pipeline (pipelines/${old}.yaml still has it)`, describeFound(old)));
    const other = claimed.get(old);
    if (other) issues.push(file.issue(["renamedFrom"], `an old name no other pipeline claims (${other} renames from it too)`, describeFound(old)));
    claimed.set(old, file.file);
  }
  return issues;
}

/** Snowflake object prefix: explicit, or `<ENVIRONMENT>_` so several environments can share one account. */
function objectPrefix(stack: StackConfig): string {
  return stack.warehouse.objectPrefix ?? `${stack.environment.toUpperCase()}_`;
}

/** Environments of every stack file in the project, so a misspelt override key is caught. */
function knownEnvironments(root: string, current: string): Set<string> {
  const found = new Set([current]);
  for (const f of fs.readdirSync(root).filter((x) => /^Pulumi\..+\.yaml$/.test(x))) {
    const env = /^\s*data-platform:environment:\s*["']?([a-z][a-z0-9]*)/m.exec(fs.readFileSync(path.join(root, f), "utf8"));
    if (env) found.add(env[1]);
  }
  return found;
}

/** Checks that need both files: environment overrides and secrets against the stack. */
function crossCheck(stack: StackConfig, stackFile: YamlFile, spec: ParsedSpec, environments: Set<string>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const p = spec.value;
  for (const env of Object.keys(p.environments)) {
    if (!environments.has(env)) {
      issues.push(spec.file.issue(["environments", env], `an environment of a stack file (${[...environments].sort().join(", ")})`, `"${env}"`, true));
    }
  }
  const known = new Set(collectSecrets(p.source));
  for (const name of Object.keys(stack.pipelineSecrets[p.name] ?? {})) {
    if (!known.has(name)) {
      const keys = ["config", `${PROJECT}:pipelineSecrets`, p.name, name];
      issues.push(
        stackFile.issue(keys, `a secret the pipeline's source refers to (${[...known].join(", ") || "none"})`, `"${name}"`, true, `${PROJECT}:pipelineSecrets.${p.name}.${name}`),
      );
    }
  }
  return issues;
}

/**
 * With network policies on (allowedIpRanges), the Fivetran user admits only fivetranIpRanges: a stack
 * that runs Fivetran pipelines without them would lock Fivetran out of its own destination.
 */
function fivetranNetworkIssues(stack: StackConfig, stackFile: YamlFile, specs: Map<string, ParsedSpec>): ConfigIssue[] {
  const w = stack.warehouse;
  if (!w.allowedIpRanges.length || w.fivetranIpRanges.length) return [];
  const fivetran = [...specs.values()]
    .map((s) => s.value)
    .filter((p) => p.source.type === "fivetran" && p.environments[stack.environment]?.enabled !== false)
    .map((p) => p.name)
    .sort();
  if (!fivetran.length) return [];
  return [
    stackFile.issue(
      ["config", `${PROJECT}:warehouse`, "fivetranIpRanges"],
      `warehouse.fivetranIpRanges: Fivetran's IP ranges for region ${stack.fivetran.region} (${FIVETRAN_IPS_DOCS}), because allowedIpRanges switches network policies on and ${fivetran.join(", ")} load${fivetran.length === 1 ? "s" : ""} through Fivetran`,
      "no fivetranIpRanges",
      false,
      `${PROJECT}:warehouse.fivetranIpRanges`,
    ),
  ];
}

/**
 * Each pipeline's dbt selection must select something. Checked where a manifest of the dbt project,
 * newer than its sources, is at hand (`dbt parse`); the dbt runner checks every run regardless.
 */
function selectionChecks(root: string, stack: StackConfig, specs: Map<string, ParsedSpec>): ConfigIssue[] {
  const dbtDir = path.resolve(root, stack.images.dbtContext);
  const parsed = freshManifest(dbtDir);
  if (!parsed) return [];
  const manifest = path.relative(root, parsed.file);
  return [...specs.values()].flatMap(({ file, value }) => {
    const selection = value.transform?.select ?? `tag:${value.name}+`;
    if (evaluateSelection(selection, parsed.manifest) !== "empty") return [];
    const where = value.transform ? ["transform", "select"] : ["name"];
    const hint = value.transform ? "" : ` (the default tag:${value.name}+, as transform.select is not set)`;
    return [
      file.issue(
        where,
        `a dbt selection that selects at least one model or test of ${manifest}: tag the pipeline's models with tags: [${value.name}]`,
        `${describeFound(selection)}${hint}, which selects nothing`,
        false,
        where.join("."),
      ),
    ];
  });
}

/**
 * GCP: each job's CPU and memory, as merged (stack → pipeline → environment override), must be a pair
 * Cloud Run accepts. The error points at the layer that set the memory last, or at the CPU when neither
 * layer of the pipeline set the memory.
 */
function cloudRunSizeIssues(stack: StackConfig, stackFile: YamlFile, specs: Map<string, ParsedSpec>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const kinds = ["ingestion", "dbt"] as const;
  const stackKeys = (kind: string, field: string) => ({ keys: ["config", `${PROJECT}:jobs`, kind, field], display: `${PROJECT}:jobs.${kind}.${field}` });
  for (const kind of kinds) {
    const { cpu, memoryGiB } = stack.jobs[kind];
    const problem = cloudRunSizeProblem(cpu, memoryGiB);
    if (problem) {
      const at = stackKeys(kind, "memoryGiB");
      issues.push(stackFile.issue(at.keys, problem, `memoryGiB ${memoryGiB} with cpu ${cpu}`, false, at.display));
    }
  }
  for (const spec of specs.values()) {
    const p = spec.value;
    const env = p.environments[stack.environment];
    if (env?.enabled === false) continue;
    for (const kind of kinds) {
      const layers = [
        { size: p.jobs?.[kind], keys: ["jobs", kind] },
        { size: env?.jobs?.[kind], keys: ["environments", stack.environment, "jobs", kind] },
      ];
      if (!layers.some((l) => l.size)) continue;
      const merged = { ...stack.jobs[kind], ...p.jobs?.[kind], ...env?.jobs?.[kind] };
      const problem = cloudRunSizeProblem(merged.cpu, merged.memoryGiB);
      if (!problem) continue;
      const last = [...layers].reverse().find((l) => l.size?.memoryGiB !== undefined) ?? [...layers].reverse().find((l) => l.size?.cpu !== undefined)!;
      const field = last.size?.memoryGiB !== undefined ? "memoryGiB" : "cpu";
      issues.push(spec.file.issue([...last.keys, field], `${problem}, in stack ${stack.environment}`, `memoryGiB ${merged.memoryGiB} with cpu ${merged.cpu}`));
    }
  }
  return issues;
}

function nameChecks(stack: StackConfig, specs: Map<string, ParsedSpec>, stackFile: YamlFile): ConfigIssue[] {
  const names = new Namer(stack.cloud, stack.prefix, stack.environment);
  const byName = new Map([...specs.values()].map((s) => [s.value.name, s]));
  const planned = [...byName.values()].map((s) => ({ name: s.value.name, secrets: collectSecrets(s.value.source) }));
  const snowflake = checkSnowflakeNames(objectPrefix(stack)).map((p) =>
    stackFile.issue(["config", `${PROJECT}:warehouse`, "objectPrefix"], `a Snowflake ${p.what} name: ${p.problem}`, `"${p.name}"`, false, `${PROJECT}:warehouse.objectPrefix`),
  );
  return [...snowflake, ...cloudNameIssues(names, planned, byName, stackFile)];
}

function cloudNameIssues(names: Namer, planned: { name: string; secrets: string[] }[], byName: Map<string, ParsedSpec>, stackFile: YamlFile): ConfigIssue[] {
  const budget = names.pipelineNameBudget();
  const overBudget = new Set<string>();
  return names.problems(planned).flatMap((problem) => {
    const expected = `names that fit the ${problem.rule.what} rule (${problem.rule.description})`;
    const found = `"${problem.name}" (${problem.name.length} characters)`;
    const spec = problem.pipeline ? byName.get(problem.pipeline) : undefined;
    if (spec && problem.pipeline!.length > budget.max) {
      // One issue per pipeline, with the budget in this stack's own terms, whichever names overflow.
      if (overBudget.has(problem.pipeline!)) return [];
      overBudget.add(problem.pipeline!);
      const limit = `a pipeline name of at most ${budget.max} characters on ${names.cloud.toUpperCase()} with prefix ${names.base} (the ${budget.rule.what} ${budget.pattern} allows ${budget.rule.max})`;
      return [spec.file.issue(["name"], limit, `"${problem.pipeline}" (${problem.pipeline!.length} characters, making ${found})`)];
    }
    if (spec) return [spec.file.issue(["name"], `a shorter name: ${expected}`, found)];
    return [stackFile.issue(["config", `${PROJECT}:prefix`], `a shorter prefix or environment: ${expected}`, found)];
  });
}

function normalizePipeline(stack: StackConfig, file: string, spec: PipelineSpec): PipelineConfig | undefined {
  const env = spec.environments[stack.environment] ?? {};
  if (env.enabled === false) return undefined;
  const job = (kind: "ingestion" | "dbt"): JobSize => ({ ...stack.jobs[kind], ...spec.jobs?.[kind], ...env.jobs?.[kind] });
  return {
    name: spec.name,
    description: spec.description,
    owner: spec.owner,
    file,
    source: spec.source,
    schedule: { ...spec.schedule, ...definedOnly(env.schedule ?? {}) },
    dbtSelect: spec.transform?.select ?? `tag:${spec.name}+`,
    jobs: { ingestion: job("ingestion"), dbt: job("dbt") },
    notify: notifyLevels(spec, env.notify),
    secrets: collectSecrets(spec.source),
    ...(spec.renamedFrom ? { renamedFrom: spec.renamedFrom } : {}),
  };
}

/** The pipeline's `notify`, with the environment's fields replacing its own; failures go to the owner by default. */
function notifyLevels(spec: PipelineSpec, env: PipelineSpec["notify"]): PipelineConfig["notify"] {
  const merged = { ...spec.notify, ...definedOnly(env ?? {}) };
  return { onFailure: merged.onFailure ?? [spec.owner], onSuccess: merged.onSuccess ?? [] };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Every `{ secret: name }` in a source, sorted and unique. */
function collectSecrets(source: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === "secret" && typeof (v as { secret: unknown }).secret === "string") found.add((v as { secret: string }).secret);
      else Object.values(v).forEach(walk);
    }
  };
  walk(source);
  return [...found].sort();
}
