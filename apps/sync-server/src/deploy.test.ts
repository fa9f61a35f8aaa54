import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig, settings } from './config.js';
import { routes } from './http/server.js';

// The deployment files (apps/sync-server/deploy) checked against what the server really reads and serves: a setting
// renamed in config.ts, a probe path that is not a route, or a port that drifted apart fails here, not in production.
// Each check returns its problems as sentences; the second suite breaks a copy of the files once per check and
// expects that check to name what broke, so none of them passes vacuously.

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const deployDir = join(repoRoot, 'apps/sync-server/deploy');
const k8sDir = join(deployDir, 'k8s');

type Labels = Readonly<Record<string, string>>;

interface EnvVar {
  name: string;
  value?: unknown;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

interface Probe {
  httpGet?: { path?: string; port?: number | string };
}

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
}

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: unknown[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds?: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
}

interface Metadata {
  name: string;
  labels?: Labels;
}

interface Deployment {
  kind: 'Deployment';
  metadata: Metadata;
  spec: {
    replicas?: number;
    selector: { matchLabels?: Labels };
    template: {
      metadata: { labels?: Labels };
      spec: { terminationGracePeriodSeconds?: number; securityContext?: SecurityContext; containers: Container[] };
    };
  };
}

interface Service {
  kind: 'Service';
  metadata: Metadata;
  spec: { type?: string; selector?: Labels; ports: { name?: string; port: number; targetPort?: number | string }[] };
}

interface Hpa {
  kind: 'HorizontalPodAutoscaler';
  apiVersion: string;
  metadata: Metadata;
  spec: {
    scaleTargetRef: { kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: { type: string; resource?: { name: string; target?: { type: string; averageUtilization?: number } } }[];
  };
}

interface Pdb {
  kind: 'PodDisruptionBudget';
  metadata: Metadata;
  spec: { minAvailable?: number | string; selector: { matchLabels?: Labels } };
}

interface Secret {
  kind: 'Secret';
  metadata: Metadata;
  stringData?: Record<string, string>;
  data?: Record<string, string>;
}

interface Kustomization {
  kind: 'Kustomization';
  resources?: string[];
}

/** The deployment files, parsed; the checks read only this, so the suite below can hand them broken copies. */
interface DeployFiles {
  /** The YAML files in k8s/, by name. */
  readonly k8sFiles: readonly string[];
  readonly deployment: Deployment;
  readonly service: Service;
  readonly hpa: Hpa;
  readonly pdb: Pdb;
  readonly secret: Secret;
  readonly kustomization: Kustomization;
  readonly dockerfile: string;
  readonly dockerignore: string;
}

function loadDeployFiles(): DeployFiles {
  const k8sFiles = readdirSync(k8sDir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const docs: { file: string; kind: unknown; doc: unknown }[] = [];
  for (const file of k8sFiles) {
    for (const parsed of parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8'))) {
      if (parsed.errors.length > 0) throw new Error(`k8s/${file} is not valid YAML: ${parsed.errors.map((e) => e.message).join('; ')}`);
      const doc: unknown = parsed.toJS();
      if (doc === null || doc === undefined) continue;
      docs.push({ file, kind: (doc as { kind?: unknown }).kind, doc });
    }
  }
  const one = <T>(kind: string): T => {
    const found = docs.filter((d) => d.kind === kind);
    if (found.length !== 1) throw new Error(`expected one ${kind} in apps/sync-server/deploy/k8s, found ${found.length}`);
    return found[0]!.doc as T;
  };
  return {
    k8sFiles,
    deployment: one<Deployment>('Deployment'),
    service: one<Service>('Service'),
    hpa: one<Hpa>('HorizontalPodAutoscaler'),
    pdb: one<Pdb>('PodDisruptionBudget'),
    secret: one<Secret>('Secret'),
    kustomization: one<Kustomization>('Kustomization'),
    dockerfile: readFileSync(join(deployDir, 'Dockerfile'), 'utf8'),
    dockerignore: readFileSync(join(deployDir, 'Dockerfile.dockerignore'), 'utf8'),
  };
}

// ---- reading the Dockerfile ----

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions by stage (continuation lines joined, comments dropped). */
function dockerStages(text: string): Instruction[][] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*#/.test(line) || (pending === '' && line.trim() === '')) continue;
    const continued = /\\\s*$/.test(line);
    pending += `${continued ? line.replace(/\\\s*$/, '') : line} `;
    if (continued) continue;
    const match = /^\s*(\S+)\s*(.*)$/.exec(pending.trim());
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim() });
    pending = '';
  }
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** `ENV A=1 B="two"` and the old `ENV A 1`. */
function dockerEnv(stage: readonly Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((i) => i.keyword === 'ENV')) {
    const pairs = [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)];
    if (pairs.length === 0) {
      const [name = '', ...value] = args.split(/\s+/);
      env[name] = value.join(' ');
    }
    for (const [, name, value] of pairs) env[name!] = value!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return env;
}

