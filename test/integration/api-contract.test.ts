import { describe, expect, inject, it } from 'vitest';

const cloud = inject('localCloud');

describe('GET /api/openapi.json', () => {
  it('gives anyone the OpenAPI 3.1 document, addressed to the API they asked', async () => {
    const response = await fetch(`${cloud.apiUrl}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const document = await response.json() as {
      openapi: string; servers: { url: string }[]; paths: Record<string, unknown>;
      components: { securitySchemes: { partnerClient: { flows: { clientCredentials: { tokenUrl: string } } } } };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers[0]!.url).toBe(cloud.apiUrl);
    // Partner systems are told where to get their machine tokens: here the local cloud's token endpoint.
    expect(document.components.securitySchemes.partnerClient.flows.clientCredentials.tokenUrl).toBe(cloud.tokenUrl);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/referrals', '/api/referrals/{reference}/assignments/{teamId}/outcome']));
  });
});
