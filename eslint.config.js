// Type-aware lint for the whole monorepo. Import boundaries follow STYLE.md ("What may import what").
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'worker_threads', 'http', 'net', 'url', 'util'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs', 'build/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.tests.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/packages/*/src/**', '@cairn/*/src/**'], message: 'Import another package by its name, never its src/ path.' }] }],
    },
  },
  {
    // The domain is pure: no I/O, no SQLite, no clock or random ids.
    files: ['packages/core/src/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'better-sqlite3', message: 'The domain does no I/O.' }, { name: 'uuid', message: 'Ids arrive in commands.' }],
          patterns: [
            { group: nodeBuiltins, message: 'The domain does no I/O.' },
            { group: ['../../store/*', '../../projections/*', '../../engine/*', '../../api/*', '../../jobs/*', '../../ids/*', '../../search/*', '../../ingest/*', '../../sync/*'], message: 'The domain never uses the layers built on it.' },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Time arrives in command metadata.' }, { object: 'Math', property: 'random', message: 'Randomness arrives from outside.' }],
      'no-restricted-globals': ['error', { name: 'crypto', message: 'Ids arrive in commands.' }],
    },
  },
  {
    // The UI sees the engine only through types and the RPC contract; it never touches Node or Electron.
    // src/e2e is the Node side of its browser tests and benchmark (it drives Chromium), not UI code.
    files: ['packages/ui/src/**/*.{ts,tsx}'],
    ignores: ['packages/ui/src/e2e/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The UI talks to the engine only through the RPC contract.' }],
          patterns: [{ group: nodeBuiltins, message: 'The UI runs in a browser.' }],
        },
      ],
    },
  },
  {
    // The sync server uses core's pure parts only (never SQLite).
    files: ['apps/sync-server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@cairn/core', message: 'Import @cairn/core/domain or @cairn/core/protocol: the server must not load SQLite.' }, { name: 'better-sqlite3', message: 'The server runs on Postgres.' }] }],
    },
  },
  {
    files: ['**/*.test.ts', '**/testing/**/*.ts', '**/*.contract.ts', 'packages/ui/src/e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // Tests read answers off the wire (JSON bodies) the way a client would, without declaring every shape.
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
