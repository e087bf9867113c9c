export { resolveRequestInfo, httpMethodOf, type RequestInfo } from './resolve.js';
export { deriveAttributes, type DerivedAttributes, type AuditEventLike, type AuditObjectRefLike } from './derive.js';
