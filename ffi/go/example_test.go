package tokenguard_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"tokenguard.example/tokenguard"
)

// Protects a handler with Middleware and sends it one request with a valid
// token and one without a token.
func ExampleMiddlewareWithOptions() {
	config := []byte(`{"issuers": ["https://auth.example.com"], "audiences": ["https://api.example.com"]}`)
	jwks, err := os.ReadFile("../tests/fixtures/jwks.json")
	if err != nil {
		panic(err)
	}
	validator, err := tokenguard.NewValidator(config, jwks)
	if err != nil {
		panic(err)
	}
	defer validator.Close()

	orders := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := tokenguard.TokenFromContext(r.Context())
		subject, _ := token.Subject()
		fmt.Fprintf(w, "orders of %s", subject)
	})
	handler := tokenguard.MiddlewareWithOptions(validator, orders, tokenguard.MiddlewareOptions{
		Realm: "orders",
		// A fixed time, so that the example's output never changes.
		Now: func() time.Time { return time.Unix(1767229200, 0) },
	})

	token, err := os.ReadFile("../tests/fixtures/es256.jwt")
	if err != nil {
		panic(err)
	}
	for _, authorization := range []string{"Bearer " + strings.TrimSpace(string(token)), ""} {
		request := httptest.NewRequest(http.MethodGet, "/orders", nil)
		if authorization != "" {
			request.Header.Set("Authorization", authorization)
		}
		response := httptest.NewRecorder()
		handler.ServeHTTP(response, request)
		fmt.Println(response.Code, response.Header().Get("WWW-Authenticate"), strings.TrimSpace(response.Body.String()))
	}
	// Output:
	// 200  orders of user-1234
	// 401 Bearer realm="orders" missing bearer token
}
