import path from 'node:path';
import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { arr, field, isObj, str, strings, succeeded, writtenObject, type Obj } from '../objects.js';
import { isTrustedImage, normalizedImage, queryValues, registryOf, workloadWrite, type ContainerInfo, type PodSpecInfo, type WorkloadWrite } from './pod-spec.js';
import { rulesOf, type Rule, type RuleContext, type RuleHeader, type RuleMatch, type RuleSettings } from '../types.js';

/** The constructor of this folder's rules (the category is stated here, once); see also `defineWorkloadRule`. */
export const workloadRule = rulesOf('workload');

// Workload rules (README "Detection rules"): what a pod or pod template asks of the node, how pods are entered, and the
// guard rails (Pod Security labels, quotas) around them. Each is one cheap check on the record first;
// objects are walked only for completed writes of workload resources, once per event (pod-spec.ts).

// ---------------------------------------------------------------------------------------------------
// Wording and evidence shared by the rules

export const pastTense: Readonly<Record<string, string>> = { create: 'created', update: 'updated', patch: 'patched' };

export function actor(r: NormalizedRecord): string {
  return r.impersonatedUser ? `${r.impersonatedUser} (impersonated by ${r.user})` : r.user;
}

export function wrote(r: NormalizedRecord, w: WorkloadWrite): string {
  const where = w.namespace ? `${w.namespace}/` : '';
  return `${actor(r)} ${pastTense[r.derivedVerb] ?? r.derivedVerb} ${w.kind} ${where}${w.name}`;
}

/** The name a create gave its object: objectRef's, else the written object's, else `<generateName>*`. */
export function createdName(record: NormalizedRecord, event: AuditEvent): string | null {
  const metadata = field(writtenObject(event), 'metadata');
  const generated = str(field(metadata, 'generateName'));
  return record.name ?? str(field(metadata, 'name')) ?? (generated === undefined ? null : `${generated}*`);
}

export const containerRef = (c: ContainerInfo) => ({ name: c.name, kind: c.kind, image: c.image });

export const nameList = (names: readonly string[]) => names.map((n) => (n === '' ? '(unnamed)' : n)).join(', ');

export const containersOfWrite = (w: WorkloadWrite) => w.specs.flatMap((s) => s.containers);

export const untrusted = (c: ContainerInfo, s: RuleSettings) => !isTrustedImage(c.image, s.trustedImages);

/** Pod-level settings are exempt only when every container that could use them runs a trusted image. */
export const allTrusted = (cs: readonly ContainerInfo[], s: RuleSettings) => cs.length > 0 && cs.every((c) => !untrusted(c, s));

export const hostNamespaceFields = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/**
 * The entry of `sensitive` (RuleSettings.sensitiveHostPaths) a hostPath is equal to, under or an ancestor of
 * ('/' only matches itself; '*' matches every hostPath).
 */
export function sensitiveHostPath(hostPath: string, sensitive: readonly string[]): string | undefined {
  if (!hostPath.startsWith('/')) return undefined;
  const p = path.posix.normalize(hostPath).replace(/(.)\/+$/, '$1');
  if (sensitive.includes('*')) return '*';
  const dirs = sensitive.filter((s) => s !== '/');
  if (p === '/') return sensitive.includes('/') ? '/' : undefined;
  return dirs.find((s) => p === s || p.startsWith(`${s}/`)) ?? dirs.find((s) => s.startsWith(`${p}/`));
}

export const mounts = (c: ContainerInfo, volume: string) => arr(field(c.spec, 'volumeMounts')).some((m) => field(m, 'name') === volume);

// Capabilities that break out of or see through the container. NET_RAW is left out on purpose: Docker and
// containerd grant it by default, so adding it rarely changes anything, and at high severity it would be
// noise; Pod Security Baseline still reports it (pod-security-violation). MAC_ADMIN/MAC_OVERRIDE are
// added: they let a process change or bypass the AppArmor/SELinux policy confining the container.
export const dangerousCapabilities = new Set([
  'ALL',
  'SYS_ADMIN',
  'SYS_MODULE',
  'SYS_PTRACE',
  'NET_ADMIN',
  'DAC_READ_SEARCH',
  'SYS_RAWIO',
  'BPF',
  'PERFMON',
  'SYS_BOOT',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
]);

export const capabilityName = (cap: string) => cap.trim().toUpperCase().replace(/^CAP_/, '');

// ---------------------------------------------------------------------------------------------------
// Security context, SELinux, host ports

export const seccompPodAnnotation = 'seccomp.security.alpha.kubernetes.io/pod';

export const seccompContainerAnnotation = 'container.seccomp.security.alpha.kubernetes.io/';

export const appArmorContainerAnnotation = 'container.apparmor.security.beta.kubernetes.io/';

export interface Setting {
  value: unknown;
  source: string;
}

/** The first setting that is present: the container's own overrides the pod's, fields override annotations. */
export function effective(...candidates: Setting[]): Setting | undefined {
  return candidates.find((c) => c.value !== undefined && c.value !== null);
}

