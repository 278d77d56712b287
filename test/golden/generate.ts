import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { CASES, captureAll, GOLDEN_SALT, type Golden, goldenFile, startPseudonymizingProxy } from './capture';
import { capturePipeline, PIPELINE_CASES, startPipelineProxy } from './pipeline';
import { RICH_TEXT_FILE, type RichTextGolden, startRichTextRun } from './rich-text';

/**
 * Writes test/golden/<endpoint>.json from the sandbox's fixed-seed data, and test/golden/rich-text.json
 * from the rich-text fixtures, through the running proxy. Run once and commit the output:
 * `npx tsx test/golden/generate.ts`. Run it again only when the sandbox data, the fixtures or the
 * Jira Cloud transforms change on purpose, and review the diff.
 */

const files: string[] = [];
const proxy = await startPseudonymizingProxy(GOLDEN_SALT);
try {
  for (const { body: _body, ...golden } of await captureAll(proxy)) {
    const file = goldenFile(golden.endpoint);
    writeFileSync(file, `${JSON.stringify(golden satisfies Golden, null, 2)}\n`);
    files.push(file);
  }
} finally {
  await proxy.close();
}
const pipeline = await startPipelineProxy(GOLDEN_SALT);
try {
  for (const { body: _body, ...golden } of await capturePipeline(pipeline)) {
    const file = goldenFile(golden.endpoint);
    writeFileSync(file, `${JSON.stringify(golden satisfies Golden, null, 2)}\n`);
    files.push(file);
  }
} finally {
  await pipeline.close();
}
const richText = await startRichTextRun();
try {
  const captured = (await richText.capture()).map(({ body: _body, ...golden }) => golden);
  writeFileSync(RICH_TEXT_FILE, `${JSON.stringify(captured satisfies RichTextGolden[], null, 2)}\n`);
  files.push(RICH_TEXT_FILE);
} finally {
  await richText.close();
}
// in the repository's own JSON style, so `npm run lint` stays quiet about them
execFileSync('npx', ['biome', 'format', '--write', ...files], { stdio: 'ignore' });
console.log(
  `wrote ${files.length} golden files for ${Object.keys(CASES).length + Object.keys(PIPELINE_CASES).length} calls and the rich-text cases`,
);
