export { RuleState, defaultStateCapacity, type StateChange, type StateValue } from './store.js';
