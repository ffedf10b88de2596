// Runs an oidc-provider authorization server on 127.0.0.1 that issues JWT
// access tokens (RFC 9068, header typ "at+jwt") through the client credentials
// grant, one resource server per signing algorithm, and opaque access tokens for
// one more resource server. Opaque tokens can be introspected (RFC 7662, and
// RFC 9701 signed responses on request) by the API client, and revoked (RFC 7009)
// by the client they were issued to.
//
// Usage: node server.mjs [PORT]   (or PORT=... node server.mjs)
//
// The issuer is http://127.0.0.1:PORT. Once listening, it prints one line
// "ready: issuer=ISSUER jwks_uri=URI" to stdout. On SIGTERM or SIGINT it stops
// accepting requests, closes open connections and exits with 0.

import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import { Provider, errors } from 'oidc-provider';

const HOST = '127.0.0.1';

// The client that run.sh authenticates as (client_secret_basic). These are
// test credentials for a server that only listens on the loopback address.
const CLIENT_ID = process.env.INTEROP_CLIENT_ID ?? 'tokenguard-interop';
const CLIENT_SECRET = process.env.INTEROP_CLIENT_SECRET ?? 'interop-client-secret';

// The resource server's own client, which introspects tokens. The Python tests
// pass a secret with characters that client_secret_basic must form-urlencode.
const API_CLIENT_ID = process.env.INTEROP_API_CLIENT_ID ?? 'tokenguard-api';
const API_CLIENT_SECRET = process.env.INTEROP_API_CLIENT_SECRET ?? 'interop-api-secret';

// The resource server whose access tokens are opaque, so that an API can only
// check them by introspection.
const OPAQUE_RESOURCE = 'urn:tokenguard:interop:opaque';

// Scopes every resource server offers. The client credentials grant keeps only
// the requested scopes that the resource server offers, and a token without a
// requested scope carries no `scope` claim at all.
const RESOURCE_SCOPES = 'api:read api:write';

const ACCESS_TOKEN_TTL_SECONDS = 300;

// Each algorithm gets its own key and its own resource server, whose
// identifier is also the token's `aud`. The resource identifiers are URNs, so
// nothing would ever send a request to them.
const ALGORITHMS = [
  { alg: 'RS256', type: 'rsa', options: { modulusLength: 2048 } },
  { alg: 'PS256', type: 'rsa', options: { modulusLength: 2048 } },
  { alg: 'ES256', type: 'ec', options: { namedCurve: 'P-256' } },
  { alg: 'ES384', type: 'ec', options: { namedCurve: 'P-384' } },
  { alg: 'EdDSA', type: 'ed25519', options: {} },
];

function resourceIdentifier(alg) {
  return `urn:tokenguard:interop:${alg.toLowerCase()}`;
}

function parsePort() {
  const text = process.argv[2] ?? process.env.PORT;
  if (text === undefined) {
    throw new Error('missing port: pass it as the first argument or in PORT');
  }
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid port '${text}': expected an integer from 1 to 65535`);
  }
  return port;
}

// Generates one private signing JWK per algorithm. Every JWK names its `alg`,
// so oidc-provider signs each resource server's tokens with exactly that key,
// and the two RSA keys stay apart. oidc-provider 9.13.3 sets each missing
// `kid` to the key's RFC 7638 SHA-256 thumbprint.
function generateSigningKeys() {
  return ALGORITHMS.map(({ alg, type, options }) => {
    const { privateKey } = generateKeyPairSync(type, options);
    return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig' };
  });
}

function buildResourceServers() {
  const servers = new Map();
  for (const { alg } of ALGORITHMS) {
    servers.set(resourceIdentifier(alg), {
      scope: RESOURCE_SCOPES,
      accessTokenFormat: 'jwt',
      accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
      jwt: { sign: { alg } },
    });
  }
  servers.set(OPAQUE_RESOURCE, {
    scope: RESOURCE_SCOPES,
    accessTokenFormat: 'opaque',
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
  });
  return servers;
}

// The API client may introspect any token, and a client may introspect its own.
function introspectionAllowed(ctx, client, token) {
  return client.clientId === API_CLIENT_ID || client.clientId === token.clientId;
}

// Only the client a token was issued to may revoke it (RFC 7009 section 2.1).
function revocationAllowed(ctx, client, token) {
  return client.clientId === token.clientId;
}

function buildConfiguration(resourceServers) {
  return {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: API_CLIENT_ID,
        client_secret: API_CLIENT_SECRET,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // Signed introspection responses (RFC 9701), sent when the request
        // accepts application/token-introspection+jwt.
        introspection_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys: generateSigningKeys() },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      jwtIntrospection: { enabled: true },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      // A token request without a `resource` parameter gets no resource
      // server, and so an opaque access token, because the default
      // `defaultResource` returns none.
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo(ctx, resourceIndicator) {
          const info = resourceServers.get(resourceIndicator);
          if (!info) {
            throw new errors.InvalidTarget(`unknown resource indicator '${resourceIndicator}'`);
          }
          return info;
        },
      },
    },
    ttl: {
      ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL_SECONDS,
    },
  };
}

function main() {
  const port = parsePort();
  const issuer = `http://${HOST}:${port}`;
  const resourceServers = buildResourceServers();
  const provider = new Provider(issuer, buildConfiguration(resourceServers));

  provider.on('server_error', (ctx, error) => {
    console.error(`server error on ${ctx.method} ${ctx.path}:`, error);
  });
  provider.on('grant.error', (ctx, error) => {
    console.error(`token request rejected: ${error.message} (${error.error_description ?? 'no description'})`);
  });

  const server = createServer(provider.callback());

  server.on('error', (error) => {
    console.error(`error: failed to listen on ${HOST}:${port}: ${error.message}`);
    process.exit(1);
  });

  server.listen(port, HOST, () => {
    for (const [identifier, info] of resourceServers) {
      const format = info.accessTokenFormat === 'jwt' ? info.jwt.sign.alg : info.accessTokenFormat;
      console.log(`resource server ${identifier}: ${format}`);
    }
    console.log(`ready: issuer=${issuer} jwks_uri=${issuer}/jwks`);
  });

  const stop = (signal) => {
    console.log(`received ${signal}, stopping`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

try {
  main();
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exit(2);
}
