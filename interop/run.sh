#!/usr/bin/env bash
# Interoperability test: the tokenguard binary verifies JWT access tokens that
# oidc-provider (the version pinned in package.json) issues over real HTTP on
# 127.0.0.1, one token per signing algorithm.
#
# Usage: bash interop/run.sh
# TOKENGUARD sets the binary to test (default: target/debug/tokenguard in the
# repository root, built by `cargo build -p tokenguard-cli`).
set -euo pipefail

interop_dir="$(cd "$(dirname "$0")" && pwd)"
repo_root="$(cd "$interop_dir/.." && pwd)"
tokenguard="${TOKENGUARD:-$repo_root/target/debug/tokenguard}"

# These must match the client and resource servers that server.mjs configures.
client_id=tokenguard-interop
client_secret=interop-client-secret
requested_scope=api:read
algorithms=(RS256 PS256 ES256 ES384 EdDSA)
startup_timeout_seconds=30

# Every request goes to the local server, never through a proxy that the
# environment may name.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

started_at=$SECONDS

if [ ! -x "$tokenguard" ]; then
    echo "error: tokenguard binary not found at $tokenguard: build it with" \
        "'cargo build -p tokenguard-cli' or set TOKENGUARD" >&2
    exit 2
fi

work_dir="$(mktemp -d)"
server_log="$work_dir/server.log"
server_pid=

# Stops the server and removes the work files on every exit, and prints the
# server log when the run failed.
cleanup() {
    local status=$?
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$server_pid" 2>/dev/null; then
            echo "warning: server (pid $server_pid) did not stop on SIGTERM within 5 s, sending SIGKILL" >&2
            kill -KILL "$server_pid" 2>/dev/null || true
        fi
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ -s "$server_log" ]; then
        echo "--- server log ($server_log) ---" >&2
        cat "$server_log" >&2
    fi
    rm -rf "$work_dir"
    exit "$status"
}
trap cleanup EXIT

# json_field KEY: prints the string value of the top-level member KEY of the
# JSON object on stdin, and fails when it is missing or not a string.
json_field() {
    python3 -c '
import json, sys
value = json.load(sys.stdin).get(sys.argv[1])
if not isinstance(value, str):
    sys.exit(f"member {sys.argv[1]!r} is missing or not a string")
print(value)
' "$1"
}

# ---- Install and start oidc-provider ----

npm_started_at=$SECONDS
(cd "$interop_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "npm ci: $((SECONDS - npm_started_at)) s"

port="$(python3 -c '
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
')"
base_url="http://127.0.0.1:$port"

node "$interop_dir/server.mjs" "$port" >"$server_log" 2>&1 &
server_pid=$!

discovery="$work_dir/discovery.json"
deadline=$((SECONDS + startup_timeout_seconds))
until curl -sSf --max-time 2 -o "$discovery" "$base_url/.well-known/openid-configuration" 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "error: oidc-provider exited before it served $base_url/.well-known/openid-configuration" >&2
        exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "error: timed out after ${startup_timeout_seconds} s waiting for" \
            "$base_url/.well-known/openid-configuration" >&2
        exit 1
    fi
    sleep 0.2
done

issuer="$(json_field issuer <"$discovery")"
jwks_uri="$(json_field jwks_uri <"$discovery")"
token_endpoint="$(json_field token_endpoint <"$discovery")"
echo "oidc-provider $(node -p "require('$interop_dir/node_modules/oidc-provider/package.json').version")" \
    "at $issuer, jwks_uri $jwks_uri"

# ---- Checks ----

passed=0
failed=0

pass() {
    passed=$((passed + 1))
    echo "ok   $1"
}

fail() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
}

# verify ARGS...: runs `tokenguard verify` with the provider's JWKS URL and
# stores the exit code in verify_status, stdout in verify_out and stderr in
# verify_err.
verify() {
    verify_status=0
    "$tokenguard" verify --jwks-url "$jwks_uri" "$@" \
        >"$work_dir/verify.out" 2>"$work_dir/verify.err" || verify_status=$?
    verify_out="$(cat "$work_dir/verify.out")"
    verify_err="$(cat "$work_dir/verify.err")"
}

