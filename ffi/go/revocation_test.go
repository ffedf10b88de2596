package tokenguard

import (
	"errors"
	"testing"
	"time"
)

const activeResponse = `{"active": true, "iss": "https://auth.example.com",
	"aud": "https://api.example.com", "exp": 1767229800, "sub": "user-1234",
	"jti": "tok-1", "iat": 1767229100, "scope": "orders:read"}`

func TestIntrospectionResponse(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	token, err := v.ValidateIntrospectionAt([]byte(activeResponse), now)
	if err != nil {
		t.Fatalf("ValidateIntrospectionAt: %v", err)
	}
	defer token.Close()
	if subject, ok := token.Subject(); !ok || subject != "user-1234" {
		t.Errorf("Subject() = %q, %v", subject, ok)
	}
	if !token.HasScope("orders:read") {
		t.Error("HasScope(orders:read) = false")
	}
	if header := token.Header(); header != nil {
		t.Errorf("Header() = %q, want nil for an introspected token", header)
	}
	if alg := token.Algorithm(); alg != "" {
		t.Errorf("Algorithm() = %q, want empty", alg)
	}

	cases := map[string]*Error{
		`{"active": false}`:  ErrInactive,
		`{"active": "true"}`: ErrMalformed,
		`{"active": true, "iss": "https://auth.example.com",
			"aud": "https://other.example.com", "exp": 1767229800}`: ErrWrongAudience,
		`{"active": true, "iss": "https://auth.example.com",
			"aud": "https://api.example.com", "exp": 1767229000}`: ErrExpired,
	}
	for body, want := range cases {
		if _, err := v.ValidateIntrospectionAt([]byte(body), now); !errors.Is(err, want) {
			t.Errorf("ValidateIntrospectionAt(%s) = %v, want %v", body, err, want)
		}
	}
}

func TestSignedIntrospectionNeedsAudience(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	token := tokenFixture(t, "es256.jwt")
	if _, err := v.ValidateSignedIntrospectionAt(token, now); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("without introspection_audience: %v, want ErrInvalidConfig", err)
	}
	configured := newValidator(t, `{"issuers": ["https://auth.example.com"],
		"audiences": ["https://api.example.com"], "introspection_audience": "orders-api"}`, "jwks.json")
	if _, err := configured.ValidateSignedIntrospectionAt(token, now); !errors.Is(err, ErrWrongType) {
		t.Errorf("access token as a signed response: %v, want ErrWrongType", err)
	}
}

func TestRevocationList(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	list, err := NewRevocationList(1, 1)
	if err != nil {
		t.Fatalf("NewRevocationList: %v", err)
	}
	defer list.Close()
	token, err := v.ValidateIntrospectionAt([]byte(activeResponse), now)
	if err != nil {
		t.Fatalf("ValidateIntrospectionAt: %v", err)
	}
	defer token.Close()

	if err := list.Check(token); err != nil {
		t.Fatalf("Check before revoking: %v", err)
	}
	if err := list.RevokeTokenAt(token, now); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if err := list.Check(token); !errors.Is(err, ErrRevoked) {
		t.Errorf("Check after RevokeToken: %v, want ErrRevoked", err)
	}
	full := list.RevokeAt("https://auth.example.com", "tok-2", time.Unix(1767229800, 0), now)
	if !errors.Is(full, ErrRevocationListFull) {
		t.Errorf("second jti in a list of one: %v, want ErrRevocationListFull", full)
	}
	tokens, subjects, err := list.Counts()
	if err != nil || tokens != 1 || subjects != 0 {
		t.Errorf("Counts() = %d, %d, %v", tokens, subjects, err)
	}

	// The token's exp is 1767229800; the entry lives 300 s longer.
	if removed, _ := list.EvictExpired(time.Unix(1767230100, 0)); removed != 0 {
		t.Errorf("EvictExpired at exp+300 removed %d", removed)
	}
	if removed, _ := list.EvictExpired(time.Unix(1767230101, 0)); removed != 1 {
		t.Errorf("EvictExpired at exp+301 removed %d", removed)
	}

	cutoff := time.Unix(1767229100, 0)
	if err := list.RevokeSubjectAt("https://auth.example.com", "user-1234", cutoff, now.Add(time.Hour), now); err != nil {
		t.Fatalf("RevokeSubject: %v", err)
	}
	if err := list.Check(token); !errors.Is(err, ErrRevoked) {
		t.Errorf("Check after RevokeSubject at iat: %v, want ErrRevoked", err)
	}

	list.Close()
	if err := list.Check(token); !errors.Is(err, ErrClosed) {
		t.Errorf("Check after Close: %v, want ErrClosed", err)
	}
	if _, err := NewRevocationList(-1, 0); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("negative capacity: %v, want ErrInvalidConfig", err)
	}
}
