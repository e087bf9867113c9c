export { createEngine, type Analysis, type Engine } from './engine.js';
export { normalize, eventTime } from './normalize.js';
export { splitItems } from './input.js';
export { findingId, syntheticAuditId, sha256Hex } from './ids.js';
export { builtinRules, type Rule, type RuleContext, type RuleMatch } from './rules/index.js';
export { RbacRegistry } from './rbac/index.js';
export { rbacRequestOf } from './rbac-verdict.js';
export { unwrapDocument } from './unwrap.js';
export { defaultRuleSettings, type RuleSettings, type RuleCategory } from './rules/types.js';
