// Lint enforces the layers of docs/architecture.md with no-restricted-imports per folder, from the bottom up:
//   shared                 imports no runtime and no other layer (it runs in node, the worker and the page)
//   main/atomic-file, pid  node utilities every main-side layer may use; they import shared only
//   store                  shared
//   engine                 shared
//   worker                 engine, shared
//   core                   store, engine, worker, shared
//   server                 core, shared
//   cli                    core, server (serve mode), shared
//   electron               core, shared (only src/main/index.ts, the Electron entry, imports it)
//   preload                shared; renderer: shared, never main or preload
// tests/unit/lint-layers.test.ts writes a violation of each rule and checks that lint fails on it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'url', 'http', 'net', 'zlib', 'stream'];
const pattern = (group, message) => ({ group, message });
/** A folder of src/main as an import path names it from anywhere: `../store`, `../store/db`, `../../store/x`. */
const dir = (name) => [`**/${name}`, `**/${name}/**`];

const MAIN_LAYERS = ['store', 'engine', 'worker', 'core', 'server', 'cli', 'electron'];
/** What each main-side layer may import besides shared, itself and the node utilities. */
const ALLOWED = {
  store: [],
  engine: [],
  worker: ['engine'],
  core: ['store', 'engine', 'worker'],
  server: ['core'],
  cli: ['core', 'server'],
  electron: ['core'],
};
const ORDER = 'the layers, from the bottom: shared; store, engine; worker (engine); core (store, engine, worker); server, cli, electron (core)';

const mainCommon = [
  pattern(['**/renderer/**', '**/preload/**', 'react', 'react-dom', 'd3'], 'Main-side code never imports the renderer or the preload.'),
];

function layerRules(layer) {
  const forbidden = MAIN_LAYERS.filter((l) => l !== layer && !ALLOWED[layer].includes(l));
  const packages = {
    store: ['electron', '@tensorflow/*', 'ws'],
    engine: ['electron', 'better-sqlite3', 'ws'],
    worker: ['electron', 'better-sqlite3', 'ws'],
    core: ['electron', 'better-sqlite3', 'ws'],
    server: ['electron', 'better-sqlite3', '@tensorflow/*'],
    cli: ['electron', 'better-sqlite3', '@tensorflow/*'],
    electron: ['better-sqlite3', '@tensorflow/*', 'ws'],
  }[layer];
  return {
    files: [`src/main/${layer}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            pattern(forbidden.flatMap(dir), `src/main/${layer} imports only ${[...ALLOWED[layer], 'shared'].join(', ')}: ${ORDER}.`),
            pattern(packages, `src/main/${layer} does not use these packages: the layer that owns them does (store: better-sqlite3; engine: tfjs; server: ws; electron: electron).`),
            ...mainCommon,
          ],
        },
      ],
    },
  };
}

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
  { files: ['src/renderer/**/*.{ts,tsx}'], ...reactHooks.configs.flat.recommended },
  {
    files: ['src/main/atomic-file.ts', 'src/main/pid.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern([...MAIN_LAYERS.flatMap(dir), 'electron', 'better-sqlite3', '@tensorflow/*'], 'The node utilities under every main-side layer import shared only.'), ...mainCommon],
      }],
    },
  },
  ...MAIN_LAYERS.map(layerRules),
  {
    // Transports and shells reach the core through `call` (the contract), not its store.
    files: ['src/main/server/**', 'src/main/cli/**', 'src/main/electron/**', 'src/main/index.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[property.name='store']",
        message: 'Call the core through the contract (core.call or the typed client); its store is for tests and diagnostics.',
      }],
    },
  },
  {
    files: ['src/main/index.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [pattern(['**/store/**', '**/engine/**', '**/worker/**', 'better-sqlite3', '@tensorflow/*'], 'The Electron entry uses the core, the server and the desktop shell (src/main/electron).'), ...mainCommon] }],
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
