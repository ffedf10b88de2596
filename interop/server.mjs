// Runs an oidc-provider authorization server on 127.0.0.1 that issues JWT
// access tokens (RFC 9068, header typ "at+jwt") through the client credentials
// grant, one resource server per signing algorithm, and opaque access tokens for
// one more resource server. Opaque tokens can be introspected (RFC 7662, and
// RFC 9701 signed responses on request) by the API client, and revoked (RFC 7009)
// by the client they were issued to.
//
// Service-to-service clients, registered when their settings are given in the
// environment:
//
// - INTEROP_JWT_CLIENT_JWKS, a public JWK Set as JSON: the clients
//   tokenguard-jwt-client (private_key_jwt, RFC 7523) and tokenguard-dpop-client
//   (private_key_jwt, and only DPoP-bound tokens with a server nonce, RFC 9449)
//   authenticate with a key of that set.
// - INTEROP_TLS_PORT, INTEROP_TLS_CERT, INTEROP_TLS_KEY and INTEROP_TLS_CLIENT_CA
//   (the port, and paths of PEM files): a second listener, with HTTPS, that
//   server certificate and key, and a request for a client certificate. The
//   client tokenguard-mtls-client (tls_client_auth, RFC 8705) gets tokens bound
//   to the certificate it presents there. That certificate must be issued by
//   the CA in INTEROP_TLS_CLIENT_CA for the subject INTEROP_MTLS_SUBJECT_DN
//   (default CN=tokenguard-mtls-client).
//
// Usage: node server.mjs [PORT]   (or PORT=... node server.mjs)
//
// The issuer is http://127.0.0.1:PORT; the HTTPS listener serves the same
// provider at https://127.0.0.1:TLS_PORT. Once every listener is listening, it
// prints one line "ready: issuer=ISSUER jwks_uri=URI" to stdout. On SIGTERM or
// SIGINT it stops accepting requests, closes open connections and exits with 0.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

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

// The API of the Python package's examples, with ES256 JWT access tokens.
// example.com is reserved for documentation (RFC 2606), so nothing sends
// requests to it either.
const EXAMPLE_RESOURCE = 'https://orders.example.com';
const EXAMPLE_SCOPES = 'orders:read orders:write';

// Scopes every resource server offers. The client credentials grant keeps only
// the requested scopes that the resource server offers, and a token without a
// requested scope carries no `scope` claim at all.
const RESOURCE_SCOPES = 'api:read api:write';

const ACCESS_TOKEN_TTL_SECONDS = 300;

