import path from 'node:path';
import type { AuditEvent, NormalizedRecord } from '#shared/contracts';
import { arr, field, isObj, isSystemIdentity, str, strings, succeeded, writtenObject, type Obj } from './objects.js';
import {
  completedWrite,
  fromJsonPatch,
  isDigestPinned,
  isDryRun,
  isEmptyValue,
  isTrustedImage,
  isWorkloadWrite,
  normalizedImage,
  objectOf,
  patchRemoves,
  podSpecsOf,
  queryValues,
  registryOf,
  storedObject,
  workloadResourceOf,
  workloadWrite,
  type ContainerInfo,
  type PodSpecInfo,
  type WorkloadWrite,
} from './pod-spec.js';
import type { Rule, RuleSettings } from './types.js';

// Workload rules (SPEC §5.1): what a pod or pod template asks of the node, how pods are entered, and the
// guard rails (Pod Security labels, quotas) around them. Each is one cheap check on the record first;
// objects are walked only for completed writes of workload resources, once per event (pod-spec.ts).

// ---------------------------------------------------------------------------------------------------
// Wording and evidence shared by the rules

const pastTense: Readonly<Record<string, string>> = { create: 'created', update: 'updated', patch: 'patched' };

function actor(r: NormalizedRecord): string {
  return r.impersonatedUser ? `${r.impersonatedUser} (impersonated by ${r.user})` : r.user;
}

function wrote(r: NormalizedRecord, w: WorkloadWrite): string {
  const where = w.namespace ? `${w.namespace}/` : '';
  return `${actor(r)} ${pastTense[r.derivedVerb] ?? r.derivedVerb} ${w.kind} ${where}${w.name}`;
}

const containerRef = (c: ContainerInfo) => ({ name: c.name, kind: c.kind, image: c.image });
const nameList = (names: readonly string[]) => names.map((n) => (n === '' ? '(unnamed)' : n)).join(', ');
const containersOfWrite = (w: WorkloadWrite) => w.specs.flatMap((s) => s.containers);

const untrusted = (c: ContainerInfo, s: RuleSettings) => !isTrustedImage(c.image, s.trustedImages);
/** Pod-level settings are exempt only when every container that could use them runs a trusted image. */
const allTrusted = (cs: readonly ContainerInfo[], s: RuleSettings) => cs.length > 0 && cs.every((c) => !untrusted(c, s));

// ---------------------------------------------------------------------------------------------------
// Host access: privileged, host namespaces, hostPath, capabilities

export const privilegedContainer: Rule = {
  id: 'privileged-container',
  title: 'Privileged container',
  severity: 'high',
  category: 'workload',
  mitre: ['T1611', 'T1610'],
  evaluate({ record, event, settings }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const hits: Obj[] = [];
    for (const s of w.specs) {
      // Windows HostProcess containers are the Windows form of privileged (Pod Security Standards, Baseline).
      const podHostProcess = field(s.spec, 'securityContext', 'windowsOptions', 'hostProcess');
      for (const c of s.containers) {
        if (!untrusted(c, settings)) continue;
        const sc = field(c.spec, 'securityContext');
        const hostProcess = field(sc, 'windowsOptions', 'hostProcess') ?? podHostProcess;
        if (field(sc, 'privileged') === true) hits.push(containerRef(c));
        else if (hostProcess === true) hits.push({ ...containerRef(c), hostProcess: true });
      }
    }
    if (hits.length === 0) return undefined;
    return {
      summary: `${wrote(record, w)} with privileged container(s) ${nameList(hits.map((h) => String(h.name)))}.`,
      evidence: { containers: hits },
    };
  },
};

const hostNamespaceFields = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

export const hostNamespace: Rule = {
  id: 'host-namespace',
  title: "Pod shares the node's namespaces",
  severity: 'high',
  category: 'workload',
  mitre: ['T1611', 'T1610'],
  evaluate({ record, event, settings }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const shared = new Set<string>();
    for (const s of w.specs) {
      if (allTrusted(s.containers, settings)) continue;
      for (const f of hostNamespaceFields) if (s.spec[f] === true) shared.add(f);
    }
    if (shared.size === 0) return undefined;
    const hostNamespaces = [...shared];
    return { summary: `${wrote(record, w)} with ${hostNamespaces.join(', ')}.`, evidence: { hostNamespaces } };
  },
};

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

