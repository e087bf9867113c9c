export { applyTuning, type Tuning, type RuleErrors } from './apply.js';
export { CelLoadError, compileCel } from './cel.js';
export { tuningSchema, type TuningFile, type TuningInput } from './schema.js';
