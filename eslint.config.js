// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Lint defends the architecture: strict type-checked rules (no floating promises: an unawaited send
// loses data), no `any`, no `.only`, services never import each other, kafkajs only in the Kafka adapter.
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
      'no-restricted-imports': ['error', { paths: [{ name: 'kafkajs', message: 'only shared/bus/kafka.ts talks to Kafka' }] }],
    },
  },
  {
    files: ['shared/bus/kafka.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['services/ingest/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/analyzer/**', '**/store/**', '**/replay/**', '**/standalone/**'], message: 'services never import each other' }] }],
    },
  },
  {
    files: ['services/analyzer/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/ingest/**', '**/store/**', '**/replay/**', '**/standalone/**'], message: 'services never import each other' }] }],
    },
  },
  {
    files: ['services/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/ingest/**', '**/analyzer/**', '**/replay/**', '**/standalone/**'], message: 'services never import each other' }] }],
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
