export * from './types.js';
export {
  apiGroupMatches,
  labelSelectorMatches,
  nonResourceURLMatches,
  resourceMatches,
  resourceNameMatches,
  ruleAllows,
  toRule,
  verbMatches,
  type PolicyRule,
} from './match.js';
export { RbacModel, type RbacChange, type RbacModelSize, type RbacStatus } from './model.js';
export { type RbacAuditEvent } from './updates.js';
export { RbacRegistry, type LearntChange } from './registry.js';
export { DECISION_ANNOTATION, REASON_ANNOTATION, goUnquote, parseAuthorization, type AuthorizerAttribution, type AuthorizerKind } from './reason.js';
export { applyRbac, rbacRequestOf } from './verdict.js';