const mounts = (c: ContainerInfo, volume: string) => arr(field(c.spec, 'volumeMounts')).some((m) => field(m, 'name') === volume);

export const sensitiveHostMount: Rule = {
  id: 'sensitive-host-mount',
  title: 'Sensitive host path mounted',
  severity: 'high',
  category: 'workload',
  mitre: ['T1611', 'T1610'],
  evaluate({ record, event, settings }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const hostPaths: Obj[] = [];
    for (const s of w.specs) {
      for (const v of arr(s.spec.volumes)) {
        const hostPath = str(field(v, 'hostPath', 'path'));
        const sensitive = hostPath === undefined ? undefined : sensitiveHostPath(hostPath, settings.sensitiveHostPaths);
        if (sensitive === undefined) continue;
        const volume = str(field(v, 'name')) ?? '';
        const mountedBy = s.containers.filter((c) => mounts(c, volume));
        if (allTrusted(mountedBy.length > 0 ? mountedBy : s.containers, settings)) continue;
        hostPaths.push({ volume, path: hostPath, sensitive, mountedBy: mountedBy.map((c) => c.name) });
      }
    }
    if (hostPaths.length === 0) return undefined;
    return {
      summary: `${wrote(record, w)} mounting host path(s) ${hostPaths.map((h) => String(h.path)).join(', ')}.`,
      evidence: { hostPaths },
    };
  },
};

