// Lint enforces the layer order (eslint.config.js, docs/architecture.md): a deliberate violation of each rule, linted
// as if it were a file in that folder, fails with no-restricted-imports; the allowed direction passes.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths';

const eslint = new ESLint({ cwd: ROOT });

/** The rule ids lint reports for `code` as the file at `path` (relative to the repository root). */
async function lintAs(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

const violations: [string, string, string][] = [
  ['store imports the core', 'src/main/store/probe.ts', "import { Core } from '../core/service';\nexport const x = Core;\n"],
  ['store imports the engine', 'src/main/store/probe.ts', "import { engine } from '../engine';\nexport const x = engine;\n"],
  ['engine imports the store', 'src/main/engine/probe.ts', "import { Store } from '../store';\nexport const x = Store;\n"],
  ['engine imports the worker host', 'src/main/engine/probe.ts', "import { runJob } from '../worker/host';\nexport const x = runJob;\n"],
  ['worker imports the core', 'src/main/worker/probe.ts', "import { Core } from '../core';\nexport const x = Core;\n"],
  ['worker imports the store', 'src/main/worker/probe.ts', "import { Store } from '../store/index';\nexport const x = Store;\n"],
  ['core imports the CLI', 'src/main/core/probe.ts', "import { main } from '../cli/main';\nexport const x = main;\n"],
  ['core imports the server', 'src/main/core/probe.ts', "import { serve } from '../server/serve';\nexport const x = serve;\n"],
  ['core imports the desktop shell', 'src/main/core/probe.ts', "import { buildMenuTemplate } from '../electron/menu';\nexport const x = buildMenuTemplate;\n"],
  ['server imports the store', 'src/main/server/probe.ts', "import { Store } from '../store';\nexport const x = Store;\n"],
  ['server imports the worker host', 'src/main/server/probe.ts', "import { forkWorker } from '../worker/host';\nexport const x = forkWorker;\n"],
  ['cli imports the engine', 'src/main/cli/probe.ts', "import { listDatasets } from '../engine/data/registry';\nexport const x = listDatasets;\n"],
  ['electron imports the store', 'src/main/electron/probe.ts', "import { databaseProblem } from '../store/db';\nexport const x = databaseProblem;\n"],
  ['the node utilities import the store', 'src/main/pid.ts', "import { Store } from './store';\nexport const x = Store;\n"],
  ['shared imports main', 'src/shared/probe.ts', "import { Core } from '../main/core';\nexport const x = Core;\n"],
  ['shared imports node', 'src/shared/probe.ts', "import { createHash } from 'node:crypto';\nexport const x = createHash;\n"],
  ['the renderer imports main', 'src/renderer/src/probe.ts', "import { Core } from '../../main/core';\nexport const x = Core;\n"],
  ['the preload imports main', 'src/preload/probe.ts', "import { Core } from '../main/core';\nexport const x = Core;\n"],
];

describe('lint enforces the layers', () => {
  it.each(violations)('%s: fails', async (_what, path, code) => {
    expect(await lintAs(path, code)).toContain('no-restricted-imports');
  });

  it('a transport that reaches into the core\'s store: fails', async () => {
    expect(await lintAs('src/main/cli/probe.ts', "import type { Core } from '../core';\nexport const f = (core: Core) => core.store.repo.listRuns();\n")).toContain('no-restricted-syntax');
  });

  it.each([
    ['core imports store, engine and worker', 'src/main/core/probe.ts', "import { Store } from '../store';\nimport { engine } from '../engine';\nimport { runJob } from '../worker/host';\nexport const x = [Store, engine, runJob];\n"],
    ['worker imports the engine', 'src/main/worker/probe.ts', "import { engine } from '../engine';\nexport const x = engine;\n"],
    ['cli imports the core and the server', 'src/main/cli/probe.ts', "import { Core } from '../core';\nimport { serve } from '../server/serve';\nexport const x = [Core, serve];\n"],
    ['electron imports the core', 'src/main/electron/probe.ts', "import { databaseProblem } from '../core';\nexport const x = databaseProblem;\n"],
  ])('%s: passes', async (_what, path, code) => {
    expect(await lintAs(path, code)).toEqual([]);
  });
});
