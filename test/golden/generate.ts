import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { CASES, captureAll, GOLDEN_SALT, type Golden, goldenFile, startPseudonymizingProxy } from './capture';

/**
 * Writes test/golden/<endpoint>.json from the sandbox's fixed-seed data, through the running proxy.
 * Run once and commit the output: `npx tsx test/golden/generate.ts`. Run it again only when the
 * sandbox data or the Jira Cloud transforms change on purpose, and review the diff.
 */

const proxy = await startPseudonymizingProxy(GOLDEN_SALT);
try {
  const files: string[] = [];
  for (const { body: _body, ...golden } of await captureAll(proxy)) {
    const file = goldenFile(golden.endpoint);
    writeFileSync(file, `${JSON.stringify(golden satisfies Golden, null, 2)}\n`);
    files.push(file);
  }
  // in the repository's own JSON style, so `npm run lint` stays quiet about them
  execFileSync('npx', ['biome', 'format', '--write', ...files], { stdio: 'ignore' });
  console.log(`wrote ${files.length} golden files for ${Object.keys(CASES).length} endpoints`);
} finally {
  await proxy.close();
}