function last(stage: readonly Instruction[], keyword: string): Instruction | undefined {
  return stage.filter((i) => i.keyword === keyword).at(-1);
}

/** The runtime stage: the last one, which `docker build` produces without --target. */
function runtimeStage(files: DeployFiles): Instruction[] {
  return dockerStages(files.dockerfile).at(-1) ?? [];
}

// ---- what the manifests say ----

const serverEnvNames = new Set<string>(Object.values(settings).map((s) => s.env));

function podSpec(files: DeployFiles) {
  return files.deployment.spec.template.spec;
}

function containers(files: DeployFiles): Container[] {
  return podSpec(files).containers;
}

/** The environment the Deployment gives a container: plain values, and Secret values from the example Secret. */
function containerEnv(files: DeployFiles, container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  const secretValues = { ...decoded(files.secret.data), ...files.secret.stringData };
  for (const variable of container.env ?? []) {
    if (typeof variable.value === 'string') env[variable.name] = variable.value;
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref && ref.name === files.secret.metadata.name && secretValues[ref.key] !== undefined) env[variable.name] = secretValues[ref.key]!;
  }
  return env;
}

function decoded(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/** The port the server listens on in that container: its PORT, else the setting's default. */
function servingPort(env: Readonly<Record<string, string>>): number {
  return Number(env[settings.port.env] ?? settings.port.default);
}

function labelsMatch(selector: Labels | undefined, labels: Labels | undefined): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => labels?.[k] === v);
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? 'nothing';
}

const servedGetPaths = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.path));

// ---- the checks ----

type Check = (files: DeployFiles) => string[];

