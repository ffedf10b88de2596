package tokenguard

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// now is the validation time of every fixture: 2026-01-01T01:00:00Z.
var now = time.Unix(1767229200, 0)

const config = `{"issuers": ["https://auth.example.com"], "audiences": ["https://api.example.com"]}`

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "tests", "fixtures", name))
	if err != nil {
		t.Fatalf("cannot read fixture: %v", err)
	}
	return data
}

func tokenFixture(t testing.TB, name string) string {
	return strings.TrimSpace(string(fixture(t, name)))
}

func newValidator(t testing.TB, config string, jwks string) *Validator {
	t.Helper()
	var keys []byte
	if jwks != "" {
		keys = fixture(t, jwks)
	}
	v, err := NewValidator([]byte(config), keys)
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func TestVersionMatchesLibrary(t *testing.T) {
	if Version() == "" || strings.Count(Version(), ".") != 2 {
		t.Fatalf("Version() = %q", Version())
	}
}

func TestSentinelsMatchLibrary(t *testing.T) {
	sentinels := map[*Error]string{
		ErrMalformed: "malformed", ErrTooLarge: "too_large", ErrUnsupportedAlg: "unsupported_alg",
		ErrUnsupportedCrit: "unsupported_crit", ErrUnknownKid: "unknown_kid",
		ErrKeyMismatch: "key_mismatch", ErrWeakKey: "weak_key", ErrInvalidKey: "invalid_key",
		ErrBadSignature: "bad_signature", ErrKidRequired: "kid_required", ErrExpired: "expired",
		ErrNotYetValid: "not_yet_valid", ErrIssuedInFuture: "issued_in_future",
		ErrInvalidClaim: "invalid_claim", ErrMissingClaim: "missing_claim",
		ErrWrongIssuer: "wrong_issuer", ErrWrongAudience: "wrong_audience",
		ErrWrongType: "wrong_type", ErrInsufficientScope: "insufficient_scope",
		ErrProofRequired: "proof_required", ErrInvalidConfig: "invalid_config",
		ErrNullPointer: "null_pointer", ErrInvalidUTF8: "invalid_utf8", ErrPanic: "panic",
		ErrBufferTooSmall: "buffer_too_small", ErrNotFound: "not_found",
		ErrTypeMismatch: "type_mismatch", ErrOutOfRange: "out_of_range",
		ErrInvalidArgument: "invalid_argument", ErrInactive: "inactive", ErrRevoked: "revoked",
		ErrRevocationListFull: "revocation_list_full", ErrSigningFailed: "signing_failed",
		ErrCertificateMismatch: "certificate_mismatch", ErrInvalidDPoPProof: "invalid_dpop_proof",
		ErrUseDPoPNonce: "use_dpop_nonce", ErrReplayed: "replayed",
		ErrReplayCacheFull: "replay_cache_full", ErrUnknownClient: "unknown_client",
	}
	codes := map[int]bool{}
	for sentinel, name := range sentinels {
		if sentinel.Name != name || statusName(sentinel.Code) != name {
			t.Errorf("sentinel %d is named %q, want %q", sentinel.Code, sentinel.Name, name)
		}
		if codes[sentinel.Code] {
			t.Errorf("status %d has two sentinels", sentinel.Code)
		}
		codes[sentinel.Code] = true
	}
	if ErrExpired.HTTPStatus != 401 || ErrExpired.BearerError != "invalid_token" {
		t.Errorf("ErrExpired = %+v", ErrExpired)
	}
	if ErrInsufficientScope.HTTPStatus != 403 {
		t.Errorf("ErrInsufficientScope = %+v", ErrInsufficientScope)
	}
}

func TestValidTokenPerAlgorithm(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	cases := []struct{ file, alg, kid string }{
		{"rs256.jwt", "RS256", "rsa-1"},
		{"ps256.jwt", "PS256", "rsa-1"},
		{"es256.jwt", "ES256", "es256-1"},
		{"es384.jwt", "ES384", "es384-1"},
		{"eddsa.jwt", "EdDSA", "eddsa-1"},
	}
	for _, c := range cases {
		t.Run(c.alg, func(t *testing.T) {
			token, err := v.ValidateAt(tokenFixture(t, c.file), now)
			if err != nil {
				t.Fatalf("ValidateAt: %v", err)
			}
			defer token.Close()
			if got := token.Algorithm(); got != c.alg {
				t.Errorf("Algorithm() = %q", got)
			}
			if kid, ok := token.KeyID(); !ok || kid != c.kid {
				t.Errorf("KeyID() = %q, %v", kid, ok)
			}
			if subject, ok := token.Subject(); !ok || subject != "user-1234" {
				t.Errorf("Subject() = %q, %v", subject, ok)
			}
		})
	}
}

func TestHMACSecretFromConfig(t *testing.T) {
	v, err := NewValidator(fixture(t, "config-hs256.json"), nil)
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	defer v.Close()
	token, err := v.ValidateAt(tokenFixture(t, "hs256.jwt"), now)
	if err != nil {
		t.Fatalf("ValidateAt: %v", err)
	}
	defer token.Close()
	if token.Algorithm() != "HS256" {
		t.Errorf("Algorithm() = %q", token.Algorithm())
	}
	if _, err := v.ValidateAt(tokenFixture(t, "es256.jwt"), now); !errors.Is(err, ErrUnsupportedAlg) {
		t.Errorf("ES256 against an HMAC validator: %v", err)
	}
}

func TestRejectionsMatchSentinels(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	cases := []struct {
		file     string
		sentinel *Error
		message  string
	}{
		{"expired.jwt", ErrExpired, "token expired at 1767225600 (now 1767229200)"},
		{"not-yet-valid.jwt", ErrNotYetValid, "token not valid before 1767232800 (now 1767229200)"},
		{"wrong-issuer.jwt", ErrWrongIssuer, "issuer is not an accepted issuer"},
		{"wrong-audience.jwt", ErrWrongAudience, "audience contains no accepted audience"},
		{"wrong-type.jwt", ErrWrongType, "header typ is not the required token type"},
		{"unknown-kid.jwt", ErrUnknownKid, "no key in the key set has the token's kid"},
		{"bad-signature.jwt", ErrBadSignature, "signature verification failed"},
		{"hs256.jwt", ErrUnsupportedAlg, "algorithm HS256 is not allowed by the policy"},
	}
	for _, c := range cases {
		t.Run(c.sentinel.Name, func(t *testing.T) {
			token, err := v.ValidateAt(tokenFixture(t, c.file), now)
			if token != nil {
				t.Fatalf("token returned with error %v", err)
			}
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("error %v is not %v", err, c.sentinel)
			}
			for _, other := range []*Error{ErrMalformed, ErrInvalidConfig} {
				if errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
			var rejection *Error
			if !errors.As(err, &rejection) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if rejection.Message != c.message {
				t.Errorf("Message = %q, want %q", rejection.Message, c.message)
			}
			if rejection.HTTPStatus != 401 || rejection.BearerError != "invalid_token" {
				t.Errorf("HTTPStatus %d, BearerError %q", rejection.HTTPStatus, rejection.BearerError)
			}
			want := `Bearer error="invalid_token", error_description="` + c.message + `"`
			if rejection.WWWAuthenticate != want {
				t.Errorf("WWWAuthenticate = %q, want %q", rejection.WWWAuthenticate, want)
			}
		})
	}
}

func TestMalformedAndOversizedTokens(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	for _, token := range []string{"", "not-a-token", "a.b", "a.b.c.d", "e30.e30.\xff"} {
		if _, err := v.ValidateAt(token, now); !errors.Is(err, ErrMalformed) {
			t.Errorf("ValidateAt(%q): %v", token, err)
		}
	}
	big := strings.Repeat("a", 16*1024+1)
	if _, err := v.ValidateAt(big, now); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized token: %v", err)
	}
}

