// Attribution of an audit event's authorization decision, from the annotations the API server's
// authorization filter writes (k8s.io/apiserver pkg/endpoints/filters/authorization.go):
//   authorization.k8s.io/decision  "allow" | "forbid"   (absent when authorization errored: reason "internal error")
//   authorization.k8s.io/reason    the deciding authorizer's reason; on forbid, the union authorizer joins
//                                  every authorizer's non-empty reason with "\n".
// Reason formats, as written by Kubernetes (formats learned from the source; no code copied):
// - RBAC allow (plugin/pkg/auth/authorizer/rbac/rbac.go, pkg/registry/rbac/validation/rule.go), Go %q quoting:
//     RBAC: allowed by ClusterRoleBinding "<name>" of ClusterRole "<role>" to Group "<group>"
//     RBAC: allowed by RoleBinding "<name>/<ns>" of Role "<role>" to ServiceAccount "<sa>/<sa-ns>"
//     (subjects: User "<name>", Group "<name>", ServiceAccount "<name>/<ns>")
// - RBAC no-opinion: "" or "RBAC: <resolution errors>", e.g. RBAC: clusterrole.rbac.authorization.k8s.io "x" not found
// - Node authorizer (plugin/pkg/auth/authorizer/node/node_authorizer.go): allows carry "" (indistinguishable);
//   denials carry e.g. "no relationship found between node 'n1' and this object", "node 'n1' cannot read all
//   nodes, only its own Node object", "unknown node for user \"system:node:x\"", "can only access node lease
//   with the same name as the requesting node". Older releases quote the node name with double quotes.
// - ABAC: allow "", deny "No policy matched."
// - AlwaysAllow: "". AlwaysDeny: "Everything is forbidden." (reported as unknown: no such authorizer kind here).
// - Webhook: the remote SubjectAccessReview's status.reason, verbatim and unprefixed, so free text is
//   reported as `unknown`; nothing in it reliably says "webhook".
// An empty or missing reason gives `unknown`, also with decision allow: AlwaysAllow, the Node authorizer,
// ABAC and a webhook with an empty reason all allow with "" and cannot be told apart. 'always-allow' and
// 'webhook' exist for callers that know the cluster's authorizer chain; this parser never infers them.

export type AuthorizerKind = 'rbac' | 'node' | 'webhook' | 'abac' | 'always-allow' | 'unknown';

export interface AuthorizerAttribution {
  decision: 'allow' | 'forbid' | null;
  authorizer: AuthorizerKind;
  binding: { kind: string; name: string; namespace?: string } | null;
  role: { kind: string; name: string } | null;
  subject: { kind: string; name: string; namespace?: string } | null;
}

export const DECISION_ANNOTATION = 'authorization.k8s.io/decision';
export const REASON_ANNOTATION = 'authorization.k8s.io/reason';

const quoted = String.raw`"((?:[^"\\]|\\.)*)"`;
const rbacAllow = new RegExp(String.raw`^RBAC: allowed by (ClusterRoleBinding|RoleBinding) ${quoted} of (\w+) ${quoted} to (\w+) ${quoted}\s*$`);
// Hand-trimmed or truncated allow reasons (test fixtures: `RBAC: allowed by ClusterRoleBinding system:x`).
const rbacAllowLoose = new RegExp(String.raw`^RBAC: allowed by (\w+)(?: (?:${quoted}|(\S+)))?`);

