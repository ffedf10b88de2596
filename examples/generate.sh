#!/usr/bin/env bash
# Regenerates examples/: the public JWK Set jwks.json and the example tokens, with
# fresh keys, using the tokenguard command itself (and openssl for the RSA key,
# which ring cannot generate).
#
# The private keys are written to a temporary directory that is deleted when the
# script exits, so they are never committed. The tokens here can be verified, but
# no new token can be signed with these keys.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p tokenguard-cli
tokenguard=target/debug/tokenguard

private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
chmod 700 "$private"

# Keys: one per family. The RSA key has no alg, so it verifies RS* and PS*.
for alg in ES256 ES384 EdDSA; do
    name=$(echo "$alg" | tr '[:upper:]' '[:lower:]')
    "$tokenguard" keygen --alg "$alg" --kid "$name-1" \
        --private-out "$private/$name.jwk" --public-out "$private/$name.public.json"
done
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$private/rsa.pem" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -outform DER -in "$private/rsa.pem" -out "$private/rsa.pk8.der"

public_keys=()
for name in es256 es384 eddsa; do
    public_keys+=("$("$tokenguard" public-jwk --key "$private/$name.jwk")")
done
public_keys+=("$("$tokenguard" public-jwk --key "$private/rsa.pk8.der" --kid rsa-1)")
printf '{\n  "keys": [\n    %s,\n    %s,\n    %s,\n    %s\n  ]\n}\n' "${public_keys[@]}" \
    >examples/jwks.json

# claims JTI AUD EXP [SCOPE]: writes a claims file issued at 2026-01-01T00:00:00Z.
claims() {
    local scope=${4:-orders:read orders:write}
    cat >"$private/claims.json" <<EOF
{
  "iss": "https://auth.example.com",
  "aud": "$2",
  "sub": "user-1234",
  "client_id": "orders-web",
  "jti": "$1",
  "iat": 1767225600,
  "exp": $3,
  "scope": "$scope"
}
EOF
}

api=https://api.example.com
# 2099-12-31T00:00:00Z: long-lived, so the examples verify for decades.
long_lived=4102358400

sign() { "$tokenguard" sign "$@" "$private/claims.json"; }

claims example-rs256 "$api" "$long_lived"
sign --key "$private/rsa.pk8.der" --alg RS256 --kid rsa-1 >examples/rs256.jwt
claims example-ps256 "$api" "$long_lived"
sign --key "$private/rsa.pk8.der" --alg PS256 --kid rsa-1 >examples/ps256.jwt
for name in es256 es384 eddsa; do
    claims "example-$name" "$api" "$long_lived"
    sign --key "$private/$name.jwk" >"examples/$name.jwt"
done

# Expired at 2026-01-01T01:00:00Z, an hour after it was issued.
claims example-expired "$api" 1767229200
sign --key "$private/es256.jwk" >examples/expired.jwt

claims example-wrong-audience https://other.example.com "$long_lived"
sign --key "$private/es256.jwk" >examples/wrong-audience.jwt

# The signature of es256.jwt over a payload that also grants orders:admin.
claims example-es256 "$api" "$long_lived" "orders:read orders:write orders:admin"
escalated=$(sign --key "$private/es256.jwk")
original=$(cat examples/es256.jwt)
printf '%s.%s.%s\n' "$(cut -d. -f1 <<<"$original")" "$(cut -d. -f2 <<<"$escalated")" \
    "$(cut -d. -f3 <<<"$original")" >examples/tampered.jwt

echo "wrote examples/jwks.json and examples/*.jwt; the private keys were deleted"
