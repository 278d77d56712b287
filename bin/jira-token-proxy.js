#!/usr/bin/env node
// Runs the TypeScript CLI in place (tsx), so `npx jira-token-proxy` works in a checkout.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
