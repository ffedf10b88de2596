package tokenguard

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// subjectHandler responds with 200 and the subject of the verified token.
var subjectHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	token, ok := TokenFromContext(r.Context())
	if !ok {
		http.Error(w, "no token in the context", http.StatusInternalServerError)
		return
	}
	subject, _ := token.Subject()
	fmt.Fprintf(w, "hello %s", subject)
})

func serve(handler http.Handler, authorization ...string) *httptest.ResponseRecorder {
	request := httptest.NewRequest(http.MethodGet, "/orders", nil)
	for _, value := range authorization {
		request.Header.Add("Authorization", value)
	}
	recorder := httptest.NewRecorder()
	handler.ServeHTTP(recorder, request)
	return recorder
}

func TestMiddlewareResponses(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	handler := MiddlewareWithOptions(v, subjectHandler, MiddlewareOptions{
		Realm: "orders",
		Now:   func() time.Time { return now },
	})
	cases := []struct {
		name          string
		authorization []string
		status        int
		challenge     string
		body          string
	}{
		{"valid token", []string{"Bearer " + tokenFixture(t, "es256.jwt")}, 200, "", "hello user-1234"},
		{"missing header", nil, 401, `Bearer realm="orders"`, "missing bearer token\n"},
		{"expired token", []string{"Bearer " + tokenFixture(t, "expired.jwt")}, 401,
			`Bearer realm="orders", error="invalid_token", error_description="token expired at 1767225600 (now 1767229200)"`,
			"invalid_token\n"},
		{"bad signature", []string{"Bearer " + tokenFixture(t, "bad-signature.jwt")}, 401,
			`Bearer realm="orders", error="invalid_token", error_description="signature verification failed"`,
			"invalid_token\n"},
		{"malformed header", []string{"Bearer"}, 400,
			`Bearer realm="orders", error="invalid_request", error_description="malformed authorization header: expected a scheme, one or more spaces and a token"`,
			"invalid_request\n"},
		{"other scheme", []string{"Basic dXNlcg=="}, 401, `Bearer realm="orders"`, "Unauthorized\n"},
		{"two headers", []string{"Bearer a.b.c", "Bearer d.e.f"}, 400, `Bearer realm="orders"`,
			"more than one Authorization header\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			response := serve(handler, c.authorization...)
			if response.Code != c.status {
				t.Errorf("status %d, want %d", response.Code, c.status)
			}
			if got := response.Header().Get("WWW-Authenticate"); got != c.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, c.challenge)
			}
			if got := response.Body.String(); got != c.body {
				t.Errorf("body %q, want %q", got, c.body)
			}
		})
	}
}

func TestMiddlewareInsufficientScope(t *testing.T) {
	v := newValidator(t, strings.TrimSuffix(config, "}")+`, "required_scopes": ["orders:admin"]}`, "jwks.json")
	handler := MiddlewareWithOptions(v, subjectHandler, MiddlewareOptions{
		Scope: "orders:admin",
		Now:   func() time.Time { return now },
	})
	response := serve(handler, "Bearer "+tokenFixture(t, "es256.jwt"))
	if response.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", response.Code)
	}
	want := `Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="orders:admin"`
	if got := response.Header().Get("WWW-Authenticate"); got != want {
		t.Errorf("WWW-Authenticate %q, want %q", got, want)
	}
}

func TestMiddlewareClosedValidator(t *testing.T) {
	v, err := NewValidator([]byte(config), fixture(t, "jwks.json"))
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	v.Close()
	response := serve(Middleware(v, subjectHandler), "Bearer "+tokenFixture(t, "es256.jwt"))
	if response.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", response.Code)
	}
	if got := response.Header().Get("WWW-Authenticate"); got != "" {
		t.Errorf("WWW-Authenticate %q on a server error", got)
	}
}

// Middleware with the default options reads the clock, so only responses that
// do not depend on the time are checked here.
func TestMiddlewareDefaultOptions(t *testing.T) {
	v := newValidator(t, config, "jwks.json")
	response := serve(Middleware(v, subjectHandler))
	if response.Code != http.StatusUnauthorized || response.Header().Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("status %d, WWW-Authenticate %q", response.Code, response.Header().Get("WWW-Authenticate"))
	}
	response = serve(Middleware(v, subjectHandler), "Bearer "+tokenFixture(t, "bad-signature.jwt"))
	if response.Code != http.StatusUnauthorized {
		t.Errorf("bad signature: status %d", response.Code)
	}
}
