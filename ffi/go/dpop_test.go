package tokenguard

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const (
	issuer   = "https://auth.example.com"
	audience = "https://api.example.com"
)

func generateKey(t *testing.T, alg, kid string) *SigningKey {
	t.Helper()
	key, err := GenerateSigningKey(alg, kid)
	if err != nil {
		t.Fatalf("GenerateSigningKey(%s): %v", alg, err)
	}
	t.Cleanup(func() { key.Close() })
	return key
}

// keySet returns the JWK Set of key's public JWK.
func keySet(t *testing.T, key *SigningKey) []byte {
	t.Helper()
	jwk, err := key.PublicJWK()
	if err != nil {
		t.Fatalf("PublicJWK: %v", err)
	}
	return []byte(`{"keys":[` + jwk + `]}`)
}

// issue signs an access token from issuer with extra claims in cnf.
func issue(t *testing.T, key *SigningKey, cnf string) string {
	t.Helper()
	claims := fmt.Sprintf(`{"iss":%q,"aud":%q,"exp":%d,"iat":%d,"cnf":%s}`,
		issuer, audience, now.Unix()+600, now.Unix(), cnf)
	token, err := key.SignJWS("", "at+jwt", false, []byte(claims))
	if err != nil {
		t.Fatalf("SignJWS: %v", err)
	}
	return token
}

type dpopSetup struct {
	validator *Validator
	client    *SigningKey
	token     string
	verifier  *DPoPVerifier
	cache     *ReplayCache
}

func newDPoPSetup(t *testing.T) dpopSetup {
	authority := generateKey(t, "EdDSA", "issuer-1")
	client := generateKey(t, "ES256", "client-1")
	v, err := NewValidator([]byte(config), keySet(t, authority))
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	jkt, err := client.Thumbprint()
	if err != nil {
		t.Fatalf("Thumbprint: %v", err)
	}
	verifier, err := NewDPoPVerifier([]string{"ES256", "EdDSA"}, time.Minute, 30*time.Second)
	if err != nil {
		t.Fatalf("NewDPoPVerifier: %v", err)
	}
	t.Cleanup(func() { verifier.Close() })
	cache, err := NewReplayCache(8)
	if err != nil {
		t.Fatalf("NewReplayCache: %v", err)
	}
	t.Cleanup(func() { cache.Close() })
	token := issue(t, authority, fmt.Sprintf(`{"jkt":%q}`, jkt))
	return dpopSetup{v, client, token, verifier, cache}
}

func (s dpopSetup) proof(t *testing.T, key *SigningKey, jtiByte byte, nonce string) string {
	t.Helper()
	proof, err := key.CreateDPoPProofAt("", "GET", audience+"/orders?page=2", s.token, nonce, now,
		bytes.Repeat([]byte{jtiByte}, 16))
	if err != nil {
		t.Fatalf("CreateDPoPProofAt: %v", err)
	}
	return proof
}

func (s dpopSetup) validate(proof, method, nonce string) error {
	token, err := s.validator.ValidateDPoPAt(DPoPRequest{
		Authorization: "DPoP " + s.token, Proof: proof, Method: method,
		URI: audience + "/orders", Nonce: nonce,
	}, s.verifier, s.cache, now)
	if err == nil {
		token.Close()
	}
	return err
}