export const isUnconfined = (s: Setting | undefined) => typeof s?.value === 'string' && s.value.toLowerCase() === 'unconfined';

/** What makes one container's effective security context insecure (the container overrides the pod). */
export function insecureSettings(s: PodSpecInfo, c: ContainerInfo): string[] {
  const sc = field(c.spec, 'securityContext');
  const podSc = field(s.spec, 'securityContext');
  const annotations = field(s.metadata, 'annotations');
  const issues: string[] = [];
  if (field(sc, 'allowPrivilegeEscalation') === true) issues.push('allowPrivilegeEscalation: true');
  const runAsUser = effective(
    { value: field(sc, 'runAsUser'), source: 'container' },
    { value: field(podSc, 'runAsUser'), source: 'pod' },
  );
  if (runAsUser?.value === 0) issues.push(`runAsUser: 0 (${runAsUser.source})`);
  // runAsNonRoot: false switches the kubelet's non-root check off on purpose; with no runAsUser the container
  // runs as the image's USER, root unless the image says otherwise (the default, unset, is not reported).
  const runAsNonRoot = effective(
    { value: field(sc, 'runAsNonRoot'), source: 'container' },
    { value: field(podSc, 'runAsNonRoot'), source: 'pod' },
  );
  if (runAsNonRoot?.value === false && typeof runAsUser?.value !== 'number') issues.push(`runAsNonRoot: false without runAsUser (${runAsNonRoot.source})`);
  const seccomp = effective(
    { value: field(sc, 'seccompProfile', 'type'), source: 'container' },
    { value: field(annotations, seccompContainerAnnotation + c.name), source: `annotation ${seccompContainerAnnotation}${c.name}` },
    { value: field(podSc, 'seccompProfile', 'type'), source: 'pod' },
    { value: field(annotations, seccompPodAnnotation), source: `annotation ${seccompPodAnnotation}` },
  );
  if (seccomp && isUnconfined(seccomp)) issues.push(`seccomp: Unconfined (${seccomp.source})`);
  const appArmor = effective(
    { value: field(sc, 'appArmorProfile', 'type'), source: 'container' },
    { value: field(annotations, appArmorContainerAnnotation + c.name), source: `annotation ${appArmorContainerAnnotation}${c.name}` },
    { value: field(podSc, 'appArmorProfile', 'type'), source: 'pod' },
  );
  if (appArmor && isUnconfined(appArmor)) issues.push(`appArmor: Unconfined (${appArmor.source})`);
  if (field(sc, 'procMount') === 'Unmasked') issues.push('procMount: Unmasked');
  return issues;
}

// Pod Security Standards (Baseline): the SELinux type must be unset or one of these; user and role unset.
export const allowedSeLinuxTypes = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

export function seLinuxOverride(options: unknown): Obj | undefined {
  if (!isObj(options)) return undefined;
  const type = str(options.type) ?? '';
  const user = str(options.user) ?? '';
  const role = str(options.role) ?? '';
  if (allowedSeLinuxTypes.has(type) && user === '' && role === '') return undefined;
  const out: Obj = {};
  if (!allowedSeLinuxTypes.has(type)) out.type = type;
  if (user !== '') out.user = user;
  if (role !== '') out.role = role;
  return out;
}

/** An allow-list entry is a registry (`registry.example.com`) or a registry with a path (`gcr.io/my-project`). */
export function registryAllowed(image: string, allowed: readonly string[]): boolean {
  const registry = registryOf(image);
  const normalized = normalizedImage(image);
  return allowed.some((entry) => {
    let e = entry.trim().toLowerCase().replace(/\/+$/, '');
    if (e === 'index.docker.io') e = 'docker.io';
    return e.includes('/') ? normalized.startsWith(`${e}/`) : e === registry;
  });
}

// ---------------------------------------------------------------------------------------------------
// Pod Security admission, system namespaces

export const auditViolations = 'pod-security.kubernetes.io/audit-violations';

export const enforceLabel = 'pod-security.kubernetes.io/enforce';

// ---------------------------------------------------------------------------------------------------
// Entering pods: exec, attach, port-forward, ephemeral containers

/** A completed streaming request to a pod subresource (SPDY clients POST, websocket clients GET). */
export function podStream(record: NormalizedRecord, event: AuditEvent, subresources: readonly string[]): boolean {
  if (record.resource !== 'pods' || record.subresource === null || !subresources.includes(record.subresource)) return false;
  if (record.derivedVerb !== 'create' && record.derivedVerb !== 'get') return false;
  return event.stage !== 'RequestReceived' && succeeded(record);
}

export const unique = (xs: readonly string[]) => [...new Set(xs)];

/**
 * The exec command and container: kube-apiserver records them only in the requestURI query (repeated,
 * URL-encoded `command=`); logs converted from other formats may carry PodExecOptions as requestObject.
 */
export function execOptions(record: NormalizedRecord, event: AuditEvent): { command: string[]; container: string | null } {
  const queryCommand = queryValues(record.requestUri, 'command');
  const command = queryCommand.length > 0 ? queryCommand : strings(field(event.requestObject, 'command'));
  const container = unique(queryValues(record.requestUri, 'container'))[0] ?? str(field(event.requestObject, 'container')) ?? null;
  return { command, container };
}

