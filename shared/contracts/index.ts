export * from './audit-event.js';
export * from './envelope.js';
export * from './record.js';
export * from './finding.js';
export * from './fast-parse.js';
export * from './time.js';
export * from './event-limits.js';
export * from './event-digest.js';