func TestDPoPBoundToken(t *testing.T) {
	s := newDPoPSetup(t)
	proof := s.proof(t, s.client, 1, "")
	if err := s.validate(proof, "GET", ""); err != nil {
		t.Fatalf("ValidateDPoPAt: %v", err)
	}
	if n, err := s.cache.Len(); err != nil || n != 1 {
		t.Errorf("Len() = %d, %v, want 1", n, err)
	}
	if err := s.validate(proof, "GET", ""); !errors.Is(err, ErrInvalidDPoPProof) {
		t.Errorf("replayed proof: %v, want ErrInvalidDPoPProof", err)
	}

	err := s.validate(s.proof(t, s.client, 2, ""), "POST", "")
	var tgErr *Error
	if !errors.As(err, &tgErr) || tgErr.Code != ErrInvalidDPoPProof.Code {
		t.Fatalf("wrong method: %v, want ErrInvalidDPoPProof", err)
	}
	want := `DPoP error="invalid_dpop_proof", error_description="invalid DPoP proof: htm ` +
		`is not the request method", algs="ES256 EdDSA"`
	if tgErr.WWWAuthenticate != want {
		t.Errorf("WWWAuthenticate = %q, want %q", tgErr.WWWAuthenticate, want)
	}
	if tgErr.BearerError != "invalid_dpop_proof" || tgErr.HTTPStatus != 401 {
		t.Errorf("BearerError, HTTPStatus = %q, %d", tgErr.BearerError, tgErr.HTTPStatus)
	}

	if err := s.validate(s.proof(t, s.client, 3, ""), "GET", "n-1"); !errors.Is(err, ErrUseDPoPNonce) {
		t.Errorf("missing nonce: %v, want ErrUseDPoPNonce", err)
	}
	if err := s.validate(s.proof(t, s.client, 4, "n-1"), "GET", "n-1"); err != nil {
		t.Errorf("proof with nonce: %v", err)
	}
	other := generateKey(t, "ES256", "other")
	if err := s.validate(s.proof(t, other, 5, ""), "GET", ""); !errors.Is(err, ErrInvalidDPoPProof) {
		t.Errorf("proof by another key: %v, want ErrInvalidDPoPProof", err)
	}
	if _, err := s.validator.ValidateAt(s.token, now); !errors.Is(err, ErrProofRequired) {
		t.Errorf("DPoP-bound token as bearer: %v, want ErrProofRequired", err)
	}
}

func TestReplayCacheLimits(t *testing.T) {
	s := newDPoPSetup(t)
	small, err := NewReplayCache(1)
	if err != nil {
		t.Fatalf("NewReplayCache: %v", err)
	}
	defer small.Close()
	s.cache = small
	if err := s.validate(s.proof(t, s.client, 1, ""), "GET", ""); err != nil {
		t.Fatalf("first proof: %v", err)
	}
	if err := s.validate(s.proof(t, s.client, 2, ""), "GET", ""); !errors.Is(err, ErrReplayCacheFull) {
		t.Errorf("second proof: %v, want ErrReplayCacheFull", err)
	}
	if removed, err := small.EvictExpired(now.Add(time.Hour)); err != nil || removed != 1 {
		t.Errorf("EvictExpired = %d, %v, want 1", removed, err)
	}
	if _, err := NewReplayCache(1 << 23); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("huge cache: %v, want ErrInvalidConfig", err)
	}
	if _, err := NewReplayCache(-1); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("negative capacity: %v, want ErrInvalidConfig", err)
	}
	small.Close()
	if _, err := small.Len(); err != ErrClosed {
		t.Errorf("Len after Close: %v, want ErrClosed", err)
	}
	if err := s.validate("x", "GET", ""); err != ErrClosed {
		t.Errorf("validate with a closed cache: %v, want ErrClosed", err)
	}
}

func TestDPoPVerifierOptions(t *testing.T) {
	cases := []struct {
		algorithms []string
		leeway     time.Duration
		want       *Error
	}{
		{[]string{"HS256"}, 0, ErrInvalidConfig},
		{[]string{"ES256"}, 301 * time.Second, ErrInvalidConfig},
		{[]string{"ES999"}, 0, ErrInvalidArgument},
		{nil, -time.Second, ErrInvalidConfig},
	}
	for _, c := range cases {
		if _, err := NewDPoPVerifier(c.algorithms, time.Minute, c.leeway); !errors.Is(err, c.want) {
			t.Errorf("NewDPoPVerifier(%v, %v): %v, want %s", c.algorithms, c.leeway, err, c.want.Name)
		}
	}
}