func TestPolicyRejections(t *testing.T) {
	cases := []struct {
		option   string
		file     string
		sentinel *Error
	}{
		{`"required_claims": ["tenant"]`, "es256.jwt", ErrMissingClaim},
		{`"profile": "rfc9068"`, "no-jti.jwt", ErrMissingClaim},
		{`"required_scopes": ["orders:admin"]`, "es256.jwt", ErrInsufficientScope},
		{`"max_age": 600, "leeway": 0`, "es256.jwt", ErrExpired},
	}
	for _, c := range cases {
		t.Run(c.option, func(t *testing.T) {
			extended := strings.TrimSuffix(config, "}") + ", " + c.option + "}"
			v := newValidator(t, extended, "jwks.json")
			_, err := v.ValidateAt(tokenFixture(t, c.file), now)
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("error %v is not %v", err, c.sentinel)
			}
		})
	}
}

func TestInvalidConfigNamesField(t *testing.T) {
	jwks := fixture(t, "jwks.json")
	cases := map[string]string{
		`{"issuers": ["a"], "audiences": ["b"], "leway": 10}`:       "leway: unknown field",
		`{"issuers": ["a"], "audiences": ["b"], "leeway": "30"}`:    "leeway: must be a whole number of seconds",
		`{"issuers": ["a"], "audiences": ["b"], "typ": "JWT"}`:      "typ: must be one of at+jwt, jwt, any",
		`{"audiences": ["b"]}`:                                      "issuers: at least one issuer is required",
		`{"issuers": ["a"], "audiences": ["b"], "max_age": -1}`:     "max_age: must be a whole number",
		`{"issuers": ["a"], "audiences": ["b"], "scope_claims": 1}`: "scope_claims: must be a string, not a number",
	}
	for text, field := range cases {
		v, err := NewValidator([]byte(text), jwks)
		if v != nil {
			t.Errorf("%s: a validator was returned", text)
		}
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v is not ErrInvalidConfig", text, err)
			continue
		}
		var rejection *Error
		errors.As(err, &rejection)
		if !strings.Contains(rejection.Message, field) {
			t.Errorf("message %q does not name %q", rejection.Message, field)
		}
		if rejection.HTTPStatus != 500 || rejection.WWWAuthenticate != "" {
			t.Errorf("config error %+v", rejection)
		}
	}
	if _, err := NewValidator([]byte(config), []byte(`{"keys": [}`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("broken JWK Set: %v", err)
	}
	if _, err := NewValidator([]byte("{\"issuers\": [\"\xff\"]}"), jwks); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

func TestSetJWKSRotatesKeys(t *testing.T) {
	v := newValidator(t, config, "set-a.json")
	check := func(file string, want error) {
		t.Helper()
		token, err := v.ValidateAt(tokenFixture(t, file), now)
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Errorf("%s: error %v, want %v", file, err, want)
		}
		if token != nil {
			token.Close()
		}
	}
	check("es384.jwt", nil)
	check("eddsa.jwt", ErrUnknownKid)
	if err := v.SetJWKS(fixture(t, "set-b.json")); err != nil {
		t.Fatalf("SetJWKS: %v", err)
	}
	check("es384.jwt", ErrUnknownKid)
	check("eddsa.jwt", nil)
	check("es256.jwt", nil)

	if err := v.SetJWKS([]byte(`{"keys": 7}`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("SetJWKS with a broken set: %v", err)
	}
	check("eddsa.jwt", nil)
	usable, skipped, err := v.KeyCounts()
	if err != nil || usable != 2 || skipped != 0 {
		t.Errorf("KeyCounts() = %d, %d, %v", usable, skipped, err)
	}
}

func TestConcurrentValidationDuringRotation(t *testing.T) {
	v := newValidator(t, config, "set-a.json")
	sets := [][]byte{fixture(t, "set-a.json"), fixture(t, "set-b.json")}
	always, onlyA := tokenFixture(t, "es256.jwt"), tokenFixture(t, "es384.jwt")

	var wg sync.WaitGroup
	done := make(chan struct{})
	failures := make(chan string, 100)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				token, err := v.ValidateAt(always, now)
				if err != nil {
					failures <- "es256.jwt: " + err.Error()
					return
				}
				token.Close()
				token, err = v.ValidateAt(onlyA, now)
				if err != nil && !errors.Is(err, ErrUnknownKid) {
					failures <- "es384.jwt: " + err.Error()
					return
				}
				// The message comes from the thread's last error, so it shows
				// whether the goroutine read its own thread's.
				if err != nil && !strings.Contains(err.Error(), "kid") {
					failures <- "es384.jwt: a message of another call: " + err.Error()
					return
				}
				if token != nil {
					token.Close()
				}
			}
		}()
	}
	for i := 0; i < 500; i++ {
		if err := v.SetJWKS(sets[i%2]); err != nil {
			t.Errorf("SetJWKS: %v", err)
		}
	}
	close(done)
	wg.Wait()
	close(failures)
	for failure := range failures {
		t.Error(failure)
	}
}

