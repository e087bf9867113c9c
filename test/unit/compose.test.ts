// Packaging files cannot be run here (no Docker engine), so they are checked by reading: docker-compose.yml,
// the Dockerfile and deploy/ must agree with the configuration code (variable names, default ports,
// entry points) and keep their security properties.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { readNotifyFile } from '../../services/notify/src/notify-file.js';
import { z } from 'zod';
import {
  envSchema,
  loadAnalyzerConfig,
  loadIngestConfig,
  loadNotifyConfig,
  loadStoreConfig,
  parseApiTokens,
  parseIngestTokens,
  type CommonConfig,
} from '#shared/config';

type RawEnv = Record<string, string | undefined>;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

const ingestToken = `default=${'x'.repeat(24)}`;
const apiToken = `admin:admin=${'y'.repeat(24)}`;
const testVariables: RawEnv = { KAUDIT_INGEST_TOKENS: ingestToken, KAUDIT_API_TOKENS: apiToken };

// variables read outside envSchema (lists, keys and PEM material, each with a _FILE variant)
const tokenVariables = ['KAUDIT_INGEST_TOKENS', 'KAUDIT_API_TOKENS', 'KAUDIT_REDACTION_KEY', 'KAUDIT_TLS_CERT', 'KAUDIT_TLS_KEY', 'KAUDIT_TLS_CLIENT_CA'];
const knownVariables = new Set([
  ...Object.keys(envSchema.shape),
  ...tokenVariables,
  ...tokenVariables.map((v) => `${v}_FILE`),
  'KAUDIT_INGEST_CLIENT_CERTS',
  'KAUDIT_NOTIFY_FILE',
]);

const appServices = ['ingest', 'analyzer', 'store', 'notify'] as const;
type AppService = (typeof appServices)[number];

function loadConfig(service: AppService, env: RawEnv): CommonConfig & { port?: number } {
  if (service === 'ingest') return loadIngestConfig(env);
  if (service === 'store') return loadStoreConfig(env);
  if (service === 'notify') return loadNotifyConfig(env);
  return loadAnalyzerConfig(env);
}

const defaults = {
  ingest: loadIngestConfig({ KAUDIT_INGEST_TOKENS: ingestToken }).port,
  store: loadStoreConfig({ KAUDIT_API_TOKENS: apiToken }).port,
};

const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** The source file a `node dist/<x>.js` command runs, or undefined when the command is not of that form. */
function sourceOf(command: readonly string[]): string | undefined {
  const m = command[0] === 'node' && command.length === 2 ? /^dist\/(.+)\.js$/.exec(command[1] ?? '') : null;
  return m ? `${m[1] ?? ''}.ts` : undefined;
}

// ------------------------------------------------------------------------------------------------ Dockerfile

interface Dockerfile {
  from: string[];
  runtime: string[];
  env: RawEnv;
}

function readDockerfile(): Dockerfile {
  const lines = read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const from = lines.filter((l) => /^FROM\s/i.test(l));
  const lastFrom = lines.findLastIndex((l) => /^FROM\s/i.test(l));
  const runtime = lines.slice(lastFrom + 1);
  const env: RawEnv = {};
  for (const line of runtime.filter((l) => /^ENV\s/i.test(l))) {
    for (const pair of line.replace(/^ENV\s+/i, '').split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`ENV without key=value form: ${line}`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return { from, runtime, env };
}

const dockerfile = readDockerfile();

// ------------------------------------------------------------------------------------------------ compose

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const composeService = z.object({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.array(z.string()).optional(),
  restart: z.string().optional(),
  environment: z.record(z.string(), envValue).default({}),
  ports: z
    .array(z.union([z.string(), z.number(), z.object({ target: z.number(), published: z.union([z.string(), z.number()]).optional() })]))
    .default([]),
  depends_on: z
    .union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string().optional() }))])
    .optional(),
  healthcheck: z.object({ test: z.union([z.string(), z.array(z.string())]) }).optional(),
  volumes: z.array(z.union([z.string(), z.object({ source: z.string().optional(), target: z.string() })])).default([]),
});
const composeFile = z.object({
  services: z.record(z.string(), composeService),
  volumes: z.record(z.string(), z.unknown().nullable()).optional(),
});

