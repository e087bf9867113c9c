export * from './env.js';
export * from './services.js';
export * from './token-lists.js';
export * from './kafka-connection.js';
export * from './aks-source.js';
export * from './eks-source.js';
export * from './gke-push.js';
export { readConfigFile } from './values.js';