func TestClaimsOfEveryType(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	token, err := v.ValidateAt(tokenFixture(t, "claims.jwt"), now)
	if err != nil {
		t.Fatalf("ValidateAt: %v", err)
	}
	defer token.Close()

	if subject, _ := token.Subject(); subject != "user-é\"1234\"" {
		t.Errorf("Subject() = %q", subject)
	}
	if token.Issuer() != "https://auth.example.com" {
		t.Errorf("Issuer() = %q", token.Issuer())
	}
	if id, ok := token.ClientID(); !ok || id != "orders-web" {
		t.Errorf("ClientID() = %q", id)
	}
	if id, ok := token.JWTID(); !ok || id != "fixture-claims" {
		t.Errorf("JWTID() = %q", id)
	}
	if !token.ExpiresAt().Equal(time.Unix(4102358400, 0)) {
		t.Errorf("ExpiresAt() = %v", token.ExpiresAt())
	}
	if at, ok := token.IssuedAt(); !ok || at.Unix() != 1767225600 {
		t.Errorf("IssuedAt() = %v, %v", at, ok)
	}
	if at, ok := token.NotBefore(); !ok || at.Unix() != 1767225600 {
		t.Errorf("NotBefore() = %v, %v", at, ok)
	}
	wantAudiences := []string{"https://api.example.com", "https://admin.example.com"}
	if !reflect.DeepEqual(token.Audiences(), wantAudiences) {
		t.Errorf("Audiences() = %q", token.Audiences())
	}
	if !reflect.DeepEqual(token.Scopes(), []string{"orders:read", "orders:write"}) {
		t.Errorf("Scopes() = %q", token.Scopes())
	}
	if !token.HasScope("orders:read") || token.HasScope("orders") {
		t.Error("HasScope does not compare exactly")
	}

	if name, err := token.ClaimString("name"); err != nil || name != `Zoë "Z" Example` {
		t.Errorf("ClaimString(name) = %q, %v", name, err)
	}
	if _, err := token.ClaimString("age"); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("ClaimString(age): %v", err)
	}
	for _, absent := range []string{"nothing", "absent"} {
		if _, err := token.ClaimString(absent); !errors.Is(err, ErrNotFound) {
			t.Errorf("ClaimString(%s): %v", absent, err)
		}
	}
	if ratio, err := token.ClaimFloat64("ratio"); err != nil || ratio != 0.75 {
		t.Errorf("ClaimFloat64(ratio) = %v, %v", ratio, err)
	}
	if _, err := token.ClaimFloat64("huge"); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("ClaimFloat64(huge): %v", err)
	}
	if age, err := token.ClaimInt64("age"); err != nil || age != 42 {
		t.Errorf("ClaimInt64(age) = %v, %v", age, err)
	}
	for _, inexact := range []string{"ratio", "big"} {
		if _, err := token.ClaimInt64(inexact); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("ClaimInt64(%s): %v", inexact, err)
		}
	}
	if admin, err := token.ClaimBool("admin"); err != nil || !admin {
		t.Errorf("ClaimBool(admin) = %v, %v", admin, err)
	}
	if verified, err := token.ClaimBool("verified"); err != nil || verified {
		t.Errorf("ClaimBool(verified) = %v, %v", verified, err)
	}
	if audiences, err := token.ClaimStrings("aud"); err != nil || !reflect.DeepEqual(audiences, wantAudiences) {
		t.Errorf("ClaimStrings(aud) = %q, %v", audiences, err)
	}
	if _, err := token.ClaimStrings("groups"); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("ClaimStrings(groups), whose last element is a number: %v", err)
	}

	address, err := token.Claim("address")
	if err != nil || !reflect.DeepEqual(address, map[string]any{"city": "Berlin"}) {
		t.Errorf("Claim(address) = %v, %v", address, err)
	}
	if big, err := token.Claim("big"); err != nil || big != json.Number("12345678901234567890") {
		t.Errorf("Claim(big) = %v, %v", big, err)
	}
	if _, err := token.Claim("nothing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Claim(nothing): %v", err)
	}

	var payload map[string]json.RawMessage
	if err := json.Unmarshal(token.Payload(), &payload); err != nil || string(payload["jti"]) != `"fixture-claims"` {
		t.Errorf("Payload() = %s, %v", token.Payload(), err)
	}
	if !strings.Contains(string(token.Header()), `"kid":"es256-1"`) {
		t.Errorf("Header() = %s", token.Header())
	}
}

