import { isStreamed, type ProxyCall, type Reply } from './call';
import { auditLine } from './log';

/**
 * The audit trail (AUDIT_LOG, on by default): one `{"message":"audit",...}` line per request with
 * who called (the identity the platform verified: the IAM principal ARN on AWS, the ID token's
 * service account e-mail on GCP, none for `serve`), from where, which rule endpoint, the status,
 * the body bytes sent, the duration and the request id. It names the rule's endpoint id, never the
 * request-target: a query value (a JQL search, an account id) is data, not audit. A streamed body
 * is counted as it passes and the line written at its end (or break), so `bytes` and `ms` cover
 * the whole transfer; the core's own answers are whole in memory and logged as they leave it.
 */

export interface AuditStart {
  requestId: string;
  /** The rules' endpoint id of an allowed call; undefined for refusals and the proxy's own routes. */
  endpoint: string | undefined;
  /** performance.now() when the request arrived. */
  started: number;
}

/** The reply, unchanged for its recipient, with the audit line written once its body is out. */
export async function audited(call: ProxyCall, reply: Reply, start: AuditStart): Promise<Reply> {
  const write = (bytes: number, extra: Record<string, unknown>) =>
    auditLine({
      requestId: start.requestId,
      caller: call.caller ?? null,
      clientAddress: call.clientAddress ?? null,
      method: call.method,
      endpoint: start.endpoint ?? ownRoute(call.target),
      status: reply.status,
      bytes,
      ms: Math.round((performance.now() - start.started) * 10) / 10,
      ...extra,
    });
  if (!isStreamed(reply)) {
    // The core's own answers. An error is small and its code is read from its body; any other
    // (health, a transformed page of a megabyte or more) is counted as the adapter reads it,
    // since buffering it here cost a copy half as dear as the transform's own parse + stringify.
    if (!reply.body || reply.headers.has('x-psoxy-error')) {
      const body = reply.body ? new Uint8Array(await reply.arrayBuffer()) : undefined;
      write(body?.length ?? 0, { error: errorCode(reply, body) });
      return new Response(body, { status: reply.status, headers: reply.headers });
    }
    let counted = 0;
    const counting = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        counted += chunk.byteLength;
        out.enqueue(chunk);
      },
      flush: () => write(counted, {}),
    });
    return new Response(reply.body.pipeThrough(counting), { status: reply.status, headers: reply.headers });
  }
  const stream = reply.body;
  let bytes = 0;
  let written = false;
  const finish = (aborted: boolean) => {
    if (written) return;
    written = true;
    // After the other 'end' listeners: the adapter's, which ends the response, runs first, so the
    // caller never waits for the line (one tick, not a loop turn: a Lambda cannot freeze between).
    process.nextTick(() => write(bytes, aborted ? { aborted: true } : {}));
  };
  // A 'data' listener would start a paused stream flowing; the adapter decides when it reads.
  const flowing = stream.readableFlowing;
  stream.on('data', (chunk: Buffer) => {
    // A chunk the size limit refused (it destroys the stream in its own listener) is not sent.
    if (!stream.destroyed) bytes += chunk.length;
  });
  if (flowing !== true) stream.pause();
  stream.once('end', () => finish(false));
  stream.once('close', () => finish(!stream.readableEnded));
  return reply;
}

/** `/_health` or `/_refresh` for the proxy's own routes; null when nothing was matched. */
function ownRoute(target: string): string | null {
  const path = target.split('?', 1)[0];
  return path === '/_health' || path === '/_refresh' ? path : null;
}

/** The contract's error code of the core's own JSON error answers. */
function errorCode(reply: Response, body: Uint8Array | undefined): string | undefined {
  if (!reply.headers.has('x-psoxy-error') || !body) return undefined;
  try {
    const code = (JSON.parse(Buffer.from(body).toString('utf8')) as { error?: { code?: unknown } }).error
      ?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