const composeRaw: unknown = parse(read('docker-compose.yml'));
const compose = composeFile.parse(composeRaw);

function service(name: string): z.infer<typeof composeService> {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

/** Compose interpolation for the forms used in the file: ${V}, ${V:?msg}, ${V?msg}, ${V:-def}, ${V-def}. */
function interpolate(value: string, vars: RawEnv): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const v = vars[name];
    const unset = v === undefined || (op?.startsWith(':') === true && v === '');
    if (op?.endsWith('?') && unset) throw new Error(`required variable ${name} is not set: ${arg ?? ''}`);
    if (op?.endsWith('-') && unset) return arg ?? '';
    return v ?? '';
  });
}

function composeEnv(name: AppService): RawEnv {
  const env: RawEnv = {};
  for (const [k, v] of Object.entries(service(name).environment)) env[k] = interpolate(v, testVariables);
  return env;
}

/** Compose's view of the process environment: the image's ENV, overridden by the service's environment. */
const runtimeEnv = (name: AppService): RawEnv => ({ ...dockerfile.env, ...composeEnv(name) });

function portMappings(name: string): { container: number; published: number | undefined }[] {
  return service(name).ports.map((p) => {
    if (typeof p === 'object') return { container: p.target, published: p.published === undefined ? undefined : Number(p.published) };
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    const container = Number(parts.at(-1));
    const published = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    return { container, published };
  });
}

describe('docker-compose.yml', () => {
  it('defines kafka, ingest, analyzer and store', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['kafka', ...appServices]));
  });

  it('runs the official Kafka image in KRaft mode with a healthcheck and no topic auto-creation', () => {
    const kafka = service('kafka');
    expect(kafka.image).toMatch(/^apache\/kafka:/);
    expect(kafka.healthcheck).toBeDefined();
    expect([kafka.healthcheck?.test].flat().join(' ')).toContain('kafka-broker-api-versions.sh');
    expect(kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.environment.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(kafka.environment.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
  });

  it.each(appServices)('%s waits for a healthy kafka and talks to its advertised listener', (name) => {
    const s = service(name);
    expect(s.depends_on).toMatchObject({ kafka: { condition: 'service_healthy' } });
    const brokers = s.environment.KAFKA_BROKERS;
    expect(brokers).toBeDefined();
    const advertised = service('kafka').environment.KAFKA_ADVERTISED_LISTENERS ?? '';
    for (const broker of (brokers ?? '').split(',')) expect(advertised).toContain(`://${broker.trim()}`);
    expect(loadConfig(name, runtimeEnv(name)).bus).toMatchObject({ kind: 'kafka', brokers: (brokers ?? '').split(',') });
  });

  it.each(appServices)('%s is built from the Dockerfile and runs its own source entry point', (name) => {
    const s = service(name);
    expect(s.build).toBe('.');
    expect(s.restart).toBe('unless-stopped');
    expect(s.command).toEqual(['node', `dist/services/${name}/src/main.js`]);
    const source = sourceOf(s.command ?? []);
    expect(source).toBe(`services/${name}/src/main.ts`);
    expect(existsSync(path.join(root, source ?? 'missing'))).toBe(true);
  });

  it.each(appServices)('%s uses only variables the configuration knows', (name) => {
    const unknown = Object.keys(service(name).environment).filter(
      (k) => /^(KAUDIT|KAFKA)_/.test(k) && !knownVariables.has(k),
    );
    expect(unknown).toEqual([]);
  });

  it.each(appServices)('%s environment is accepted by its configuration loader', (name) => {
    const env = runtimeEnv(name);
    expect(() => loadConfig(name, env)).not.toThrow();
    const config = loadConfig(name, env);
    expect(config.host).toBe('0.0.0.0');
  });

  it('requires the token lists from the caller instead of shipping defaults', () => {
    expect(service('ingest').environment.KAUDIT_INGEST_TOKENS).toMatch(/^\$\{KAUDIT_INGEST_TOKENS:\?[^}]+\}$/);
    expect(service('store').environment.KAUDIT_API_TOKENS).toMatch(/^\$\{KAUDIT_API_TOKENS:\?[^}]+\}$/);
    expect(() => interpolate(service('ingest').environment.KAUDIT_INGEST_TOKENS ?? '', {})).toThrow(/KAUDIT_INGEST_TOKENS/);
    expect(() => loadIngestConfig(composeEnv('ingest'))).not.toThrow();
    expect(() => loadStoreConfig(composeEnv('store'))).not.toThrow();
  });

  it('lets ingest listen on the container address (plain HTTP off loopback must be allowed explicitly)', () => {
    const config = loadIngestConfig(runtimeEnv('ingest'));
    expect(loopback.test(config.host) || config.allowPlaintextRemote).toBe(true);
    expect(config.allowPlaintextRemote).toBe(true);
  });

  it('publishes ingest and store on the default ports, and nothing for the analyzer and notify', () => {
    const ingest = loadIngestConfig(runtimeEnv('ingest'));
    const store = loadStoreConfig(runtimeEnv('store'));
    expect(ingest.port).toBe(defaults.ingest);
    expect(store.port).toBe(defaults.store);
    expect(portMappings('ingest')).toEqual([{ container: ingest.port, published: ingest.port }]);
    expect(portMappings('store')).toEqual([{ container: store.port, published: store.port }]);
    expect(portMappings('analyzer')).toEqual([]);
    expect(portMappings('notify')).toEqual([]);
  });

  it('keeps the store database on a named volume', () => {
    const config = loadStoreConfig(runtimeEnv('store'));
    const mounts = service('store').volumes.map((v) =>
      typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] ?? '' } : v,
    );
    const mount = mounts.find((m) => config.dbFile.startsWith(`${m.target}/`));
    expect(mount, `no volume holds ${config.dbFile}`).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(mount?.source);
  });
});

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage on node:20-bookworm-slim', () => {
    expect(dockerfile.from).toHaveLength(2);
    for (const from of dockerfile.from) expect(from).toMatch(/^FROM\s+node:20-bookworm-slim(\s|$)/i);
  });

  it('runs as the non-root node user', () => {
    expect(dockerfile.runtime).toContain('USER node');
  });

  it('sets only known variables and exposes the default ports', () => {
    expect(Object.keys(dockerfile.env).filter((k) => k.startsWith('KAUDIT_') && !knownVariables.has(k))).toEqual([]);
    expect(dockerfile.env.KAUDIT_HOST).toBe('0.0.0.0');
    const exposed = dockerfile.runtime
      .filter((l) => /^EXPOSE\s/i.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1))
      .map(Number);
    expect(exposed.sort()).toEqual([defaults.ingest, defaults.store].sort());
  });

  it('defaults to the standalone entry point', () => {
    const cmd = dockerfile.runtime.find((l) => /^CMD\s/i.test(l));
    const command: unknown = JSON.parse(cmd?.replace(/^CMD\s+/i, '') ?? 'null');
    const source = sourceOf(z.array(z.string()).parse(command));
    expect(source).toBe('services/standalone/src/main.ts');
    expect(existsSync(path.join(root, source ?? 'missing'))).toBe(true);
  });
});