export const shell = String.raw`(?:[\w./-]*/)?(?:ba|z|da|k|a)?sh`;

export const suspiciousCommands: readonly { id: string; patterns: readonly RegExp[] }[] = [
  {
    // A shell wired to the network: bash's /dev/tcp, netcat -e/-c, an interactive shell with its
    // streams redirected, socat exec:, or a scripting language opening a socket.
    id: 'reverse-shell',
    patterns: [
      /\/dev\/(?:tcp|udp)\//,
      /\b(?:nc|ncat|netcat)\b.*(?:\s-[a-z]*[ec]\b|\s--(?:sh-)?exec\b)/,
      new RegExp(String.raw`\b${shell}\s+-i\b.*[<>]&`),
      /\bsocat\b.*\b(?:exec|system):/i,
      /\bmkfifo\b.*\b(?:nc|ncat|netcat|telnet|openssl)\b/,
      /\b(?:python[\d.]*|perl|ruby|php)\b.*\bsocket\b/,
    ],
  },
  {
    id: 'download-and-execute',
    patterns: [
      new RegExp(String.raw`\b(?:curl|wget)\b[^|]*\|\s*(?:sudo\s+)?(?:${shell}|python[\d.]*|perl)\b`),
      /(?:\$\(|`)\s*(?:curl|wget)\b/,
    ],
  },
  {
    // Cloud instance metadata: node credentials (AWS IPv4/IPv6, GCP, Azure, Alibaba).
    id: 'instance-metadata',
    patterns: [/169\.254\.169\.254|2852039166|0xa9fea9fe|metadata\.google\.internal|computeMetadata\/v1|metadata\/identity\/oauth2\/token|fd00:ec2::254|\b100\.100\.100\.200\b/i],
  },
  {
    // Credentials and keys on the container's or the node's filesystem: mounted Secrets, kubelet and
    // control-plane configuration, host password files, users' cloud and kube configuration, key stores,
    // other processes' environments (resolv.conf is name resolution, not a credential).
    id: 'credential-file',
    patterns: [/\/etc\/(?:shadow|gshadow|sudoers)\b|\/etc\/kubernetes\/|\/var\/lib\/kubelet\/|(?:\/root|\/home\/[^/\s]+|~)\/\.(?:ssh|aws|azure|kube|docker|config\/gcloud)\b|\/proc\/(?:\d+|self|\*)\/environ|\.(?:pem|key|p12|pfx|jks|keystore)\b/],
  },
  {
    // A download tool run inside the container, to anywhere but the pod itself and the API server (health
    // checks and JWKS reads are what probes do).
    id: 'download-tool',
    patterns: [/^(?!.*(?:\blocalhost\b|127\.0\.0\.1|kubernetes\.default\.svc|\/healthz|\/readyz|\/livez|\/openid\/v1\/jwks|\/\.well-known\/)).*(?:^|[\s;&|(`'"/])(?:curl|wget)\s/],
  },
  {
    // Kubernetes and cloud workload-identity token mounts (also reached through /run).
    id: 'service-account-token',
    patterns: [/\/run\/secrets\/(?:kubernetes\.io|eks\.amazonaws\.com)\/serviceaccount|\/run\/secrets\/azure\/tokens|\/run\/secrets\/tokens\b/],
  },
  {
    // kubectl cp runs tar in the container, in both directions.
    id: 'kubectl-cp',
    patterns: [/(?:^|[\s;&|(`'"])(?:[\w./-]*\/)?tar(?:\s|$)/],
  },
];

/** The patterns a command matches; `download-tool` only when no more specific pattern names what it fetched. */
export function suspiciousCommand(command: string): string[] {
  const found = suspiciousCommands.filter((s) => s.patterns.some((p) => p.test(command))).map((s) => s.id);
  return found.length > 1 ? found.filter((id) => id !== 'download-tool') : found;
}

export const ephemeralOf = (specs: readonly PodSpecInfo[]) => specs.flatMap((s) => s.containers).filter((c) => c.kind === 'ephemeralContainer');

// ---------------------------------------------------------------------------------------------------
// Quotas and limits

export const quotaResources: ReadonlyMap<string, { kind: string; field: string }> = new Map([
  ['resourcequotas', { kind: 'ResourceQuota', field: 'hard' }],
  ['limitranges', { kind: 'LimitRange', field: 'limits' }],
]);

/**
 * A workload rule: `match` runs only on a write of a workload (a Pod or a pod template), with that write;
 * the preamble every workload rule shares (`workloadWrite`) is here once.
 */
export function defineWorkloadRule(header: RuleHeader, match: (w: WorkloadWrite, ctx: RuleContext) => RuleMatch | undefined): Rule {
  return workloadRule(header, (ctx) => {
    const w = workloadWrite(ctx.record, ctx.event);
    return w ? match(w, ctx) : undefined;
  });
}
