import { authnRules } from './authn.js';
import { authzRules } from './authz.js';
import { credentialRules } from './credentials.js';
import { networkRules } from './network.js';
import type { Rule } from './types.js';

export type { Rule, RuleContext, RuleMatch } from './types.js';

export const builtinRules: readonly Rule[] = [...authnRules, ...credentialRules, ...networkRules, ...authzRules];
