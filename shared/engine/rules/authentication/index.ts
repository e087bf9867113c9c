import type { Rule } from '../types.js';
import { anonymousRequestAllowed } from './anonymous-request-allowed.js';
import { anonymousKubeletAccess } from './anonymous-kubelet-access.js';
import { anonymousBindingCreated } from './anonymous-binding-created.js';
import { systemMastersUsed } from './system-masters-used.js';
import { bootstrapTokenMisuse } from './bootstrap-token-misuse.js';
import { privilegedImpersonation } from './privileged-impersonation.js';
import { anonymousScan } from './anonymous-scan.js';

import { clusterConfigModified } from './cluster-config-modified.js';
import { offensiveToolUserAgent } from './offensive-tool-user-agent.js';
import { newClientForIdentity } from './new-client-for-identity.js';
import { nodeRegisteredUnexpected } from './node-registered-unexpected.js';
export const authenticationRules: Rule[] = [anonymousRequestAllowed, anonymousKubeletAccess, anonymousBindingCreated, systemMastersUsed, bootstrapTokenMisuse, privilegedImpersonation, anonymousScan, clusterConfigModified, offensiveToolUserAgent, newClientForIdentity, nodeRegisteredUnexpected];