# expect_accepted NAME AUDIENCE ALG: checks that the last verify exited 0 and
# printed {"header": ..., "claims": ...} with the header `alg` ALG, the
# issuer's `iss` and an `aud` that is or contains AUDIENCE. Call it right after
# verify.
expect_accepted() {
    local name=$1 audience=$2 alg=$3 problem
    if [ "$verify_status" -ne 0 ]; then
        fail "$name" "expected exit 0, got $verify_status; stderr: $verify_err"
        return
    fi
    if ! problem="$(python3 -c '
import json, sys
issuer, audience, alg = sys.argv[1:]
try:
    output = json.loads(sys.stdin.read())
except ValueError as error:
    sys.exit(f"stdout is not JSON ({error})")
header = output.get("header") if isinstance(output, dict) else None
claims = output.get("claims") if isinstance(output, dict) else None
if not isinstance(header, dict) or not isinstance(claims, dict):
    sys.exit("stdout has no \"header\" and \"claims\" objects")
header_alg = header.get("alg")
if header_alg != alg:
    sys.exit(f"header alg is {header_alg!r}, expected {alg!r}")
iss = claims.get("iss")
if iss != issuer:
    sys.exit(f"iss is {iss!r}, expected {issuer!r}")
aud = claims.get("aud")
audiences = aud if isinstance(aud, list) else [aud]
if audience not in audiences:
    sys.exit(f"aud is {aud!r}, expected {audience!r}")
' "$issuer" "$audience" "$alg" <<<"$verify_out" 2>&1)"; then
        fail "$name" "$problem; stdout: $verify_out"
        return
    fi
    pass "$name"
}

# expect_rejected NAME ERROR_NAME: checks that the last verify exited 1 and
# that stderr names ERROR_NAME in the form `error: NAME (CODE): MESSAGE`.
expect_rejected() {
    local name=$1 error_name=$2
    if [ "$verify_status" -ne 1 ]; then
        fail "$name" "expected exit 1 ($error_name), got $verify_status; stderr: $verify_err"
        return
    fi
    if ! grep -Eq "^error: $error_name \([0-9]+\): " <<<"$verify_err"; then
        fail "$name" "expected error $error_name on stderr, got: $verify_err"
        return
    fi
    pass "$name"
}