// ------------------------------------------------------------------------------------------------ audit policy

const stringList = z.array(z.string()).optional();
const policyRule = z.object({
  level: z.enum(['None', 'Metadata', 'Request', 'RequestResponse']),
  users: stringList,
  userGroups: stringList,
  verbs: stringList,
  namespaces: stringList,
  nonResourceURLs: stringList,
  resources: z
    .array(z.object({ group: z.string().optional(), resources: stringList, resourceNames: stringList }))
    .optional(),
});
const policySchema = z.object({
  apiVersion: z.literal('audit.k8s.io/v1'),
  kind: z.literal('Policy'),
  omitStages: z.array(z.string()).optional(),
  rules: z.array(policyRule).min(1),
});
type PolicyRule = z.infer<typeof policyRule>;

interface Request {
  user: string;
  groups: string[];
  verb: string;
  group?: string;
  resource?: string; // resource or resource/subresource
  path?: string; // non-resource requests
}

// kube-apiserver's policy rule matching (staging/src/k8s.io/apiserver/pkg/audit/policy/checker.go), without
// namespaces/resourceNames, which this test does not need.
function ruleMatches(rule: PolicyRule, req: Request): boolean {
  if (rule.users?.length && !rule.users.includes(req.user)) return false;
  if (rule.userGroups?.length && !rule.userGroups.some((g) => req.groups.includes(g))) return false;
  if (rule.verbs?.length && !rule.verbs.includes(req.verb)) return false;
  if (rule.namespaces?.length || rule.resources?.length) {
    if (req.resource === undefined) return false;
    if (!rule.resources?.length) return true;
    const [res, sub] = req.resource.split('/');
    return rule.resources.some(
      (gr) =>
        (gr.group ?? '') === (req.group ?? '') &&
        (!gr.resources?.length ||
          gr.resources.some((r) => r === req.resource || r === '*' || (sub !== undefined && (r === `*/${sub}` || r === `${res ?? ''}/*`)))),
    );
  }
  if (rule.nonResourceURLs?.length) {
    if (req.path === undefined) return false;
    return rule.nonResourceURLs.some((u) => u === '*' || u === req.path || (u.endsWith('*') && (req.path ?? '').startsWith(u.slice(0, -1))));
  }
  return true;
}