const checks = {
  'every environment variable in the manifests and the Dockerfile is one the server reads'(files) {
    const problems: string[] = [];
    for (const container of containers(files)) {
      if (container.envFrom) problems.push(`container ${container.name} uses envFrom, whose names this test cannot check: list each variable under env`);
      for (const variable of container.env ?? []) {
        if (!serverEnvNames.has(variable.name)) problems.push(`deployment.yaml sets ${variable.name}, which no setting in config.ts reads`);
        if (variable.value !== undefined && typeof variable.value !== 'string') problems.push(`deployment.yaml gives ${variable.name} the ${typeof variable.value} ${show(variable.value)}: Kubernetes takes only strings (quote it)`);
      }
    }
    for (const name of Object.keys(dockerEnv(runtimeStage(files)))) {
      if (!serverEnvNames.has(name)) problems.push(`the Dockerfile's runtime stage sets ENV ${name}, which no setting in config.ts reads`);
    }
    return problems;
  },

  'the Deployment gives the server its database, address and port'(files) {
    const problems: string[] = [];
    for (const container of containers(files)) {
      const names = new Set((container.env ?? []).map((v) => v.name));
      for (const required of [settings.databaseUrl.env, settings.host.env, settings.port.env]) {
        if (!names.has(required)) problems.push(`container ${container.name} does not set ${required}`);
      }
      const byName = new Map((container.env ?? []).map((v) => [v.name, v]));
      const database = byName.get(settings.databaseUrl.env);
      if (database && !database.valueFrom?.secretKeyRef) problems.push(`${settings.databaseUrl.env} must come from a Secret (it holds the database password), not a plain value`);
      if (database?.valueFrom?.secretKeyRef?.optional) problems.push(`${settings.databaseUrl.env} is optional: without it the server would start on an embedded database inside the pod and lose the data with it`);
      const smtp = byName.get(settings.smtpUrl.env);
      if (smtp && !smtp.valueFrom?.secretKeyRef) problems.push(`${settings.smtpUrl.env} must come from a Secret (it holds the SMTP password)`);
    }
    return problems;
  },

  'the settings in the Deployment and the Dockerfile parse the way the server parses them'(files) {
    const problems: string[] = [];
    const attempt = (where: string, env: Record<string, string>) => {
      try {
        const config = loadConfig({}, env);
        if (config.host !== '0.0.0.0' && config.host !== '::') problems.push(`${where}: the server would listen on ${config.host}, which is unreachable from outside the container (set ${settings.host.env}=0.0.0.0)`);
        if (where.startsWith('container') && !config.databaseUrl) problems.push(`${where}: no ${settings.databaseUrl.env}, so the server would run on an embedded database in the pod`);
      } catch (error) {
        problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    for (const container of containers(files)) attempt(`container ${container.name}`, containerEnv(files, container));
    attempt("the Dockerfile's ENV", dockerEnv(runtimeStage(files)));
    return problems;
  },

  'every Secret the Deployment reads is in the example Secret, and only SMTP is optional'(files) {
    const problems: string[] = [];
    const keys = new Set([...Object.keys(files.secret.stringData ?? {}), ...Object.keys(files.secret.data ?? {})]);
    for (const container of containers(files)) {
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (!ref) continue;
        if (ref.name !== files.secret.metadata.name) problems.push(`${variable.name} reads Secret ${ref.name}, but secret.example.yaml describes ${files.secret.metadata.name}`);
        else if (!keys.has(ref.key)) problems.push(`${variable.name} reads key ${ref.key}, which secret.example.yaml does not have`);
        if (variable.name === settings.smtpUrl.env && ref.optional !== true) problems.push(`${variable.name} should be optional: true (the server runs without e-mail)`);
      }
    }
    return problems;
  },

  'the probes ask routes the server serves, on the port it listens on'(files) {
    const problems: string[] = [];
    for (const container of containers(files)) {
      const port = servingPort(containerEnv(files, container));
      const probes = { startupProbe: container.startupProbe, readinessProbe: container.readinessProbe, livenessProbe: container.livenessProbe };
      if (!probes.readinessProbe) problems.push(`container ${container.name} has no readinessProbe`);
      if (!probes.livenessProbe) problems.push(`container ${container.name} has no livenessProbe`);
      for (const [kind, probe] of Object.entries(probes)) {
        if (!probe) continue;
        const path = probe.httpGet?.path;
        if (path === undefined || !servedGetPaths.has(path)) problems.push(`the ${kind} of ${container.name} asks GET ${show(path)}, which is not a route of the server (routes: ${[...servedGetPaths].filter((p) => !p.includes(':')).join(', ')})`);
        const probePort = probe.httpGet?.port;
        const resolved = typeof probePort === 'string' ? container.ports?.find((p) => p.name === probePort)?.containerPort : probePort;
        if (resolved !== port) problems.push(`the ${kind} of ${container.name} asks port ${show(probePort)}, but the server listens on ${port}`);
      }
      if (probes.readinessProbe?.httpGet?.path !== undefined && probes.readinessProbe.httpGet.path === probes.livenessProbe?.httpGet?.path) {
        problems.push(`readiness and liveness both ask ${probes.readinessProbe.httpGet.path}: liveness must not fail (and restart the pod) when only the database is away`);
      }
    }
    return problems;
  },

  'the container port, the Service targetPort and the Dockerfile EXPOSE are the port the server listens on'(files) {
    const problems: string[] = [];
    const [container] = containers(files);
    if (!container) return ['the Deployment has no container'];
    const port = servingPort(containerEnv(files, container));
    const declared = (container.ports ?? []).map((p) => p.containerPort);
    if (!declared.includes(port)) problems.push(`container ${container.name} declares ports ${show(declared)}, but the server listens on ${port}`);
    for (const servicePort of files.service.spec.ports) {
      const target = servicePort.targetPort ?? servicePort.port;
      const resolved = typeof target === 'string' ? container.ports?.find((p) => p.name === target)?.containerPort : target;
      if (resolved !== port) problems.push(`the Service sends port ${servicePort.port} to targetPort ${show(target)}, but the server listens on ${port}`);
    }
    const stage = runtimeStage(files);
    const imagePort = servingPort(dockerEnv(stage));
    const exposed = stage.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.replace(/\/(tcp|udp)$/, ''))));
    if (!exposed.includes(imagePort)) problems.push(`the Dockerfile EXPOSEs ${show(exposed)}, but the server in the image listens on ${imagePort}`);
    if (imagePort !== port) problems.push(`the image listens on ${imagePort}, the Deployment's container on ${port}`);
    return problems;
  },

  'two instances at least, and the autoscaler never goes below two'(files) {
    const problems: string[] = [];
    const replicas = files.deployment.spec.replicas ?? 1;
    if (replicas < 2) problems.push(`the Deployment runs ${replicas} replica(s): one instance means downtime on every rollout or node drain`);
    const { hpa } = files;
    if (hpa.apiVersion !== 'autoscaling/v2') problems.push(`the HPA is ${hpa.apiVersion}, not autoscaling/v2`);
    if ((hpa.spec.minReplicas ?? 1) < 2) problems.push(`the HPA's minReplicas is ${hpa.spec.minReplicas ?? 1}: it would scale down to one instance`);
    if (hpa.spec.maxReplicas < (hpa.spec.minReplicas ?? 1)) problems.push(`the HPA's maxReplicas ${hpa.spec.maxReplicas} is below its minReplicas`);
    if (hpa.spec.scaleTargetRef.kind !== 'Deployment' || hpa.spec.scaleTargetRef.name !== files.deployment.metadata.name) problems.push(`the HPA scales ${hpa.spec.scaleTargetRef.kind} ${hpa.spec.scaleTargetRef.name}, not Deployment ${files.deployment.metadata.name}`);
    if (!hpa.spec.metrics?.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu')) problems.push('the HPA has no CPU target');
    return problems;
  },

  "the Deployment's selector, the Service and the PDB all select the Deployment's pods"(files) {
    const problems: string[] = [];
    const podLabels = files.deployment.spec.template.metadata.labels;
    if (!labelsMatch(files.deployment.spec.selector.matchLabels, podLabels)) problems.push(`the Deployment's selector ${show(files.deployment.spec.selector.matchLabels)} does not match its pod labels ${show(podLabels)}`);
    if (!labelsMatch(files.service.spec.selector, podLabels)) problems.push(`the Service selects ${show(files.service.spec.selector)}, which does not match the pod labels ${show(podLabels)}`);
    if (files.service.spec.type !== undefined && files.service.spec.type !== 'ClusterIP') problems.push(`the Service is ${files.service.spec.type}, not ClusterIP (the Ingress is the way in)`);
    if (!labelsMatch(files.pdb.spec.selector.matchLabels, podLabels)) problems.push(`the PDB selects ${show(files.pdb.spec.selector.matchLabels)}, which does not match the pod labels ${show(podLabels)}`);
    const { minAvailable } = files.pdb.spec;
    if (typeof minAvailable !== 'number' || minAvailable < 1) problems.push(`the PDB's minAvailable is ${show(minAvailable)}, not at least 1`);
    else if (minAvailable >= (files.hpa.spec.minReplicas ?? 1)) problems.push(`the PDB keeps ${minAvailable} available of at least ${files.hpa.spec.minReplicas ?? 1}: no node could ever be drained`);
    return problems;
  },

  'the pods run as a non-root user on a read-only root filesystem, with a memory limit'(files) {
    const problems: string[] = [];
    const pod = podSpec(files).securityContext;
    for (const container of containers(files)) {
      const context = { ...pod, ...container.securityContext };
      if (context.runAsNonRoot !== true) problems.push(`container ${container.name} does not set runAsNonRoot: true`);
      if (context.runAsUser === 0) problems.push(`container ${container.name} runs as uid 0`);
      if (container.securityContext?.readOnlyRootFilesystem !== true) problems.push(`container ${container.name} does not set readOnlyRootFilesystem: true`);
      if (container.resources?.limits?.memory === undefined) problems.push(`container ${container.name} has no memory limit`);
      if (container.resources?.requests?.cpu === undefined) problems.push(`container ${container.name} has no CPU request (the HPA's utilisation is relative to it)`);
    }
    return problems;
  },

  'the grace period covers the preStop pause and the shutdown timeout'(files) {
    const problems: string[] = [];
    const grace = podSpec(files).terminationGracePeriodSeconds ?? 30;
    for (const container of containers(files)) {
      const preStop = container.lifecycle?.preStop;
      const sleep = preStop?.sleep?.seconds ?? (preStop?.exec?.command?.[0] === 'sleep' ? Number(preStop.exec.command[1]) : undefined);
      if (sleep === undefined || !(sleep > 0)) problems.push(`container ${container.name} has no preStop sleep: the load balancer would still send requests after SIGTERM`);
      let shutdownMs = Number(settings.shutdownTimeoutMs.default);
      try {
        shutdownMs = loadConfig({}, containerEnv(files, container)).shutdownTimeoutMs;
      } catch {
        // Reported by the settings check.
      }
      const neededMs = (sleep ?? 0) * 1000 + shutdownMs;
      if (grace * 1000 <= neededMs) problems.push(`terminationGracePeriodSeconds is ${grace}, but the preStop sleep (${sleep ?? 0} s) and ${settings.shutdownTimeoutMs.env} (${shutdownMs} ms) take ${neededMs / 1000} s: Kubernetes would kill in-flight requests`);
    }
    return problems;
  },

  'kustomization.yaml applies every manifest except the example Secret'(files) {
    const problems: string[] = [];
    const listed = new Set(files.kustomization.resources ?? []);
    for (const file of files.k8sFiles) {
      if (file === 'kustomization.yaml') continue;
      if (file.includes('example')) {
        if (listed.has(file)) problems.push(`kustomization.yaml applies ${file}: its placeholder credentials would reach the cluster`);
      } else if (!listed.has(file)) problems.push(`kustomization.yaml does not list ${file}`);
    }
    for (const file of listed) if (!files.k8sFiles.includes(file)) problems.push(`kustomization.yaml lists ${file}, which is not in k8s/`);
    return problems;
  },

  'the Dockerfile builds in one stage, runs the built server in another as a non-root user, and checks /healthz'(files) {
    const problems: string[] = [];
    const stages = dockerStages(files.dockerfile);
    if (stages.length < 2) problems.push(`the Dockerfile has ${stages.length} FROM stage(s): build and runtime should be apart, so the image carries no compiler or dev dependencies`);
    const stage = runtimeStage(files);
    const from = stage[0]?.args ?? '';
    if (!/^node:20-bookworm-slim(\s|$)/.test(from)) problems.push(`the runtime stage is FROM ${from}, not node:20-bookworm-slim`);
    const user = last(stage, 'USER')?.args.split(':')[0];
    if (user === undefined || user === 'root' || user === '0') problems.push(`the runtime stage runs as ${user ?? 'root (no USER)'}: set a non-root USER`);
    else if (!/^\d+$/.test(user)) problems.push(`the runtime stage's USER is ${user}: use a number, or Kubernetes' runAsNonRoot cannot check it`);
    const cmd = last(stage, 'CMD')?.args;
    let argv: unknown;
    try {
      argv = cmd === undefined ? undefined : JSON.parse(cmd);
    } catch {
      argv = undefined;
    }
    const script = Array.isArray(argv) && argv[0] === 'node' ? argv.find((a, i) => i > 0 && typeof a === 'string' && !a.startsWith('-')) : undefined;
    if (typeof script !== 'string') problems.push(`the runtime CMD is ${cmd ?? 'missing'}: it should be the exec form ["node", "<the server's main.js>"] (so node, as PID 1, gets SIGTERM)`);
    else {
      if (script !== 'apps/sync-server/dist/main.js') problems.push(`the runtime CMD runs ${script}, not apps/sync-server/dist/main.js`);
      if (!existsSync(join(repoRoot, script))) problems.push(`the runtime CMD runs ${script}, which the build does not produce (no such file after tsc -b)`);
      const workdir = last(stage, 'WORKDIR')?.args;
      const copiedTo = stage.filter((i) => i.keyword === 'COPY').map((i) => i.args.split(/\s+/).at(-1) ?? '');
      const copied = copiedTo.some((dest) => dest === './' || dest === '.' || script.startsWith(dest.replace(/^\.\//, '')));
      if (workdir === undefined || !copied) problems.push(`the runtime stage does not copy ${script} (WORKDIR ${workdir ?? 'unset'}, COPY to ${show(copiedTo)})`);
    }
    const healthcheck = last(stage, 'HEALTHCHECK')?.args ?? '';
    const checked = /(?:127\.0\.0\.1|localhost|\[::1\]):[^/]*(\/[\w/-]*)/.exec(healthcheck)?.[1];
    if (checked === undefined || !servedGetPaths.has(checked)) problems.push(`the HEALTHCHECK asks ${show(checked ?? healthcheck)}, not a GET route of the server on localhost`);
    if (/\bcurl\b|\bwget\b/.test(healthcheck)) problems.push('the HEALTHCHECK uses curl or wget, which node:20-bookworm-slim does not have');
    for (const pattern of ['**/node_modules', '**/dist', '.git']) {
      if (!files.dockerignore.split(/\r?\n/).map((l) => l.trim()).includes(pattern)) problems.push(`Dockerfile.dockerignore does not ignore ${pattern}`);
    }
    return problems;
  },
} satisfies Record<string, Check>;

type CheckName = keyof typeof checks;

describe('the deployment files (apps/sync-server/deploy) agree with the server', () => {
  const files = loadDeployFiles();

  it.each(Object.keys(checks) as CheckName[])('%s', (name) => {
    expect(checks[name](files)).toEqual([]);
  });
});

describe('each deployment check fails when the files are wrong', () => {
  const files = loadDeployFiles();

  /** A deep copy to break. */
  function copy(): { -readonly [K in keyof DeployFiles]: DeployFiles[K] } {
    return structuredClone(files);
  }

  function envOf(broken: DeployFiles, name: string): EnvVar {
    const variable = broken.deployment.spec.template.spec.containers[0]!.env?.find((v) => v.name === name);
    if (!variable) throw new Error(`deployment.yaml has no ${name} to break`);
    return variable;
  }

  const breakages: [CheckName, string, (broken: ReturnType<typeof copy>) => void, string][] = [
    ['every environment variable in the manifests and the Dockerfile is one the server reads', 'a renamed variable', (b) => (envOf(b, 'CAIRN_SIGNUP').name = 'CAIRN_SIGN_UP'), 'CAIRN_SIGN_UP'],
    ['every environment variable in the manifests and the Dockerfile is one the server reads', 'an unquoted number', (b) => (envOf(b, 'PORT').value = 8787), 'PORT'],
    ['every environment variable in the manifests and the Dockerfile is one the server reads', 'a Dockerfile ENV the server ignores', (b) => (b.dockerfile = b.dockerfile.replace('ENV HOST=0.0.0.0', 'ENV LISTEN_HOST=0.0.0.0 HOST=0.0.0.0')), 'LISTEN_HOST'],
    ['the Deployment gives the server its database, address and port', 'no DATABASE_URL', (b) => (envOf(b, 'DATABASE_URL').name = 'CAIRN_DB_SCHEMA'), 'DATABASE_URL'],
    ['the settings in the Deployment and the Dockerfile parse the way the server parses them', 'a sign-up mode the server refuses', (b) => (envOf(b, 'CAIRN_SIGNUP').value = 'everyone'), 'CAIRN_SIGNUP'],
    ['the settings in the Deployment and the Dockerfile parse the way the server parses them', 'the loopback address', (b) => (envOf(b, 'HOST').value = '127.0.0.1'), '127.0.0.1'],
    ['every Secret the Deployment reads is in the example Secret, and only SMTP is optional', 'a key the Secret lacks', (b) => (envOf(b, 'DATABASE_URL').valueFrom!.secretKeyRef!.key = 'database-url'), 'database-url'],
    ['the probes ask routes the server serves, on the port it listens on', 'a readiness path that is not a route', (b) => (b.deployment.spec.template.spec.containers[0]!.readinessProbe!.httpGet!.path = '/ready'), '/ready'],
    ['the probes ask routes the server serves, on the port it listens on', 'a probe on another port', (b) => (b.deployment.spec.template.spec.containers[0]!.livenessProbe!.httpGet!.port = 8080), '8080'],
    ['the container port, the Service targetPort and the Dockerfile EXPOSE are the port the server listens on', 'a Service targetPort that drifted', (b) => (b.service.spec.ports[0]!.targetPort = 8080), 'targetPort 8080'],
    ['the container port, the Service targetPort and the Dockerfile EXPOSE are the port the server listens on', 'PORT changed without the container port', (b) => (envOf(b, 'PORT').value = '9000'), '9000'],
    ['the container port, the Service targetPort and the Dockerfile EXPOSE are the port the server listens on', 'EXPOSE of another port', (b) => (b.dockerfile = b.dockerfile.replace('EXPOSE 8787', 'EXPOSE 3000')), 'EXPOSEs [3000]'],
    ['two instances at least, and the autoscaler never goes below two', 'one replica', (b) => (b.deployment.spec.replicas = 1), '1 replica'],
    ['two instances at least, and the autoscaler never goes below two', 'an HPA floor of one', (b) => (b.hpa.spec.minReplicas = 1), 'minReplicas is 1'],
    ["the Deployment's selector, the Service and the PDB all select the Deployment's pods", 'a PDB selecting other pods', (b) => (b.pdb.spec.selector.matchLabels = { 'app.kubernetes.io/name': 'cairn-web' }), 'the PDB selects'],
    ["the Deployment's selector, the Service and the PDB all select the Deployment's pods", 'a Service selecting other pods', (b) => (b.service.spec.selector = { app: 'sync' }), 'the Service selects'],
    ['the pods run as a non-root user on a read-only root filesystem, with a memory limit', 'runAsNonRoot off', (b) => (b.deployment.spec.template.spec.containers[0]!.securityContext = { ...b.deployment.spec.template.spec.containers[0]!.securityContext, runAsNonRoot: false }), 'runAsNonRoot'],
    ['the grace period covers the preStop pause and the shutdown timeout', 'a longer shutdown timeout', (b) => (envOf(b, 'CAIRN_SHUTDOWN_TIMEOUT_MS').value = '60000'), 'CAIRN_SHUTDOWN_TIMEOUT_MS (60000 ms)'],
    ['kustomization.yaml applies every manifest except the example Secret', 'the example Secret applied', (b) => (b.kustomization.resources = [...(b.kustomization.resources ?? []), 'secret.example.yaml']), 'placeholder credentials'],
    ['the Dockerfile builds in one stage, runs the built server in another as a non-root user, and checks /healthz', 'a root user', (b) => (b.dockerfile = b.dockerfile.replace(/^USER .*$/m, 'USER root')), 'runs as root'],
    ['the Dockerfile builds in one stage, runs the built server in another as a non-root user, and checks /healthz', 'a CMD on a file the build does not make', (b) => (b.dockerfile = b.dockerfile.replace('apps/sync-server/dist/main.js"]', 'apps/sync-server/dist/server.js"]')), 'dist/server.js'],
    ['the Dockerfile builds in one stage, runs the built server in another as a non-root user, and checks /healthz', 'a single stage', (b) => (b.dockerfile = b.dockerfile.replace(/^FROM node:20-bookworm-slim AS \w+$/gm, '# no FROM here')), '1 FROM stage'],
    ['the Dockerfile builds in one stage, runs the built server in another as a non-root user, and checks /healthz', 'a health check on a missing route', (b) => (b.dockerfile = b.dockerfile.replace('/healthz`', '/health`')), '/health'],
  ];

  it.each(breakages)('%s: catches %s', (name, _what, breakIt, expected) => {
    const broken = copy();
    breakIt(broken);
    const problems = checks[name](broken);
    expect(problems.join('\n')).toContain(expected);
  });

  it('has a breakage for every check', () => {
    const broken = new Set(breakages.map(([name]) => name));
    expect(Object.keys(checks).filter((name) => !broken.has(name as CheckName))).toEqual([]);
  });
});