func TestCertificateBoundToken(t *testing.T) {
	authority := generateKey(t, "ES384", "issuer-2")
	v, err := NewValidator([]byte(config), keySet(t, authority))
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	defer v.Close()
	certificate := []byte("the DER of a client certificate")
	digest := sha256.Sum256(certificate)
	thumbprint := base64.RawURLEncoding.EncodeToString(digest[:])
	token := issue(t, authority, fmt.Sprintf(`{"x5t#S256":%q}`, thumbprint))

	verified, err := v.ValidateCertificateBoundAt(token, certificate, now)
	if err != nil {
		t.Fatalf("ValidateCertificateBoundAt: %v", err)
	}
	verified.Close()
	if _, err := v.ValidateCertificateBoundAt(token, []byte("another"), now); !errors.Is(err, ErrCertificateMismatch) {
		t.Errorf("another certificate: %v, want ErrCertificateMismatch", err)
	}
}

func TestClientAssertions(t *testing.T) {
	// Two clients whose keys share a kid, so that only the client id tells
	// them apart.
	client := generateKey(t, "ES256", "client-key")
	shipping := generateKey(t, "ES256", "client-key")
	verifier, err := NewAssertionVerifier(AssertionVerifierConfig{
		Audiences: []string{issuer + "/token", issuer},
		Leeway:    30 * time.Second,
		Clients: map[string][]byte{
			"billing":  keySet(t, client),
			"shipping": keySet(t, shipping),
		},
	})
	if err != nil {
		t.Fatalf("NewAssertionVerifier: %v", err)
	}
	defer verifier.Close()
	cache, err := NewReplayCache(8)
	if err != nil {
		t.Fatalf("NewReplayCache: %v", err)
	}
	defer cache.Close()

	spec := ClientAssertion{ClientID: "billing", Audience: issuer + "/token"}
	assertion, err := client.CreateClientAssertionAt(spec, now, bytes.Repeat([]byte{7}, 16))
	if err != nil {
		t.Fatalf("CreateClientAssertionAt: %v", err)
	}
	token, err := verifier.VerifyAt(assertion, "billing", cache, now)
	if err != nil {
		t.Fatalf("VerifyAt: %v", err)
	}
	if got := token.Issuer(); got != "billing" {
		t.Errorf("Issuer() = %q, want billing", got)
	}
	token.Close()
	if _, err := verifier.VerifyAt(assertion, "", cache, now); !errors.Is(err, ErrReplayed) {
		t.Errorf("second use: %v, want ErrReplayed", err)
	}

	own, err := shipping.CreateClientAssertion(ClientAssertion{ClientID: "shipping", Audience: issuer})
	if err != nil {
		t.Fatalf("CreateClientAssertion: %v", err)
	}
	token, err = verifier.Verify(own, "", cache)
	if err != nil {
		t.Fatalf("shipping's own assertion: %v", err)
	}
	if got := token.Issuer(); got != "shipping" {
		t.Errorf("Issuer() = %q, want shipping", got)
	}
	token.Close()

	// billing signs an assertion that names shipping.
	forged, err := client.CreateClientAssertion(ClientAssertion{ClientID: "shipping", Audience: issuer})
	if err != nil {
		t.Fatalf("CreateClientAssertion: %v", err)
	}
	for _, clientID := range []string{"", "shipping"} {
		if _, err := verifier.Verify(forged, clientID, cache); !errors.Is(err, ErrBadSignature) {
			t.Errorf("billing's key for shipping, client id %q: %v, want ErrBadSignature", clientID, err)
		}
	}
	if _, err := verifier.Verify(forged, "billing", cache); !errors.Is(err, ErrWrongIssuer) {
		t.Errorf("iss shipping, client id billing: %v, want ErrWrongIssuer", err)
	}

	fresh, err := client.CreateClientAssertion(spec)
	if err != nil {
		t.Fatalf("CreateClientAssertion: %v", err)
	}
	if _, err := verifier.Verify(fresh, "stranger", cache); !errors.Is(err, ErrUnknownClient) {
		t.Errorf("unregistered client id: %v, want ErrUnknownClient", err)
	}
	stranger, err := client.CreateClientAssertion(ClientAssertion{ClientID: "stranger", Audience: issuer})
	if err != nil {
		t.Fatalf("CreateClientAssertion: %v", err)
	}
	if _, err := verifier.Verify(stranger, "", cache); !errors.Is(err, ErrUnknownClient) {
		t.Errorf("unregistered iss: %v, want ErrUnknownClient", err)
	}

	badClients := []struct {
		name    string
		clients map[string][]byte
		want    error
	}{
		{"none", nil, ErrInvalidConfig},
		{"empty id", map[string][]byte{"": keySet(t, client)}, ErrInvalidConfig},
		{"not JSON", map[string][]byte{"billing": []byte(`{"keys":[]}, "x": {}`)}, ErrMalformed},
		{"not a set", map[string][]byte{"billing": []byte(`{"keys":{}}`)}, ErrMalformed},
	}
	for _, bad := range badClients {
		config := AssertionVerifierConfig{Audiences: []string{issuer}, Clients: bad.clients}
		if _, err := NewAssertionVerifier(config); !errors.Is(err, bad.want) {
			t.Errorf("clients %s: %v, want %v", bad.name, err, bad.want)
		}
	}
	if _, err := client.CreateClientAssertionAt(spec, now, make([]byte, 15)); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("short jti random: %v, want ErrInvalidConfig", err)
	}
	long := spec
	long.Lifetime = 301 * time.Second
	if _, err := client.CreateClientAssertionAt(long, now, make([]byte, 16)); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("long lifetime: %v, want ErrInvalidConfig", err)
	}
	if _, err := NewAssertionVerifier(AssertionVerifierConfig{Audiences: []string{"a b"}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("audience with a space: %v, want ErrInvalidConfig", err)
	}
}

