import { auditRules } from './audit.js';
import { authnRules } from './authn.js';
import { authzRules } from './authz.js';
import { credentialRules } from './credentials.js';
import { csrRules } from './csr.js';
import { networkRules } from './network.js';
import { rbacRules } from './rbac.js';
import { statefulRules } from './stateful.js';
import type { Rule } from './types.js';
import { workloadRules } from './workloads.js';

export type { Rule, RuleContext, RuleMatch } from './types.js';

export const builtinRules: readonly Rule[] = [...authnRules, ...credentialRules, ...csrRules, ...networkRules, ...authzRules, ...rbacRules, ...auditRules, ...workloadRules, ...statefulRules];
