// Runs the graphql-http server audit against a live Leadbridge, authenticated with a bearer token.
//
// usage: node tests/audit/graphql_http_audit.mjs URL [TOKEN]
//        (or LEADBRIDGE_AUDIT_URL and LEADBRIDGE_AUDIT_TOKEN in the environment)
// Exits 1 when any audit is a warning or an error, 2 on a usage error.

import { auditServer } from 'graphql-http';

const url = process.argv[2] ?? process.env.LEADBRIDGE_AUDIT_URL;
const token = process.argv[3] ?? process.env.LEADBRIDGE_AUDIT_TOKEN;

if (!url || !token) {
  console.error('usage: node graphql_http_audit.mjs URL TOKEN (or LEADBRIDGE_AUDIT_URL, LEADBRIDGE_AUDIT_TOKEN)');
  process.exit(2);
}

function authenticatedFetch(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: authenticatedFetch });

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  console.log(`${result.status.padEnd(6)} ${result.id} ${result.name}`);
  if (result.status !== 'ok') {
    const body = await result.response.text().catch(() => '(body already read)');
    console.log(`       ${result.reason}: ${result.response.status} ${body.slice(0, 300)}`);
  }
}
console.log(
  `summary: ${results.length} audits, ${counts.ok} ok, ${counts.notice} notice, ${counts.warn} warn, ${counts.error} error`,
);
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