# inspect_token ALG RESOURCE TOKEN: prints nothing and succeeds when the JOSE
# header and claims are what server.mjs configures, or prints the difference.
inspect_token() {
    python3 -c '
import base64, json, sys
alg, resource, issuer, client_id, scope, token = sys.argv[1:]
def decode(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
header_segment, payload_segment, _ = token.split(".")
header, claims = decode(header_segment), decode(payload_segment)
problems = []
if header.get("alg") != alg:
    problems.append("header alg is %r" % header.get("alg"))
if header.get("typ") != "at+jwt":
    problems.append("header typ is %r" % header.get("typ"))
if not header.get("kid"):
    problems.append("header has no kid")
expected = {"iss": issuer, "aud": resource, "client_id": client_id, "sub": client_id, "scope": scope}
for name, value in expected.items():
    if claims.get(name) != value:
        problems.append(f"{name} is {claims.get(name)!r}, expected {value!r}")
print("; ".join(problems))
' "$1" "$2" "$issuer" "$client_id" "$requested_scope" "$3"
}

# tamper_payload TOKEN: prints TOKEN with `scope` widened to "api:read
# api:write" and the original signature, which must no longer verify.
tamper_payload() {
    python3 -c '
import base64, json, sys
header_segment, payload_segment, signature_segment = sys.argv[1].split(".")
claims = json.loads(base64.urlsafe_b64decode(payload_segment + "=" * (-len(payload_segment) % 4)))
claims["scope"] = "api:read api:write"
payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=")
print(f"{header_segment}.{payload.decode()}.{signature_segment}")
' "$1"
}

# tamper_signature TOKEN: prints TOKEN with one bit flipped in the middle of
# the signature, re-encoded as canonical base64url.
tamper_signature() {
    python3 -c '
import base64, sys
header_segment, payload_segment, signature_segment = sys.argv[1].split(".")
signature = bytearray(base64.urlsafe_b64decode(signature_segment + "=" * (-len(signature_segment) % 4)))
signature[len(signature) // 2] ^= 0x01
encoded = base64.urlsafe_b64encode(bytes(signature)).rstrip(b"=").decode()
print(f"{header_segment}.{payload_segment}.{encoded}")
' "$1"
}

resource_for() {
    echo "urn:tokenguard:interop:${1,,}"
}

rfc9068_token_file=

for alg in "${algorithms[@]}"; do
    resource="$(resource_for "$alg")"

    # Token request: client_credentials with one resource indicator (RFC 8707)
    # and client_secret_basic authentication.
    response_file="$work_dir/token-$alg.json"
    http_status="$(curl -sS --max-time 10 -o "$response_file" -w '%{http_code}' \
        -u "$client_id:$client_secret" \
        --data-urlencode grant_type=client_credentials \
        --data-urlencode "resource=$resource" \
        --data-urlencode "scope=$requested_scope" \
        "$token_endpoint")" || http_status="curl failed"
    if [ "$http_status" != 200 ] ||
        ! token="$(json_field access_token <"$response_file" 2>/dev/null)"; then
        fail "$alg: token request" "HTTP status $http_status, body: $(cat "$response_file" 2>/dev/null)"
        continue
    fi
    pass "$alg: token request"

    problems="$(inspect_token "$alg" "$resource" "$token")"
    if [ -n "$problems" ]; then
        fail "$alg: token header and claims" "$problems"
    else
        pass "$alg: token header and claims"
    fi

    verify --issuer "$issuer" --audience "$resource" --alg "$alg" "$token"
    expect_accepted "$alg: valid token accepted" "$resource" "$alg"

    verify --issuer "$issuer" --audience "$resource" --alg "$alg" "$(tamper_payload "$token")"
    expect_rejected "$alg: tampered payload rejected" bad_signature

    verify --issuer "$issuer" --audience "$resource" --alg "$alg" "$(tamper_signature "$token")"
    expect_rejected "$alg: tampered signature rejected" bad_signature

    # The validly signed token presented to an API with another audience.
    verify --issuer "$issuer" --audience "urn:tokenguard:interop:other-api" --alg "$alg" "$token"
    expect_rejected "$alg: wrong audience rejected" wrong_audience

    # The same server under another name: issuers are compared as exact strings.
    verify --issuer "http://localhost:$port" --audience "$resource" --alg "$alg" "$token"
    expect_rejected "$alg: wrong issuer rejected" wrong_issuer

    # Only another algorithm is allowed. For RS256 that is PS256, which uses
    # the same kind of key.
    if [ "$alg" = RS256 ]; then other_alg=PS256; else other_alg=RS256; fi
    verify --issuer "$issuer" --audience "$resource" --alg "$other_alg" "$token"
    expect_rejected "$alg: disallowed algorithm rejected" unsupported_alg

    # An hour after `exp`, far past tokenguard's default leeway of 30 s.
    exp="$(python3 -c '
import base64, json, sys
segment = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))["exp"])
' "$token")"
    verify --issuer "$issuer" --audience "$resource" --alg "$alg" --now "$((exp + 3600))" "$token"
    expect_rejected "$alg: expired token rejected" expired

    if [ -z "$rfc9068_token_file" ]; then
        rfc9068_token_file="$work_dir/token-$alg.jwt"
        printf '%s\n' "$token" >"$rfc9068_token_file"
        rfc9068_alg=$alg
        rfc9068_resource=$resource
    fi
done

# Without a `resource` parameter oidc-provider issues an opaque access token,
# which is not a JWS at all.
opaque_response="$(curl -sS --max-time 10 -u "$client_id:$client_secret" \
    --data-urlencode grant_type=client_credentials \
    --data-urlencode "scope=$requested_scope" \
    "$token_endpoint")" || opaque_response=
if opaque_token="$(json_field access_token <<<"$opaque_response" 2>/dev/null)"; then
    verify --issuer "$issuer" --audience "$(resource_for RS256)" "$opaque_token"
    expect_rejected "opaque token rejected" malformed
else
    fail "opaque token rejected" "the token request failed: $opaque_response"
fi

# RFC 9068 requires iss, exp, aud, sub, client_id, iat and jti. oidc-provider
# 9.13.3 puts all seven into client credentials tokens, with `sub` set to the
# client id, so the profile check expects acceptance. The token is passed
# through --token-file here, and on the command line everywhere else.
if [ -n "$rfc9068_token_file" ]; then
    verify --issuer "$issuer" --audience "$rfc9068_resource" --alg "$rfc9068_alg" \
        --profile rfc9068 --token-file "$rfc9068_token_file"
    expect_accepted "$rfc9068_alg: accepted with --profile rfc9068" "$rfc9068_resource" "$rfc9068_alg"
else
    fail "rfc9068 profile" "no token was issued to check"
fi

echo "whole run: $((SECONDS - started_at)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