const levelOrder = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
const levelFor = (rules: PolicyRule[], req: Request) => rules.find((r) => ruleMatches(r, req))?.level ?? 'None';

/** The highest level any identity could get for this request (rules limited to users/groups included). */
function maxLevelFor(rules: PolicyRule[], req: Omit<Request, 'user' | 'groups'>): string {
  let max = 0;
  for (const rule of rules) {
    const asIfForEveryone: PolicyRule = { ...rule, users: undefined, userGroups: undefined };
    if (!ruleMatches(asIfForEveryone, { ...req, user: '', groups: [] })) continue;
    max = Math.max(max, levelOrder.indexOf(rule.level));
    if (!rule.users?.length && !rule.userGroups?.length) break; // matches everyone: later rules never apply
  }
  return levelOrder[max] ?? 'None';
}

describe('deploy/audit-policy.yaml', () => {
  const docs = parseAllDocuments(read('deploy/audit-policy.yaml'));
  const yamlErrors = docs.flatMap((d) => d.errors.map((e) => e.message));
  const values = docs.map((d) => d.toJS() as unknown);
  const policies = values.filter((v) => policySchema.safeParse(v).success).map((v) => policySchema.parse(v));

  it('is an audit.k8s.io/v1 Policy that omits RequestReceived', () => {
    expect(yamlErrors).toEqual([]);
    expect(policies).toHaveLength(1);
    expect(policies[0]?.omitStages).toContain('RequestReceived');
  });

  const rules = policies[0]?.rules ?? [];
  const jane = { user: 'jane', groups: ['system:authenticated'] };

  it.each([
    ['get', 'secrets'],
    ['list', 'secrets'],
    ['create', 'secrets'],
    ['update', 'secrets'],
    ['patch', 'secrets'],
    ['create', 'configmaps'],
    ['create', 'serviceaccounts/token'],
  ])('never logs a body for %s %s, whoever asks', (verb, resource) => {
    expect(maxLevelFor(rules, { verb, group: '', resource })).toBe('Metadata');
  });

  it('never logs a TokenReview body', () => {
    expect(maxLevelFor(rules, { verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' })).toBe('Metadata');
  });

  it.each([
    ['create', 'rbac.authorization.k8s.io', 'clusterrolebindings'],
    ['patch', 'rbac.authorization.k8s.io', 'roles'],
    ['create', 'certificates.k8s.io', 'certificatesigningrequests'],
    ['update', 'certificates.k8s.io', 'certificatesigningrequests/approval'],
    ['create', '', 'pods/exec'],
    ['get', '', 'pods/exec'],
    ['create', '', 'pods/portforward'],
    ['create', '', 'pods'],
    ['patch', 'apps', 'daemonsets'],
    ['create', 'batch', 'cronjobs'],
    ['update', '', 'namespaces'],
    ['create', 'admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
  ])('logs %s %s/%s with request and response', (verb, group, resource) => {
    expect(levelFor(rules, { ...jane, verb, group, resource })).toBe('RequestResponse');
  });

  it('logs other writes with the request body and reads as metadata', () => {
    expect(levelFor(rules, { ...jane, verb: 'create', group: 'networking.k8s.io', resource: 'ingresses' })).toBe('Request');
    expect(levelFor(rules, { ...jane, verb: 'list', group: '', resource: 'pods' })).toBe('Metadata');
    expect(levelFor(rules, { ...jane, verb: 'delete', group: '', resource: 'events' })).not.toBe('None');
  });

  it('drops health probes and node event reads', () => {
    for (const p of ['/healthz', '/healthz/etcd', '/livez', '/livez/ping', '/readyz', '/readyz/shutdown', '/version']) {
      expect(levelFor(rules, { user: 'system:anonymous', groups: ['system:unauthenticated'], verb: 'get', path: p })).toBe('None');
    }
    expect(levelFor(rules, { user: 'system:node:n1', groups: ['system:nodes'], verb: 'watch', group: '', resource: 'events' })).toBe('None');
    expect(levelFor(rules, { ...jane, verb: 'get', path: '/apis' })).toBe('Metadata');
  });
});

// ------------------------------------------------------------------------------------------------ webhook kubeconfig

describe('deploy/webhook-kubeconfig.yaml', () => {
  const kubeconfig = z
    .object({
      kind: z.literal('Config'),
      clusters: z.array(z.object({ cluster: z.object({ server: z.string(), 'certificate-authority': z.string() }) })).length(1),
      users: z.array(z.object({ user: z.object({ token: z.string() }) })).length(1),
    })
    .parse(parse(read('deploy/webhook-kubeconfig.yaml')));

  it('points at the ingest webhook over https on the default port, with a bearer token', () => {
    const url = new URL(kubeconfig.clusters[0]?.cluster.server ?? '');
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe('kaudit-ingest.kaudit.svc');
    expect(Number(url.port)).toBe(defaults.ingest);
    expect(url.pathname).toBe('/v1/webhook');
    expect(kubeconfig.users[0]?.user.token).not.toBe('');
  });
});

// ------------------------------------------------------------------------------------------------ kubernetes

const probe = z.object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }) });
const container = z.object({
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()),
  env: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  envFrom: z.array(z.object({ configMapRef: z.object({ name: z.string() }) })).default([]),
  ports: z.array(z.object({ name: z.string(), containerPort: z.number() })).default([]),
  readinessProbe: probe.optional(),
  livenessProbe: probe.optional(),
  securityContext: z.object({
    allowPrivilegeEscalation: z.boolean(),
    readOnlyRootFilesystem: z.boolean(),
    capabilities: z.object({ drop: z.array(z.string()) }),
  }),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() })).default([]),
});
const podSpec = z.object({
  enableServiceLinks: z.boolean().optional(),
  securityContext: z.object({ runAsNonRoot: z.boolean(), runAsUser: z.number().optional() }),
  containers: z.array(container).min(1),
  volumes: z
    .array(
      z.object({
        name: z.string(),
        secret: z.object({ secretName: z.string(), items: z.array(z.object({ key: z.string(), path: z.string() })) }).optional(),
        emptyDir: z.unknown().optional(),
      }),
    )
    .default([]),
});
const workload = z.object({
  kind: z.enum(['Deployment', 'StatefulSet']),
  metadata: z.object({ name: z.string(), namespace: z.string() }),
  spec: z.object({
    replicas: z.number(),
    template: z.object({ spec: podSpec }),
    volumeClaimTemplates: z.array(z.object({ metadata: z.object({ name: z.string() }) })).optional(),
  }),
});
const k8sObject = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
});
const serviceObject = z.object({
  spec: z.object({ selector: z.record(z.string(), z.string()), ports: z.array(z.object({ port: z.number(), targetPort: z.union([z.string(), z.number()]) })) }),
});

