// Writes docs/conformance.md (logic in test/conformance/report.ts). tsx needs the `source` condition:
//   npx tsx --conditions=source scripts/conformance-report.ts
import { writeReport } from '../test/conformance/report.js';

console.log(`wrote ${writeReport()}`);