// Capabilities that break out of or see through the container. NET_RAW is left out on purpose: Docker and
// containerd grant it by default, so adding it rarely changes anything, and at high severity it would be
// noise; Pod Security Baseline still reports it (pod-security-violation). MAC_ADMIN/MAC_OVERRIDE are
// added: they let a process change or bypass the AppArmor/SELinux policy confining the container.
const dangerousCapabilities = new Set([
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

export const dangerousCapability: Rule = {
  id: 'dangerous-capability',
  title: 'Dangerous Linux capability added',
  severity: 'high',
  category: 'workload',
  mitre: ['T1611', 'T1610'],
  evaluate({ record, event, settings }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const hits: Obj[] = [];
    for (const c of containersOfWrite(w)) {
      const added = strings(field(c.spec, 'securityContext', 'capabilities', 'add'));
      const capabilities = added.filter((cap) => dangerousCapabilities.has(capabilityName(cap)));
      if (capabilities.length > 0 && untrusted(c, settings)) hits.push({ ...containerRef(c), capabilities });
    }
    if (hits.length === 0) return undefined;
    const caps = [...new Set(hits.flatMap((h) => strings(h.capabilities)))];
    return {
      summary: `${wrote(record, w)} adding capabilities ${caps.join(', ')} to ${nameList(hits.map((h) => String(h.name)))}.`,
      evidence: { containers: hits },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// Security context, SELinux, host ports

const seccompPodAnnotation = 'seccomp.security.alpha.kubernetes.io/pod';
const seccompContainerAnnotation = 'container.seccomp.security.alpha.kubernetes.io/';
const appArmorContainerAnnotation = 'container.apparmor.security.beta.kubernetes.io/';

interface Setting {
  value: unknown;
  source: string;
}

/** The first setting that is present: the container's own overrides the pod's, fields override annotations. */
function effective(...candidates: Setting[]): Setting | undefined {
  return candidates.find((c) => c.value !== undefined && c.value !== null);
}

const isUnconfined = (s: Setting | undefined) => typeof s?.value === 'string' && s.value.toLowerCase() === 'unconfined';

/** What makes one container's effective security context insecure (the container overrides the pod). */
function insecureSettings(s: PodSpecInfo, c: ContainerInfo): string[] {
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

export const insecureSecurityContext: Rule = {
  id: 'insecure-security-context',
  title: 'Insecure container security context',
  severity: 'medium',
  category: 'workload',
  mitre: ['T1611', 'T1610'],
  evaluate({ record, event, settings }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const hits: Obj[] = [];
    for (const s of w.specs) {
      for (const c of s.containers) {
        if (!untrusted(c, settings)) continue;
        const issues = insecureSettings(s, c);
        if (issues.length > 0) hits.push({ ...containerRef(c), issues });
      }
    }
    if (hits.length === 0) return undefined;
    const detail = hits.map((h) => `${String(h.name)} (${strings(h.issues).join('; ')})`).join(', ');
    return { summary: `${wrote(record, w)} with an insecure security context: ${detail}.`, evidence: { containers: hits } };
  },
};

// Pod Security Standards (Baseline): the SELinux type must be unset or one of these; user and role unset.
const allowedSeLinuxTypes = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

function seLinuxOverride(options: unknown): Obj | undefined {
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

export const seLinuxOverrideRule: Rule = {
  id: 'selinux-override',
  title: 'SELinux confinement overridden',
  severity: 'medium',
  category: 'workload',
  mitre: ['T1611', 'T1562.001'],
  evaluate({ record, event }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const hits: Obj[] = [];
    for (const s of w.specs) {
      const pod = seLinuxOverride(field(s.spec, 'securityContext', 'seLinuxOptions'));
      if (pod) hits.push({ scope: 'pod', seLinuxOptions: pod });
      for (const c of s.containers) {
        const own = seLinuxOverride(field(c.spec, 'securityContext', 'seLinuxOptions'));
        if (own) hits.push({ scope: 'container', ...containerRef(c), seLinuxOptions: own });
      }
    }
    if (hits.length === 0) return undefined;
    const what = hits.map((h) => `${h.scope === 'pod' ? 'pod' : String(h.name)}: ${JSON.stringify(h.seLinuxOptions)}`).join(', ');
    return { summary: `${wrote(record, w)} overriding SELinux options (${what}).`, evidence: { seLinux: hits } };
  },
};

export const hostPort: Rule = {
  id: 'host-port',
  title: 'Container binds a host port',
  severity: 'medium',
  category: 'workload',
  mitre: ['T1610'],
  evaluate({ record, event }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const ports: Obj[] = [];
    for (const c of containersOfWrite(w)) {
      for (const p of arr(field(c.spec, 'ports'))) {
        const hp = field(p, 'hostPort');
        if (typeof hp !== 'number' || hp === 0) continue;
        ports.push({ container: c.name, hostPort: hp, containerPort: field(p, 'containerPort') ?? null, protocol: str(field(p, 'protocol')) ?? 'TCP' });
      }
    }
    if (ports.length === 0) return undefined;
    return { summary: `${wrote(record, w)} binding host port(s) ${ports.map((p) => String(p.hostPort)).join(', ')}.`, evidence: { ports } };
  },
};

// ---------------------------------------------------------------------------------------------------
// Images

export const unpinnedImage: Rule = {
  id: 'unpinned-image',
  title: 'Image not pinned by digest',
  severity: 'low',
  category: 'workload',
  mitre: ['T1525'],
  evaluate({ record, event }) {
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const containers = containersOfWrite(w).filter((c) => c.image !== '' && !isDigestPinned(c.image)).map(containerRef);
    if (containers.length === 0) return undefined;
    return {
      summary: `${wrote(record, w)} with image(s) not pinned by digest: ${[...new Set(containers.map((c) => c.image))].join(', ')}.`,
      evidence: { containers },
    };
  },
};

/** An allow-list entry is a registry (`registry.example.com`) or a registry with a path (`gcr.io/my-project`). */
function registryAllowed(image: string, allowed: readonly string[]): boolean {
  const registry = registryOf(image);
  const normalized = normalizedImage(image);
  return allowed.some((entry) => {
    let e = entry.trim().toLowerCase().replace(/\/+$/, '');
    if (e === 'index.docker.io') e = 'docker.io';
    return e.includes('/') ? normalized.startsWith(`${e}/`) : e === registry;
  });
}

export const untrustedRegistry: Rule = {
  id: 'untrusted-registry',
  title: 'Image from a registry outside the allow-list',
  severity: 'medium',
  category: 'workload',
  mitre: ['T1610', 'T1525'],
  evaluate({ record, event, settings }) {
    if (settings.allowedRegistries.length === 0) return undefined;
    const w = workloadWrite(record, event);
    if (!w) return undefined;
    const containers = containersOfWrite(w)
      .filter((c) => c.image !== '' && !registryAllowed(c.image, settings.allowedRegistries))
      .map((c) => ({ ...containerRef(c), registry: registryOf(c.image) }));
    if (containers.length === 0) return undefined;
    const registries = [...new Set(containers.map((c) => c.registry))];
    return { summary: `${wrote(record, w)} pulling from registry(ies) outside the allow-list: ${registries.join(', ')}.`, evidence: { containers } };
  },
};

// ---------------------------------------------------------------------------------------------------
// Pod Security admission, system namespaces

const auditViolations = 'pod-security.kubernetes.io/audit-violations';

export const podSecurityViolation: Rule = {
  id: 'pod-security-violation',
  title: 'Pod Security Standards violated',
  severity: 'medium',
  category: 'workload',
  mitre: ['T1610', 'T1611'],
  evaluate({ record }) {
    const violations = record.annotations[auditViolations];
    if (violations === undefined) return undefined;
    // `would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (…), …`
    const m = /PodSecurity "([^"]+)":\s*([\s\S]*)$/.exec(violations);
    const policy = m?.[1] ?? null;
    const target = [record.resource, [record.namespace, record.name].filter(Boolean).join('/')].filter(Boolean).join(' ');
    return {
      summary: `${actor(record)}'s ${record.derivedVerb} of ${target || record.requestUri} violates Pod Security "${policy ?? 'unknown'}": ${m?.[2] ?? violations}.`,
      evidence: { violations, policy },
    };
  },
};

const enforceLabel = 'pod-security.kubernetes.io/enforce';

/**
 * Namespace enforce label set to privileged, or gone after an update/patch whose stored result was
 * recorded (responseObject; or the body of an update, which is the whole object), or explicitly deleted
 * by a patch. Absence on create is not flagged: the cluster-wide default (AdmissionConfiguration) applies.
 */
export const podSecurityWeakened: Rule = {
  id: 'pod-security-weakened',
  title: 'Pod Security enforcement weakened',
  severity: 'high',
  category: 'workload',
  mitre: ['T1562.001', 'T1611'],
  evaluate({ record, event }) {
    if (record.resource !== 'namespaces' || record.subresource !== null || (record.apiGroup ?? '') !== '') return undefined;
    if (!completedWrite(record, event)) return undefined;
    const obj = objectOf(record, event);
    const namespace = record.name ?? str(field(obj, 'metadata', 'name')) ?? '';
    if (field(obj, 'metadata', 'labels', enforceLabel) === 'privileged') {
      return {
        summary: `${actor(record)} set ${enforceLabel}=privileged on namespace ${namespace}, turning off Pod Security enforcement there.`,
        evidence: { namespace, label: enforceLabel, value: 'privileged' },
      };
    }
    if (record.derivedVerb === 'create') return undefined;
    const stored = storedObject(record, event);
    const removed = stored ? field(stored, 'metadata', 'labels', enforceLabel) === undefined : patchRemoves(event.requestObject, ['metadata', 'labels', enforceLabel]);
    if (!removed) return undefined;
    return {
      summary: `${actor(record)} ${pastTense[record.derivedVerb] ?? record.derivedVerb} namespace ${namespace}, which is left without the ${enforceLabel} label.`,
      evidence: { namespace, label: enforceLabel, value: null },
    };
  },
};

export const workloadInSystemNamespace: Rule = {
  id: 'workload-in-system-namespace',
  title: 'Workload created in a system namespace',
  severity: 'medium',
  category: 'workload',
  mitre: ['T1610', 'T1036.005'],
  evaluate({ record, event, settings }) {
    if (record.derivedVerb !== 'create' || record.subresource !== null || record.namespace === null) return undefined;
    const res = workloadResourceOf(record);
    if (!res || !settings.systemNamespaces.includes(record.namespace)) return undefined;
    if (!completedWrite(record, event) || isSystemIdentity(record)) return undefined;
    const metadata = field(writtenObject(event), 'metadata');
    const generated = str(field(metadata, 'generateName'));
    const name = record.name ?? str(field(metadata, 'name')) ?? (generated === undefined ? null : `${generated}*`);
    return {
      summary: `${actor(record)} created ${res.kind} ${record.namespace}/${name ?? '(unnamed)'} in a system namespace.`,
      evidence: { namespace: record.namespace, kind: res.kind, name },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// Entering pods: exec, attach, port-forward, ephemeral containers

/** A completed streaming request to a pod subresource (SPDY clients POST, websocket clients GET). */
function podStream(record: NormalizedRecord, event: AuditEvent, subresources: readonly string[]): boolean {
  if (record.resource !== 'pods' || record.subresource === null || !subresources.includes(record.subresource)) return false;
  if (record.derivedVerb !== 'create' && record.derivedVerb !== 'get') return false;
  return event.stage !== 'RequestReceived' && succeeded(record);
}

const unique = (xs: readonly string[]) => [...new Set(xs)];

/**
 * The exec command and container: kube-apiserver records them only in the requestURI query (repeated,
 * URL-encoded `command=`); logs converted from other formats may carry PodExecOptions as requestObject.
 */
function execOptions(record: NormalizedRecord, event: AuditEvent): { command: string[]; container: string | null } {
  const queryCommand = queryValues(record.requestUri, 'command');
  const command = queryCommand.length > 0 ? queryCommand : strings(field(event.requestObject, 'command'));
  const container = unique(queryValues(record.requestUri, 'container'))[0] ?? str(field(event.requestObject, 'container')) ?? null;
  return { command, container };
}

export const podExec: Rule = {
  id: 'pod-exec',
  title: 'Exec or attach into a pod',
  severity: 'medium',
  category: 'workload',
  mitre: ['T1609'],
  evaluate({ record, event }) {
    if (!podStream(record, event, ['exec', 'attach'])) return undefined;
    const { command, container } = execOptions(record, event);
    const pod = `${record.namespace ?? ''}/${record.name ?? ''}`;
    const inContainer = container ? ` (container ${container})` : '';
    if (record.subresource === 'attach') {
      return {
        summary: `${actor(record)} attached to pod ${pod}${inContainer}.`,
        evidence: { pod: record.name, namespace: record.namespace, subresource: 'attach', container },
      };
    }
    return {
      summary: `${actor(record)} ran ${command.length > 0 ? `"${command.join(' ')}"` : 'a command'} in pod ${pod}${inContainer}.`,
      evidence: { pod: record.name, namespace: record.namespace, subresource: 'exec', container, command },
    };
  },
};

const shell = String.raw`(?:[\w./-]*/)?(?:ba|z|da|k|a)?sh`;
const suspiciousCommands: readonly { id: string; patterns: readonly RegExp[] }[] = [
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
    patterns: [/169\.254\.169\.254|metadata\.google\.internal|fd00:ec2::254|\b100\.100\.100\.200\b/i],
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

export function suspiciousCommand(command: string): string[] {
  return suspiciousCommands.filter((s) => s.patterns.some((p) => p.test(command))).map((s) => s.id);
}

export const podExecSuspiciousCommand: Rule = {
  id: 'pod-exec-suspicious-command',
  title: 'Suspicious command executed in a pod',
  severity: 'high',
  category: 'workload',
  mitre: ['T1609', 'T1059.004', 'T1105', 'T1528', 'T1552.005'],
  evaluate({ record, event }) {
    if (!podStream(record, event, ['exec'])) return undefined;
    const { command, container } = execOptions(record, event);
    if (command.length === 0) return undefined;
    const joined = command.join(' ');
    const matched = suspiciousCommand(joined);
    if (matched.length === 0) return undefined;
    return {
      summary: `${actor(record)} ran "${joined}" in pod ${record.namespace ?? ''}/${record.name ?? ''} (${matched.join(', ')}).`,
      evidence: { pod: record.name, namespace: record.namespace, container, command, matched },
    };
  },
};

export const portForward: Rule = {
  id: 'port-forward',
  title: 'Port forwarded to a pod',
  severity: 'low',
  category: 'workload',
  mitre: ['T1572'],
  evaluate({ record, event }) {
    if (!podStream(record, event, ['portforward'])) return undefined;
    const ports = queryValues(record.requestUri, 'ports');
    return {
      summary: `${actor(record)} forwarded ${ports.length > 0 ? `port(s) ${ports.join(', ')}` : 'a port'} to pod ${record.namespace ?? ''}/${record.name ?? ''}.`,
      evidence: { pod: record.name, namespace: record.namespace, ports },
    };
  },
};

const ephemeralOf = (specs: readonly PodSpecInfo[]) => specs.flatMap((s) => s.containers).filter((c) => c.kind === 'ephemeralContainer');

/**
 * `kubectl debug`: an update/patch of pods/ephemeralcontainers (fires at level Metadata too), or a write
 * whose request document itself carries ephemeralContainers. Only the request counts there: a stored Pod
 * keeps the ephemeral containers added earlier, so every later update's responseObject would show them.
 */
export const ephemeralContainer: Rule = {
  id: 'ephemeral-container',
  title: 'Ephemeral container added to a pod',
  severity: 'medium',
  category: 'workload',
  mitre: ['T1609', 'T1610'],
  evaluate({ record, event }) {
    if (!isWorkloadWrite(record, event)) return undefined;
    const res = workloadResourceOf(record);
    if (!res) return undefined;
    const request = isObj(event.requestObject) ? event.requestObject : Array.isArray(event.requestObject) ? fromJsonPatch(event.requestObject) : undefined;
    const requested = request ? ephemeralOf(podSpecsOf(res, request)) : [];
    const viaSubresource = record.subresource === 'ephemeralcontainers';
    if (!viaSubresource && requested.length === 0) return undefined;
    const written = viaSubresource && requested.length === 0 ? ephemeralOf(workloadWrite(record, event)?.specs ?? []) : requested;
    const containers = written.map((c) => ({ ...containerRef(c), targetContainerName: str(c.spec.targetContainerName) ?? null }));
    const pod = `${record.namespace ?? ''}/${record.name ?? str(field(request, 'metadata', 'name')) ?? ''}`;
    const names = containers.length > 0 ? ` ${nameList(containers.map((c) => c.name))}` : '';
    return {
      summary: `${actor(record)} added ephemeral container(s)${names} to ${res.kind} ${pod}.`,
      evidence: { via: viaSubresource ? 'pods/ephemeralcontainers' : 'pod spec', containers },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// Quotas and limits

const quotaResources: ReadonlyMap<string, { kind: string; field: string }> = new Map([
  ['resourcequotas', { kind: 'ResourceQuota', field: 'hard' }],
  ['limitranges', { kind: 'LimitRange', field: 'limits' }],
]);

/**
 * A ResourceQuota or LimitRange deleted, or updated/patched to hold nothing (empty `spec.hard` /
 * `spec.limits`). Control-plane identities are exempt: the namespace controller deletes every
 * collection of a namespace being deleted, the garbage collector removes owned objects.
 */
export const quotaOrLimitsRemoved: Rule = {
  id: 'quota-or-limits-removed',
  title: 'Resource quota or limit range removed',
  severity: 'medium',
  category: 'workload',
  mitre: ['T1496', 'T1562.001'],
  evaluate({ record, event }) {
    const q = record.resource === null ? undefined : quotaResources.get(record.resource);
    if (!q || record.subresource !== null || (record.apiGroup ?? '') !== '') return undefined;
    const verb = record.derivedVerb;
    const deleted = verb === 'delete' || verb === 'deletecollection';
    if (!deleted && verb !== 'update' && verb !== 'patch') return undefined;
    if (event.stage === 'RequestReceived' || !succeeded(record) || isDryRun(record) || isSystemIdentity(record)) return undefined;
    const where = `${record.namespace ?? ''}/${record.name ?? '*'}`;
    if (deleted) {
      return {
        summary: `${actor(record)} deleted ${q.kind} ${where}.`,
        evidence: { kind: q.kind, namespace: record.namespace, name: record.name, change: verb },
      };
    }
    const stored = storedObject(record, event);
    const emptied = stored ? isEmptyValue(field(stored, 'spec', q.field)) : patchRemoves(event.requestObject, ['spec', q.field]);
    if (!emptied) return undefined;
    return {
      summary: `${actor(record)} ${pastTense[verb] ?? verb} ${q.kind} ${where}, leaving spec.${q.field} empty.`,
      evidence: { kind: q.kind, namespace: record.namespace, name: record.name, change: `spec.${q.field} emptied` },
    };
  },
};

export const workloadRules: Rule[] = [
  privilegedContainer,
  hostNamespace,
  sensitiveHostMount,
  dangerousCapability,
  insecureSecurityContext,
  seLinuxOverrideRule,
  hostPort,
  unpinnedImage,
  untrustedRegistry,
  podSecurityViolation,
  podSecurityWeakened,
  workloadInSystemNamespace,
  podExec,
  podExecSuspiciousCommand,
  portForward,
  ephemeralContainer,
  quotaOrLimitsRemoved,
];
