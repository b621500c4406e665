import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { govukDir } from '../form/render.js';
import { httpDefaults } from '../http/http-defaults.js';
import { SECURITY_HEADERS } from '../http/responses.js';

const TYPES: Record<string, { type: string; binary: boolean }> = {
  '.css': { type: 'text/css; charset=utf-8', binary: false },
  '.js': { type: 'text/javascript; charset=utf-8', binary: false },
  '.json': { type: 'application/json; charset=utf-8', binary: false },
  '.svg': { type: 'image/svg+xml', binary: false },
  '.woff2': { type: 'font/woff2', binary: true },
  '.woff': { type: 'font/woff', binary: true },
  '.png': { type: 'image/png', binary: true },
  '.ico': { type: 'image/x-icon', binary: true },
};

/** Started from a file rather than inline, so the CSP can forbid inline scripts. */
const FORM_JS = [
  "import { initAll } from '/assets/govuk-frontend.min.js';",
  'initAll();',
  // A page restored by Back from the browser's memory (the back-forward cache) is not asked for again, so
  // no-store does not reach it: hide it and ask the server, which shows nothing once the session has ended.
  "window.addEventListener('pageshow', (event) => { if (event.persisted) { document.body.hidden = true; window.location.reload(); } });",
  '',
].join('\n');
/** The honeypot is hidden from people (and screen readers) but left in the page for bots to fill. */
const FORM_CSS = '.referral-form-trap { display: none; }\n';

const ASSET_PATH = /^(?:govuk-frontend\.min\.(?:css|js)|manifest\.json|(?:fonts|images)\/[A-Za-z0-9._-]+)$/;

const answer = (statusCode: number, type: string, body: string, isBase64Encoded = false): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': statusCode === 200 ? 'public, max-age=86400' : 'no-store' },
  body,
  isBase64Encoded,
});

/** GOV.UK Frontend's CSS, JS, fonts and images from our own origin: nothing third-party is loaded. */
const serveAsset = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const asset = event.pathParameters?.proxy ?? '';
  if (asset === 'form.js') return answer(200, TYPES['.js']!.type, FORM_JS);
  if (asset === 'form.css') return answer(200, TYPES['.css']!.type, FORM_CSS);
  const kind = TYPES[path.extname(asset)];
  if (!ASSET_PATH.test(asset) || !kind) return answer(404, 'text/plain; charset=utf-8', 'Not found');
  const file = asset.startsWith('govuk-frontend') ? path.join(govukDir, 'govuk', asset) : path.join(govukDir, 'govuk', 'assets', asset);
  try {
    const content = await readFile(file);
    return answer(200, kind.type, content.toString(kind.binary ? 'base64' : 'utf8'), kind.binary);
  } catch {
    return answer(404, 'text/plain; charset=utf-8', 'Not found');
  }
};

export const handler = middy(serveAsset).use(httpDefaults());