// The service-to-service clients. They have no secrets: the first two sign
// client assertions with a key whose public half INTEROP_JWT_CLIENT_JWKS holds,
// and the third presents a client certificate.
const JWT_CLIENT_ID = 'tokenguard-jwt-client';
const DPOP_CLIENT_ID = 'tokenguard-dpop-client';
const MTLS_CLIENT_ID = 'tokenguard-mtls-client';
const MTLS_SUBJECT_DN = process.env.INTEROP_MTLS_SUBJECT_DN ?? 'CN=tokenguard-mtls-client';

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
  servers.set(EXAMPLE_RESOURCE, {
    scope: EXAMPLE_SCOPES,
    accessTokenFormat: 'jwt',
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    jwt: { sign: { alg: 'ES256' } },
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

// Reads the JWK Set of the private_key_jwt clients, or returns undefined when
// INTEROP_JWT_CLIENT_JWKS is not set.
function readClientJwks() {
  const text = process.env.INTEROP_JWT_CLIENT_JWKS;
  if (text === undefined) {
    return undefined;
  }
  let jwks;
  try {
    jwks = JSON.parse(text);
  } catch (error) {
    throw new Error(`INTEROP_JWT_CLIENT_JWKS is not JSON: ${error.message}`);
  }
  if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) {
    throw new Error('INTEROP_JWT_CLIENT_JWKS must be a JWK Set with at least one key');
  }
  return jwks;
}

// Reads the HTTPS listener's settings, or returns undefined when INTEROP_TLS_PORT
// is not set.
function readTlsSettings() {
  const portText = process.env.INTEROP_TLS_PORT;
  if (portText === undefined) {
    return undefined;
  }
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid INTEROP_TLS_PORT '${portText}': expected an integer from 1 to 65535`);
  }
  const read = (name) => {
    const path = process.env[name];
    if (path === undefined) {
      throw new Error(`INTEROP_TLS_PORT is set, so ${name} must name a PEM file`);
    }
    return readFileSync(path);
  };
  return {
    port,
    cert: read('INTEROP_TLS_CERT'),
    key: read('INTEROP_TLS_KEY'),
    clientCa: read('INTEROP_TLS_CLIENT_CA'),
  };
}

function serviceClients(clientJwks, tls) {
  const clients = [];
  if (clientJwks !== undefined) {
    clients.push(
      {
        client_id: JWT_CLIENT_ID,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: clientJwks,
      },
      {
        client_id: DPOP_CLIENT_ID,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: clientJwks,
        // A token request without a DPoP proof is rejected.
        dpop_bound_access_tokens: true,
      },
    );
  }
  if (tls !== undefined) {
    clients.push({
      client_id: MTLS_CLIENT_ID,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: MTLS_SUBJECT_DN,
      tls_client_certificate_bound_access_tokens: true,
    });
  }
  return clients;
}

// oidc-provider leaves reading the client certificate to the deployment. Here
// the provider terminates TLS itself, so the certificate is the TLS socket's
// peer certificate. node:https verifies it against INTEROP_TLS_CLIENT_CA but
// keeps the connection when that fails (rejectUnauthorized: false), so that
// certificateAuthorized returns false and the token request gets
// invalid_client. A plain HTTP request has no certificate.
const mtls = {
  enabled: true,
  certificateBoundAccessTokens: true,
  tlsClientAuth: true,
  getCertificate(ctx) {
    const { socket } = ctx;
    if (!socket.encrypted) {
      return undefined;
    }
    return socket.getPeerX509Certificate();
  },
  certificateAuthorized(ctx) {
    return ctx.socket.encrypted === true && ctx.socket.authorized === true;
  },
  // Only the subject DN is registered, and only as a single RDN such as
  // CN=name, which node's X509Certificate.subject prints the same way.
  certificateSubjectMatches(ctx, property, expected) {
    if (property !== 'tls_client_auth_subject_dn') {
      return false;
    }
    const certificate = ctx.socket.getPeerX509Certificate?.();
    return certificate !== undefined && certificate.subject === expected;
  },
};

function buildConfiguration(resourceServers, clientJwks, tls) {
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
      ...serviceClients(clientJwks, tls),
    ],
    jwks: { keys: generateSigningKeys() },
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt', 'tls_client_auth'],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      // DPoP-bound tokens for any client that sends a proof. The DPoP client
      // must also put the server's nonce (from the DPoP-Nonce header) in its
      // proofs, so that its token client meets use_dpop_nonce.
      dPoP: {
        enabled: true,
        nonceSecret: randomBytes(32),
        requireNonce: (ctx) => ctx.oidc.client?.clientId === DPOP_CLIENT_ID,
      },
      mTLS: mtls,
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
  const clientJwks = readClientJwks();
  const tls = readTlsSettings();
  const provider = new Provider(issuer, buildConfiguration(resourceServers, clientJwks, tls));

  provider.on('server_error', (ctx, error) => {
    console.error(`server error on ${ctx.method} ${ctx.path}:`, error);
  });
  provider.on('grant.error', (ctx, error) => {
    console.error(`token request rejected: ${error.message} (${error.error_description ?? 'no description'})`);
  });

  const server = createServer(provider.callback());
  const servers = [server];
  let tlsServer;
  if (tls !== undefined) {
    tlsServer = createHttpsServer(
      {
        cert: tls.cert,
        key: tls.key,
        ca: tls.clientCa,
        requestCert: true,
        rejectUnauthorized: false,
      },
      provider.callback(),
    );
    servers.push(tlsServer);
  }

  const ports = new Map([[server, port]]);
  if (tlsServer !== undefined) {
    ports.set(tlsServer, tls.port);
  }
  for (const listener of servers) {
    listener.on('error', (error) => {
      console.error(`error: failed to listen on ${HOST}:${ports.get(listener)}: ${error.message}`);
      process.exit(1);
    });
  }

  // The HTTP listener starts last, so that a client that reaches the discovery
  // document can also reach the HTTPS listener.
  const listenHttp = () => server.listen(port, HOST, () => {
    for (const [identifier, info] of resourceServers) {
      const format = info.accessTokenFormat === 'jwt' ? info.jwt.sign.alg : info.accessTokenFormat;
      console.log(`resource server ${identifier}: ${format}`);
    }
    const clients = serviceClients(clientJwks, tls).map((client) => client.client_id);
    console.log(`service clients: ${clients.join(' ') || 'none'}`);
    console.log(`ready: issuer=${issuer} jwks_uri=${issuer}/jwks`);
  });
  if (tlsServer === undefined) {
    listenHttp();
  } else {
    tlsServer.listen(tls.port, HOST, () => {
      console.log(`https listener: https://${HOST}:${tls.port}`);
      listenHttp();
    });
  }

  let open = servers.length;
  const stop = (signal) => {
    console.log(`received ${signal}, stopping`);
    for (const listener of servers) {
      listener.close(() => {
        open -= 1;
        if (open === 0) {
          process.exit(0);
        }
      });
      listener.closeAllConnections();
    }
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
