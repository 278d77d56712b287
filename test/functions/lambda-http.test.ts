import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { escapePath, fromV1, fromV2, RESULT_LIMIT_BYTES, toV1, toV2 } from '../../functions/lambda-http';
import { functionUrlEvent, restApiEvent } from './events';

/** The event <-> Request/Response conversions on their own: bodies both ways, limits, escaping. */

describe('request bodies', () => {
  it('decodes base64 bodies and passes text bodies as UTF-8', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 0x7b]);
    const v2 = fromV2(
      functionUrlEvent({ method: 'POST', body: bytes.toString('base64'), isBase64Encoded: true }),
    );
    expect(Buffer.from(await v2.request.arrayBuffer())).toEqual(bytes);
    const v1 = fromV1(restApiEvent({ method: 'PUT', body: '{"summary":"café"}' }));
    expect(await v1.request.text()).toBe('{"summary":"café"}');
  });

  it('moves payload 2.0 cookies back into a Cookie header and keeps multi-value headers of 1.0', () => {
    const e = functionUrlEvent();
    e.cookies = ['a=1', 'b=2'];
    expect(fromV2(e).request.headers.get('cookie')).toBe('a=1; b=2');
    const r = restApiEvent();
    r.multiValueHeaders['X-Forwarded-For'] = ['198.51.100.7', '130.176.0.1'];
    expect(fromV1(r).request.headers.get('x-forwarded-for')).toBe('198.51.100.7, 130.176.0.1');
  });
});

describe('response bodies', () => {
  it('sends JSON as text and compressed or binary bodies as base64, byte for byte', async () => {
    const json = await toV2(Response.json({ key: 'ABC-1', summary: 'café' }));
    expect(json).toMatchObject({ isBase64Encoded: false, body: '{"key":"ABC-1","summary":"café"}' });

    const zipped = gzipSync(Buffer.from('{"ok":true}'));
    const gz = await toV2(
      new Response(zipped, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }),
    );
    expect(gz.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(gz.body as string, 'base64')).toString()).toBe('{"ok":true}');

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]);
    const bin = await toV1(new Response(png, { headers: { 'content-type': 'image/png' } }));
    expect(bin.isBase64Encoded).toBe(true);
    expect(Buffer.from(bin.body, 'base64')).toEqual(png);

    const latin1 = await toV2(
      new Response(Buffer.from([0x63, 0x61, 0x66, 0xe9]), { headers: { 'content-type': 'text/plain' } }),
    );
    expect(latin1.isBase64Encoded).toBe(true);
  });

  it('refuses a result larger than Lambda may return, with the contract error', async () => {
    const big = new Response('x'.repeat(RESULT_LIMIT_BYTES + 1), {
      headers: { 'content-type': 'text/plain' },
    });
    await expect(toV2(big)).rejects.toMatchObject({ code: 'response_too_large' });
    // Base64 grows a body by a third: under the limit raw, over it encoded.
    const binary = new Response(Buffer.alloc(5 * 1024 * 1024, 1), {
      headers: { 'content-type': 'application/zip' },
    });
    await expect(toV1(binary)).rejects.toMatchObject({ code: 'response_too_large' });
  });
});

describe('escapePath', () => {
  it('leaves an encoded path unchanged and escapes what a decoded one cannot hold', () => {
    expect(escapePath('/rest/api/3/issue/ABC-1%2F..%2f')).toBe('/rest/api/3/issue/ABC-1%2F..%2f');
    expect(escapePath('/rest/api/3/my self?x#y')).toBe('/rest/api/3/my%20self%3Fx%23y');
    expect(escapePath('/rest/api/3/100%/é')).toBe('/rest/api/3/100%25/%C3%A9');
  });
});