describe('deploy/kubernetes/kaudit.yaml', () => {
  const docs = parseAllDocuments(read('deploy/kubernetes/kaudit.yaml'));
  const yamlErrors = docs.flatMap((d) => d.errors.map((e) => e.message));
  const objects = docs.map((d) => d.toJS() as unknown).filter((v) => v !== null);
  const typed = objects.map((o) => k8sObject.parse(o));
  const find = (kind: string, name: string): unknown => objects[typed.findIndex((o) => o.kind === kind && o.metadata.name === name)];
  const secret = z.object({ stringData: z.record(z.string(), z.string()) }).parse(find('Secret', 'kaudit-tokens'));
  const configMap = z.object({ data: z.record(z.string(), z.string()) }).parse(find('ConfigMap', 'kaudit-config'));
  const workloads: Record<AppService, z.infer<typeof workload>> = {
    ingest: workload.parse(find('Deployment', 'kaudit-ingest')),
    analyzer: workload.parse(find('Deployment', 'kaudit-analyzer')),
    store: workload.parse(find('StatefulSet', 'kaudit-store')),
    notify: workload.parse(find('Deployment', 'kaudit-notify')),
  };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kaudit-manifest-'));
  let certDir: string | undefined;
  const certs = (): string => {
    certDir ??= (execFileSync('bash', [path.join(root, 'deploy', 'make-certs.sh'), path.join(tmp, 'certs')]), path.join(tmp, 'certs'));
    return certDir;
  };
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the namespace, secret, config, workloads and services, all in namespace kaudit', () => {
    expect(yamlErrors).toEqual([]);
    expect(typed.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/kaudit-config',
        'Deployment/kaudit-analyzer',
        'Deployment/kaudit-ingest',
        'Deployment/kaudit-notify',
        'Namespace/kaudit',
        'Secret/kaudit-tokens',
        'Service/kaudit-ingest',
        'Service/kaudit-store',
        'StatefulSet/kaudit-store',
      ].sort(),
    );
    for (const o of typed.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('kaudit');
  });

  it('ships a notify file that the notify service accepts, as does deploy/notify.example.yaml', () => {
    const file = path.join(tmp, 'notify.yaml');
    writeFileSync(file, secret.stringData['notify-yaml'] ?? '');
    expect(readNotifyFile(file).routes.map((r) => r.name)).toEqual(['serious']);
    expect(Object.keys(readNotifyFile(path.join(root, 'deploy', 'notify.example.yaml')).outputs)).toEqual(['am', 'chat', 'siem']);
  });

  it('ships placeholder tokens that fail at start rather than run', () => {
    expect(() => parseIngestTokens(secret.stringData['ingest-tokens'] ?? '')).toThrow(/shorter than 16/);
    expect(() => parseApiTokens(secret.stringData['api-tokens'] ?? '')).toThrow(/shorter than 16/);
    // each key holds only its own entries
    expect(secret.stringData['api-tokens']?.trim().split('\n').map((l) => l.split('=')[0])).toEqual(['soc-admin:admin', 'soc-analyst:analyst']);
    expect(secret.stringData['redaction-key']).toBe('REPLACE_ME');
  });

  it('points KAFKA_BROKERS at a Kafka outside the manifest', () => {
    expect(configMap.data.KAFKA_BROKERS).toMatch(/^[^\s:,]+:\d+(,[^\s:,]+:\d+)*$/);
  });

  it.each(appServices)('%s: hardened pod, image kaudit:latest, own entry point', (name) => {
    const spec = workloads[name].spec.template.spec;
    // Service links would inject KAUDIT_INGEST_PORT=tcp://… (from the Service kaudit-ingest) into every pod.
    expect(spec.enableServiceLinks).toBe(false);
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(spec.securityContext.runAsUser).toBeGreaterThan(0); // the image's USER is a name: needs a uid
    expect(spec.containers).toHaveLength(1);
    const c = spec.containers[0];
    expect(c?.image).toBe('kaudit:latest');
    expect(c?.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const source = sourceOf(c?.command ?? []);
    expect(source).toBe(`services/${name}/src/main.ts`);
    expect(existsSync(path.join(root, source ?? 'missing'))).toBe(true);
  });

  /** The container's environment as the process sees it, token files written from the Secret (placeholders filled). */
  function podEnv(name: AppService): RawEnv {
    const spec = workloads[name].spec.template.spec;
    const c = container.parse(spec.containers[0]);
    const env: RawEnv = { ...dockerfile.env };
    for (const from of c.envFrom) {
      expect(from.configMapRef.name).toBe('kaudit-config');
      Object.assign(env, configMap.data);
    }
    for (const e of c.env) env[e.name] = e.value;
    for (const [k, v] of Object.entries(env)) {
      if (!k.endsWith('_FILE') || v === undefined) continue;
      const mount = c.volumeMounts.find((m) => v.startsWith(`${m.mountPath}/`));
      const volume = spec.volumes.find((vol) => vol.name === mount?.name);
      const item = volume?.secret?.items.find((i) => `${mount?.mountPath ?? ''}/${i.path}` === v);
      // kaudit-tls is the operator's (kubectl create secret tls): stand in throwaway certificates for it
      if (volume?.secret?.secretName === 'kaudit-tls') {
        expect(['tls.crt', 'tls.key'], `${k}: ${item?.key ?? '?'}`).toContain(item?.key);
        env[k] = path.join(certs(), item?.key === 'tls.crt' ? 'server.crt' : 'server.key');
        continue;
      }
      expect(volume?.secret?.secretName, `${k}=${v} is not a file of the mounted Secret`).toBe('kaudit-tokens');
      const content = secret.stringData[item?.key ?? ''];
      expect(content, `${k}: Secret key ${item?.key ?? '?'} missing`).toBeDefined();
      const file = path.join(tmp, `${name}-${k}`);
      writeFileSync(file, (content ?? '').replaceAll('REPLACE_ME', 'z'.repeat(32)));
      env[k] = file;
    }
    return env;
  }

  it.each(appServices)('%s: environment uses known variables and is accepted by its configuration loader', (name) => {
    const spec = workloads[name].spec.template.spec;
    const names = [...Object.keys(configMap.data), ...(spec.containers[0]?.env ?? []).map((e) => e.name)];
    expect(names.filter((k) => /^(KAUDIT|KAFKA)_/.test(k) && !knownVariables.has(k))).toEqual([]);
    const env = podEnv(name);
    expect(() => loadConfig(name, env)).not.toThrow();
    expect(loadConfig(name, env).bus.kind).toBe('kafka');
  });

  it('serves ingest over TLS on the pod address, with the certificate of the kaudit-tls Secret, and probes it over HTTPS', () => {
    const config = loadIngestConfig(podEnv('ingest'));
    expect(loopback.test(config.host)).toBe(false);
    expect(config.tls?.cert).toContain('-----BEGIN CERTIFICATE-----');
    expect(config.allowPlaintext).toBe(false);
    const probe = z.object({ httpGet: z.object({ scheme: z.string() }) });
    const raw = z
      .object({ spec: z.object({ template: z.object({ spec: z.object({ containers: z.array(z.object({ readinessProbe: probe, livenessProbe: probe })) }) }) }) })
      .parse(find('Deployment', 'kaudit-ingest'));
    const c = raw.spec.template.spec.containers[0];
    expect([c?.readinessProbe.httpGet.scheme, c?.livenessProbe.httpGet.scheme]).toEqual(['HTTPS', 'HTTPS']);
  });

  it.each([
    ['ingest', 'kaudit-ingest'],
    ['store', 'kaudit-store'],
  ] as const)('%s: probes /readyz and /healthz on the default port, exposed by its Service', (name, serviceName) => {
    const c = workloads[name].spec.template.spec.containers[0];
    const port = loadConfig(name, podEnv(name)).port;
    expect(port).toBe(defaults[name]);
    const named = c?.ports.find((p) => p.containerPort === port);
    expect(named).toBeDefined();
    const resolve = (p: string | number | undefined) => (typeof p === 'number' ? p : c?.ports.find((x) => x.name === p)?.containerPort);
    expect(c?.readinessProbe?.httpGet.path).toBe('/readyz');
    expect(resolve(c?.readinessProbe?.httpGet.port)).toBe(port);
    expect(c?.livenessProbe?.httpGet.path).toBe('/healthz');
    expect(resolve(c?.livenessProbe?.httpGet.port)).toBe(port);
    const svc = serviceObject.parse(find('Service', serviceName));
    expect(svc.spec.ports.map((p) => [p.port, resolve(p.targetPort)])).toEqual([[port, port]]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'kaudit', 'app.kubernetes.io/component': name });
  });

  it('runs exactly one store with its DuckDB file on a persistent volume', () => {
    const store = workloads.store;
    expect(store.spec.replicas).toBe(1);
    const claims = (store.spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name);
    const config = loadStoreConfig(podEnv('store'));
    const mount = store.spec.template.spec.containers[0]?.volumeMounts.find((m) => config.dbFile.startsWith(`${m.mountPath}/`));
    expect(mount, `no volume holds ${config.dbFile}`).toBeDefined();
    expect(claims).toContain(mount?.name);
    expect(mount?.readOnly).not.toBe(true);
  });
});
