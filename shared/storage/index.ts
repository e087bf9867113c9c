export { openDatabase, type Database, type Row, type SqlParams } from './database.js';
export * from './schema.js';
