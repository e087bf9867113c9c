import type { Rule } from '../types.js';
import { authzDecisionMismatch } from './authz-decision-mismatch.js';
import { permissionEnumeration } from './permission-enumeration.js';
import { clusterAdminBinding } from './cluster-admin-binding.js';
import { rbacWildcard } from './rbac-wildcard.js';
import { rbacEscalationVerbs } from './rbac-escalation-verbs.js';
import { rbacSensitiveGrant } from './rbac-sensitive-grant.js';
import { systemRoleModified } from './system-role-modified.js';
import { secretsEnumeration } from './secrets-enumeration.js';
import { admissionControlModified } from './admission-control-modified.js';
import { forbiddenBurst } from './forbidden-burst.js';

import { nodeProxyUsed } from './node-proxy-used.js';
import { discoveryBurst } from './discovery-burst.js';
import { rbacThenWorkload } from './rbac-then-workload.js';
export const authorizationRules: Rule[] = [authzDecisionMismatch, permissionEnumeration, clusterAdminBinding, rbacWildcard, rbacEscalationVerbs, rbacSensitiveGrant, systemRoleModified, secretsEnumeration, admissionControlModified, forbiddenBurst, nodeProxyUsed, discoveryBurst, rbacThenWorkload];