func TestScopesFromScp(t *testing.T) {
	v := newValidator(t, strings.TrimSuffix(config, "}")+`, "scope_claims": "scope-or-scp"}`, "jwks.json")
	token, err := v.ValidateAt(tokenFixture(t, "scp.jwt"), now)
	if err != nil {
		t.Fatalf("ValidateAt: %v", err)
	}
	defer token.Close()
	if !reflect.DeepEqual(token.Scopes(), []string{"orders:read", "orders:admin"}) {
		t.Errorf("Scopes() = %q", token.Scopes())
	}
}

func TestTokenOutlivesValidator(t *testing.T) {
	v, err := NewValidator([]byte(config), fixture(t, "jwks.json"))
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	token, err := v.ValidateAt(tokenFixture(t, "eddsa.jwt"), now)
	if err != nil {
		t.Fatalf("ValidateAt: %v", err)
	}
	v.Close()
	if subject, ok := token.Subject(); !ok || subject != "user-1234" {
		t.Errorf("Subject() after the validator closed = %q, %v", subject, ok)
	}
	token.Close()
}

func TestCloseIsIdempotent(t *testing.T) {
	v, err := NewValidator([]byte(config), fixture(t, "jwks.json"))
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	token, err := v.ValidateAt(tokenFixture(t, "es256.jwt"), now)
	if err != nil {
		t.Fatalf("ValidateAt: %v", err)
	}
	token.Close()
	token.Close()
	if _, ok := token.Subject(); ok {
		t.Error("Subject() of a closed token")
	}
	if _, err := token.ClaimString("sub"); !errors.Is(err, ErrClosed) {
		t.Errorf("ClaimString of a closed token: %v", err)
	}
	if token.Payload() != nil || token.Scopes() != nil {
		t.Error("a closed token returns data")
	}

	v.Close()
	v.Close()
	if _, err := v.ValidateAt(tokenFixture(t, "es256.jwt"), now); !errors.Is(err, ErrClosed) {
		t.Errorf("ValidateAt on a closed validator: %v", err)
	}
	if err := v.SetJWKS(fixture(t, "set-a.json")); !errors.Is(err, ErrClosed) {
		t.Errorf("SetJWKS on a closed validator: %v", err)
	}
}

func TestValidateAuthorization(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	es256 := tokenFixture(t, "es256.jwt")
	token, err := v.ValidateAuthorizationAt("Bearer "+es256, now)
	if err != nil {
		t.Fatalf("ValidateAuthorizationAt: %v", err)
	}
	token.Close()
	if token, err = v.ValidateAuthorizationAt("bearer   "+es256, now); err != nil {
		t.Fatalf("lowercase scheme and several spaces: %v", err)
	}
	token.Close()

	cases := []struct {
		value      string
		httpStatus int
		bearer     string
	}{
		{"Bearer", 400, "invalid_request"},
		{"DPoP " + es256, 400, "invalid_request"},
		{"Bearer " + es256 + " extra", 400, "invalid_request"},
		{"Basic dXNlcg==", 401, ""},
	}
	for _, c := range cases {
		_, err := v.ValidateAuthorizationAt(c.value, now)
		var rejection *Error
		if !errors.As(err, &rejection) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%.20q: %v", c.value, err)
			continue
		}
		if rejection.HTTPStatus != c.httpStatus || rejection.BearerError != c.bearer {
			t.Errorf("%.20q: HTTPStatus %d, BearerError %q", c.value, rejection.HTTPStatus, rejection.BearerError)
		}
	}
}