const nodeNamed = /^(?:no relationship found between node ['"].*['"] and this object|(?:unknown )?node ['"].*['"] cannot .+|unknown node for user .+)$/;
const nodeFixed = new Set([
  'can only get, create, update, patch, or delete a node lease',
  'can only access leases in the "kube-node-lease" system namespace',
  'can only access node lease with the same name as the requesting node',
  'can only get, create, update, patch, or delete a CSINode',
  'cannot authorize CSINode subresources',
  'can only access CSINode with the same name as the requesting node',
  'can only create tokens for individual service accounts',
  'can only create token subresource of serviceaccount',
  'can only list/watch pods with spec.nodeName field selector',
  'can only list/watch/deletecollection resourceslices with nodeName field selector',
  'cannot authorize ResourceSlice subresources',
  'only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection',
  'can only read resources of this type',
  'can only read namespaced object of this type',
  'can only get individual resources of this type',
  'can only get/update/patch this type',
  'can only update status subresource',
  'cannot get subresource',
  'cannot read subresource',
  'No Object name found',
]);

const simpleEscapes: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** Undoes Go's %q escaping of the text between the quotes. */
export function goUnquote(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (whole, esc: string) => {
    const c = esc[0] ?? '';
    if (esc.length === 1) return simpleEscapes[c] ?? whole;
    if (c === 'x' || c === 'u' || c === 'U') {
      const cp = Number.parseInt(esc.slice(1), 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return String.fromCharCode(Number.parseInt(esc, 8));
  });
}

/** `name/namespace` (how RBAC describes RoleBindings and ServiceAccounts); both are slash-free in Kubernetes. */
function splitNamespaced(kind: string, value: string): { kind: string; name: string; namespace?: string } {
  const i = value.lastIndexOf('/');
  if (i < 0) return { kind, name: value };
  return { kind, name: value.slice(0, i), namespace: value.slice(i + 1) };
}

interface LineAttribution {
  authorizer: AuthorizerKind;
  binding: AuthorizerAttribution['binding'];
  role: AuthorizerAttribution['role'];
  subject: AuthorizerAttribution['subject'];
}

function attributeLine(line: string): LineAttribution | null {
  const text = line.trim();
  if (text === '') return null;
  if (text.startsWith('RBAC:')) {
    const m = rbacAllow.exec(text);
    if (m) {
      const [, bindingKind = '', bindingName = '', roleKind = '', roleName = '', subjectKind = '', subjectName = ''] = m;
      const bindingValue = goUnquote(bindingName);
      const subjectValue = goUnquote(subjectName);
      return {
        authorizer: 'rbac',
        binding: bindingKind === 'RoleBinding' ? splitNamespaced(bindingKind, bindingValue) : { kind: bindingKind, name: bindingValue },
        role: { kind: roleKind, name: goUnquote(roleName) },
        subject: subjectKind === 'ServiceAccount' ? splitNamespaced(subjectKind, subjectValue) : { kind: subjectKind, name: subjectValue },
      };
    }
    const loose = rbacAllowLoose.exec(text);
    if (loose) {
      const [, kind = '', quotedName, bareName] = loose;
      const name = quotedName !== undefined ? goUnquote(quotedName) : bareName;
      const binding = name === undefined || name === '' ? null : kind === 'RoleBinding' ? splitNamespaced(kind, name) : { kind, name };
      return { authorizer: 'rbac', binding, role: null, subject: null };
    }
    return { authorizer: 'rbac', binding: null, role: null, subject: null };
  }
  if (nodeNamed.test(text) || nodeFixed.has(text)) return { authorizer: 'node', binding: null, role: null, subject: null };
  if (text === 'No policy matched.') return { authorizer: 'abac', binding: null, role: null, subject: null };
  return null;
}

export function parseAuthorization(annotations: Readonly<Record<string, string>> | null | undefined): AuthorizerAttribution {
  const rawDecision = annotations?.[DECISION_ANNOTATION];
  const decision = rawDecision === 'allow' || rawDecision === 'forbid' ? rawDecision : null;
  const reason = annotations?.[REASON_ANNOTATION] ?? '';
  const result: AuthorizerAttribution = { decision, authorizer: 'unknown', binding: null, role: null, subject: null };
  let first: LineAttribution | null = null;
  for (const line of reason.split('\n')) {
    const a = attributeLine(line);
    if (!a) continue;
    // An RBAC grant names the deciding binding: prefer it over any other recognised line.
    if (a.binding !== null && a.role !== null) {
      first = a;
      break;
    }
    first ??= a;
  }
  if (first) Object.assign(result, first);
  return result;
}
