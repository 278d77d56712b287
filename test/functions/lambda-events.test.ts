import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type EventProcessor,
  escapePath,
  processorFor,
  RESULT_LIMIT_BYTES,
} from '../../src/adapters/lambda-events';
import type { StreamedReply } from '../../src/call';
import { functionUrlEvent, restApiEvent } from './events';

/** The event <-> ProxyCall/Reply conversions on their own: headers, bodies out, limits, escaping. */

const v2 = processorFor(functionUrlEvent()) as EventProcessor;
const v1 = processorFor(restApiEvent()) as EventProcessor;

describe('processorFor', () => {
  it('chooses the payload format once from the event, and nothing for other events', () => {
    expect(v2).toBeDefined();
    expect(v1).toBeDefined();
    expect(v1).not.toBe(v2);
    expect(processorFor({ action: 'refresh' })).toBeUndefined();
    expect(processorFor({ version: '2.0', rawPath: '/x' })).toBeUndefined();
    expect(processorFor(null)).toBeUndefined();
  });
});

describe('calls', () => {
  it('moves payload 2.0 cookies back into a Cookie header and keeps multi-value headers of 1.0', () => {
    const e = functionUrlEvent();
    e.cookies = ['a=1', 'b=2'];
    expect(v2.createCall(e).header('cookie')).toBe('a=1; b=2');
    const r = restApiEvent();
    r.multiValueHeaders['X-Forwarded-For'] = ['198.51.100.7', '130.176.0.1'];
    expect(v1.createCall(r).header('x-forwarded-for')).toBe('198.51.100.7, 130.176.0.1');
    expect(v1.createCall(r).header('x-absent')).toBeNull();
  });

  it('keeps the method as sent, for the core to refuse', () => {
    expect(v2.createCall(functionUrlEvent({ method: 'get' })).method).toBe('get');
  });
});

const streamed = (chunks: Buffer[], headers: Record<string, string>): StreamedReply => ({
  status: 200,
  headers,
  body: Readable.from(chunks),
});

describe('streamed replies', () => {
  it('read the upstream stream whole, text as text', async () => {
    const r = await v2.createResult(
      streamed([Buffer.from('{"a":'), Buffer.from('"café"}')], { 'content-type': 'application/json' }),
    );
    expect(r).toMatchObject({ statusCode: 200, isBase64Encoded: false, body: '{"a":"café"}' });
  });

  it('stop reading past the limit, with the contract error', async () => {
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 8; i++) yield Buffer.alloc(1024 * 1024, 0x61);
      })(),
    );
    const reply: StreamedReply = { status: 200, headers: { 'content-type': 'text/plain' }, body };
    await expect(v1.createResult(reply)).rejects.toMatchObject({ code: 'response_too_large' });
    expect(body.destroyed).toBe(true);
  });
});

describe('response bodies', () => {
  it('sends JSON as text and compressed or binary bodies as base64, byte for byte', async () => {
    const json = await v2.createResult(Response.json({ key: 'ABC-1', summary: 'café' }));
    expect(json).toMatchObject({ isBase64Encoded: false, body: '{"key":"ABC-1","summary":"café"}' });

    const zipped = gzipSync(Buffer.from('{"ok":true}'));
    const gz = await v2.createResult(
      new Response(zipped, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }),
    );
    expect(gz.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(gz.body as string, 'base64')).toString()).toBe('{"ok":true}');

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]);
    const bin = await v1.createResult(new Response(png, { headers: { 'content-type': 'image/png' } }));
    expect(bin.isBase64Encoded).toBe(true);
    expect(Buffer.from(bin.body as string, 'base64')).toEqual(png);

    const latin1 = await v2.createResult(
      new Response(Buffer.from([0x63, 0x61, 0x66, 0xe9]), { headers: { 'content-type': 'text/plain' } }),
    );
    expect(latin1.isBase64Encoded).toBe(true);
  });

  it('refuses a result larger than Lambda may return, with the contract error', async () => {
    const big = new Response('x'.repeat(RESULT_LIMIT_BYTES + 1), {
      headers: { 'content-type': 'text/plain' },
    });
    await expect(v2.createResult(big)).rejects.toMatchObject({ code: 'response_too_large' });
    // Base64 grows a body by a third: under the limit raw, over it encoded.
    const binary = new Response(Buffer.alloc(5 * 1024 * 1024, 1), {
      headers: { 'content-type': 'application/zip' },
    });
    await expect(v1.createResult(binary)).rejects.toMatchObject({ code: 'response_too_large' });
  });
});

describe('escapePath', () => {
  it('leaves an encoded path unchanged and escapes what a decoded one cannot hold', () => {
    expect(escapePath('/rest/api/3/issue/ABC-1%2F..%2f')).toBe('/rest/api/3/issue/ABC-1%2F..%2f');
    expect(escapePath('/rest/api/3/my self?x#y')).toBe('/rest/api/3/my%20self%3Fx%23y');
    expect(escapePath('/rest/api/3/100%/é')).toBe('/rest/api/3/100%25/%C3%A9');
  });
});
