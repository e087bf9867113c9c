export { findingLine, openDatabase, recordLine, stagedAsIs, type StagedLine, type ConsumerOffset, type Database, type Row, type SqlParams, type StoredRecord } from './database.js';
export * from './schema.js';
export { runRetentionPass, startRetention, type Retention } from './retention.js';
export { exportParquet, exportTime, openReadOnly, sqlDirectoryLiteral, type ExportResult } from './export.js';
export { LineFile, Staged, stagingDirOf } from './staging.js';
