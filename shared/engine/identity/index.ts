export * from './classify.js';
export { userAgentProduct } from './user-agent.js';