func TestSigningKeyInputs(t *testing.T) {
	if _, err := SigningKeyFromJWK([]byte(`{"kty":"EC","crv":"P-256","x":"AA"}`)); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("public JWK: %v, want ErrInvalidKey", err)
	}
	if _, err := SigningKeyFromDER([]byte{0x30, 0x03, 0x02, 0x01, 0x00}, ""); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("garbage DER: %v, want ErrInvalidKey", err)
	}
	if _, err := SigningKeyFromHMACSecret("HS256", make([]byte, 31), ""); !errors.Is(err, ErrWeakKey) {
		t.Errorf("short secret: %v, want ErrWeakKey", err)
	}
	if _, err := GenerateSigningKey("RS256", ""); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("RSA generation: %v, want ErrInvalidConfig", err)
	}
	secret, err := SigningKeyFromHMACSecret("HS256", bytes.Repeat([]byte{1}, 32), "s-1")
	if err != nil {
		t.Fatalf("SigningKeyFromHMACSecret: %v", err)
	}
	defer secret.Close()
	if _, err := secret.PublicJWK(); !errors.Is(err, ErrNotFound) {
		t.Errorf("PublicJWK of a secret: %v, want ErrNotFound", err)
	}
	token, err := secret.SignJWS("", "JWT", false, []byte(`{}`))
	if err != nil || strings.Count(token, ".") != 2 {
		t.Errorf("SignJWS = %q, %v", token, err)
	}

	key := generateKey(t, "Ed25519", "ed-1")
	jwk, err := key.PublicJWK()
	if err != nil || !strings.Contains(jwk, `"kid":"ed-1"`) || strings.Contains(jwk, `"d"`) {
		t.Errorf("PublicJWK = %q, %v", jwk, err)
	}
	if _, err := key.SignJWS("EdDSA", "", false, []byte(`{}`)); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("EdDSA with an Ed25519-bound key: %v, want ErrKeyMismatch", err)
	}
	key.Close()
	if _, err := key.PublicJWK(); err != ErrClosed {
		t.Errorf("PublicJWK after Close: %v, want ErrClosed", err)
	}
}
