// The e2e project's global set-up: the two fixture runs of conv-fixture.ts start training in the background before
// the first test file, so the files that need them find them trained. Without it, in a checkout that has not trained
// them yet (a fresh clone, CI), the first file to want the Conv-2 run trained it (about 25 s) while the next one to
// want it waited on its lock with a core idle. Not awaited: the first files, which need no fixture, run meanwhile. A
// failure here is left to the files, which try again and report it; the teardown waits for what is still running.
// (A run of e2e files that need no fixture trains them too: once per checkout, as test-results/fixtures keeps them.)
import { convFixtureDb, lenetFixtureDb } from './conv-fixture';

export default function setup(): () => Promise<void> {
  const pending = [convFixtureDb(), lenetFixtureDb()].map((p) => p.catch(() => undefined));
  return async () => {
    await Promise.all(pending);
  };
}
