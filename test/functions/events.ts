import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** The captured-shape events in test/fixtures/events, with the fields a test varies replaced. */

const DIR = join(import.meta.dirname, '../fixtures/events');

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(DIR, name), 'utf8')) as T;
}

export interface HttpOverrides {
  method?: string;
  /** Request-target after the stage, e.g. `/rest/api/3/myself?maxResults=1`. */
  target?: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

function split(target: string): [string, string] {
  const q = target.indexOf('?');
  return q < 0 ? [target, ''] : [target.slice(0, q), target.slice(q + 1)];
}

function v2(name: string, prefix: string, o: HttpOverrides): APIGatewayProxyEventV2 {
  const e = fixture<APIGatewayProxyEventV2>(name);
  if (o.target !== undefined) {
    const [path, query] = split(o.target);
    e.rawPath = prefix + path;
    e.rawQueryString = query;
    e.requestContext.http.path = prefix + path;
  }
  if (o.method) e.requestContext.http.method = o.method;
  Object.assign(e.headers, o.headers);
  if (o.body !== undefined) e.body = o.body;
  if (o.isBase64Encoded !== undefined) e.isBase64Encoded = o.isBase64Encoded;
  return e;
}

export const functionUrlEvent = (o: HttpOverrides = {}) => v2('function-url-v2.json', '', o);
/** An HTTP API on the named stage `prod`: the stage prefixes rawPath. */
export const httpApiEvent = (o: HttpOverrides = {}) => v2('http-api-v2.json', '/prod', o);

/** REST API events carry the path and decoded, multi-value query parameters. */
export function restApiEvent(
  o: {
    method?: string;
    path?: string;
    query?: Record<string, string[]>;
    body?: string;
    isBase64Encoded?: boolean;
  } = {},
): APIGatewayProxyEvent {
  const e = fixture<APIGatewayProxyEvent>('rest-api-v1.json');
  if (o.path !== undefined) {
    e.path = o.path;
    e.requestContext.path = `/prod${o.path}`;
  }
  if (o.method) {
    e.httpMethod = o.method;
    e.requestContext.httpMethod = o.method;
  }
  if (o.query) {
    e.multiValueQueryStringParameters = o.query;
    e.queryStringParameters = Object.fromEntries(
      Object.entries(o.query).map(([k, v]) => [k, v.at(-1) ?? '']),
    );
  }
  if (o.body !== undefined) e.body = o.body;
  if (o.isBase64Encoded !== undefined) e.isBase64Encoded = o.isBase64Encoded;
  return e;
}

export const refreshEvent = () => fixture<{ action: 'refresh' }>('scheduler-refresh.json');

/** A Lambda context as the Node.js runtime passes it (128 MB, 30 s timeout unless told). */
export function lambdaContext(remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'jira-token-proxy',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:jira-token-proxy',
    memoryLimitInMB: '128',
    awsRequestId: 'f4a1c2d3-5b6e-4f70-8a91-b2c3d4e5f607',
    logGroupName: '/aws/lambda/jira-token-proxy',
    logStreamName: '2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
