import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files of many child processes first (end-to-end, CLI, Terraform, fleets, bundles). Without
 * recorded durations (a fresh clone, CI) vitest runs larger files first, which left these small,
 * longest-running files for last on one worker while the other sat idle.
 */
const SLOW = /\/test\/(e2e|infra|cli)\/|\/(fleet|bundles)\.test\.ts$/;

class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => (SLOW.test(f.moduleId) ? 0 : 1);
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    maxWorkers: 2,
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    env: { LOG_LEVEL: 'silent' },
    sequence: { sequencer: SlowFilesFirst },
  },
});
