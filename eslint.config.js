// Lint enforces the layer boundaries of ARCHITECTURE.md with no-restricted-imports per folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'url', 'http', 'net', 'zlib', 'stream'];
const pattern = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          pattern(nodeBuiltins, 'src/shared runs everywhere: no node built-ins.'),
          pattern(['electron', 'better-sqlite3', '@tensorflow/*', 'react', 'react-dom', 'd3', 'ws'], 'src/shared imports no runtime.'),
          pattern(['**/main/**', '**/renderer/**', '**/preload/**'], 'src/shared imports nothing from other layers.'),
        ],
      }],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          pattern(nodeBuiltins, 'The renderer runs in a sandboxed page: no node built-ins.'),
          pattern(['electron', 'better-sqlite3', '@tensorflow/*', 'ws'], 'The renderer talks to the core through the contract only.'),
          pattern(['**/main/**', '**/preload/**'], 'The renderer never imports main or preload.'),
        ],
      }],
    },
  },
  {
    files: ['src/main/engine/**', 'src/main/store/**', 'src/main/core/**', 'src/main/worker/**', 'src/main/server/**', 'src/main/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          pattern(['electron'], 'Only src/main/index.ts and src/preload touch electron.'),
          pattern(['**/electron/**'], 'src/main/electron is the desktop shell: only src/main/index.ts imports it.'),
          pattern(['**/renderer/**', 'react', 'react-dom', 'd3'], 'Main-side code never imports the renderer.'),
        ],
      }],
    },
  },
  {
    files: ['src/main/engine/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          pattern(['electron'], 'The engine never imports electron.'),
          pattern(['better-sqlite3', '**/store/**', '**/core/**', '**/server/**', '**/cli/**'], 'The engine is pure computation: no store, core or transport.'),
          pattern(['**/renderer/**', 'react', 'react-dom', 'd3'], 'The engine never imports the renderer.'),
        ],
      }],
    },
  },
  {
    files: ['src/preload/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern(['**/main/**', '**/renderer/**'], 'The preload exposes the contract and nothing else.')],
      }],
    },
  },
);
