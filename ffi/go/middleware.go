package tokenguard

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// MiddlewareOptions adjusts Middleware.
type MiddlewareOptions struct {
	// Realm goes into every WWW-Authenticate challenge when it is not "".
	Realm string
	// Scope, the space-separated scopes the resource needs, goes into the
	// challenge for a token without them (RFC 6750 section 3) when not "".
	Scope string
	// Now returns the validation time; nil means time.Now.
	Now func() time.Time
}

type tokenKey struct{}

// Middleware returns a handler that validates the request's Authorization
// header with v before calling next, with the default options.
func Middleware(v *Validator, next http.Handler) http.Handler {
	return MiddlewareWithOptions(v, next, MiddlewareOptions{})
}

// MiddlewareWithOptions returns a handler that validates the request's
// Authorization header with v before calling next.
//
// A request without the header gets 401 with a bare challenge. A rejected token
// gets 401, or 403 for insufficient scope, with the challenge of the error. A
// malformed header, or more than one Authorization header, gets 400, and a
// failure of the validator itself 500. The verified token reaches next through the
// request's context (see TokenFromContext) and is closed when next returns, so
// next must not keep it.
func MiddlewareWithOptions(v *Validator, next http.Handler, options MiddlewareOptions) http.Handler {
	now := options.Now
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values("Authorization")
		if len(values) == 0 {
			w.Header().Set("WWW-Authenticate", challenge(options.Realm))
			http.Error(w, "missing bearer token", http.StatusUnauthorized)
			return
		}
		if len(values) > 1 {
			w.Header().Set("WWW-Authenticate", challenge(options.Realm))
			http.Error(w, "more than one Authorization header", http.StatusBadRequest)
			return
		}

		token, err := v.validate(values[0], now(), inputAuthorization, options.Realm, options.Scope)
		if err != nil {
			reject(w, err)
			return
		}
		defer token.Close()
		ctx := context.WithValue(r.Context(), tokenKey{}, token)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// TokenFromContext returns the token Middleware verified for the request.
func TokenFromContext(ctx context.Context) (*Token, bool) {
	token, ok := ctx.Value(tokenKey{}).(*Token)
	return token, ok
}

// reject writes the response to a request whose token was rejected.
func reject(w http.ResponseWriter, err error) {
	var rejection *Error
	if !errors.As(err, &rejection) || rejection.HTTPStatus >= 500 {
		http.Error(w, "token validation failed", http.StatusInternalServerError)
		return
	}
	if rejection.WWWAuthenticate != "" {
		w.Header().Set("WWW-Authenticate", rejection.WWWAuthenticate)
	}
	body := rejection.BearerError
	if body == "" {
		body = http.StatusText(rejection.HTTPStatus)
	}
	http.Error(w, body, rejection.HTTPStatus)
}
