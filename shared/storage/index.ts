export { findingLine, openDatabase, recordLine, stagedAsIs, type StagedLine, type ConsumerOffset, type Database, type Row, type SqlParams, type StoredRecord } from './database.js';
export * from './schema.js';
export { retentionPass, runRetentionPass, startRetention, type Retention, type RetentionResult } from './retention.js';
export { handOffToLake, lakeFiles, lakeLiteral, tableWithLake, tableWithLakeOf, type HandOff, type LakeTable, type ParamBinder } from './lake.js';
export { exportParquet, exportTime, openReadOnly, sqlDirectoryLiteral, type ExportResult } from './export.js';
export { LineFile, Staged, stagingDirOf } from './staging.js';
