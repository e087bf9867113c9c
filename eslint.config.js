// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Lint defends the architecture: strict type-checked rules (no floating promises: an unawaited send
// loses data), no `any`, no `.only`, services never import each other, kafkajs only in the Kafka adapter.
const kafkajs = { name: 'kafkajs', message: 'only shared/bus/kafka/ talks to Kafka' };
const deepShared = { group: ['\\#shared/*/*'], message: 'import a module through its index: #shared/<module>' };
const services = ['ingest', 'analyzer', 'store', 'replay', 'export', 'standalone'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', '.kafka/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only', message: 'no focused tests' },
        { object: 'it', property: 'only', message: 'no focused tests' },
        { object: 'test', property: 'only', message: 'no focused tests' },
      ],
      'no-restricted-imports': ['error', { paths: [kafkajs], patterns: [deepShared] }],
    },
  },
  {
    files: ['shared/bus/kafka/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // Services never import each other (standalone, which wires them all, is the one exception), nothing
  // outside a module reaches into it (`#shared/<module>` only, never `#shared/<module>/<file>`), the engine
  // is pure analysis (no bus, storage, HTTP, auth, metrics or configuration), and contracts import nothing
  // of ours.
  ...['ingest', 'analyzer', 'store', 'replay', 'export'].map((service) => ({
    files: [`services/${service}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [kafkajs],
          patterns: [
            { group: services.filter((s) => s !== service).map((s) => `**/${s}/**`), message: 'services never import each other' },
            deepShared,
          ],
        },
      ],
    },
  })),
  {
    files: ['shared/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [kafkajs, ...['bus', 'storage', 'http', 'auth', 'metrics', 'config'].map((m) => ({ name: `#shared/${m}`, message: 'the engine is pure analysis: no bus, storage, HTTP, auth, metrics or configuration' }))], patterns: [deepShared] },
      ],
    },
  },
  {
    files: ['shared/contracts/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [kafkajs], patterns: [{ group: ['\\#shared/*'], message: 'contracts import nothing of ours' }] }] },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
