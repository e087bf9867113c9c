import { auditRules } from './audit/index.js';
import { authenticationRules } from './authentication/index.js';
import { authorizationRules } from './authorization/index.js';
import { credentialsRules } from './credentials/index.js';
import { csrRules } from './csr/index.js';
import { networkRules } from './network/index.js';
import type { Rule } from './types.js';
import { workloadRules } from './workload/index.js';

export type { Rule, RuleContext, RuleMatch } from './types.js';

/** The catalogue, category by category (the order of `ruleCategories` and of the README's table). */
export const builtinRules: readonly Rule[] = [...authenticationRules, ...credentialsRules, ...csrRules, ...networkRules, ...authorizationRules, ...auditRules, ...workloadRules];
