import { createInterface } from 'node:readline';
import { input, password, select } from '@inquirer/prompts';

/**
 * Questions for the operator: inquirer on a terminal (hidden secret input), plain lines when
 * stdin is piped (scripts, CI, tests). Prompts go to stderr so stdout stays parseable.
 */
export interface Prompter {
  ask(question: string, signal?: AbortSignal): Promise<string>;
  secret(question: string): Promise<string>;
  choose(question: string, choices: { name: string; value: string }[]): Promise<string>;
  close(): void;
}

export function createPrompter(): Prompter {
  return process.stdin.isTTY ? terminalPrompter() : linePrompter();
}

function terminalPrompter(): Prompter {
  const ctx = { output: process.stderr };
  return {
    ask: (message, signal) => input({ message, required: true }, { ...ctx, signal }),
    secret: (message) => password({ message, mask: '*' }, ctx),
    choose: (message, choices) => select({ message, choices }, ctx),
    close: () => undefined,
  };
}

function linePrompter(): Prompter {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let ended = false;
  rl.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiting.splice(0)) w(undefined);
  });
  const next = (question: string, signal?: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      process.stderr.write(`${question} `);
      const take = (line: string | undefined) =>
        line === undefined
          ? reject(new Error(`no answer to "${question}" (stdin closed)`))
          : resolve(line.trim());
      if (lines.length) return take(lines.shift());
      if (ended) return take(undefined);
      waiting.push(take);
      signal?.addEventListener('abort', () => {
        waiting.splice(waiting.indexOf(take), 1);
        reject(signal.reason);
      });
    });
  return {
    ask: next,
    secret: (q) => next(q),
    async choose(question, choices) {
      choices.forEach((c, i) => {
        process.stderr.write(`  ${i + 1}) ${c.name}\n`);
      });
      const answer = await next(`${question} [1-${choices.length}]`);
      const picked = choices[Number(answer) - 1] ?? choices.find((c) => c.value === answer);
      if (!picked) throw new Error(`"${answer}" is not one of the choices`);
      return picked.value;
    },
    close: () => rl.close(),
  };
}
