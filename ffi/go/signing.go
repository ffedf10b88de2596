package tokenguard

/*
#include "tokenguard.h"
*/
import "C"

import (
	"crypto/rand"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// jtiRandomBytes is how many random bytes the jti of a created assertion or
// proof is made from: 128 bits, the minimum the library accepts.
const jtiRandomBytes = 16

// SigningKey is a private key or HMAC secret that signs tokens: client
// assertions, DPoP proofs and test tokens. It is immutable and safe for
// concurrent use. Close frees it.
type SigningKey struct {
	mu  sync.RWMutex
	ptr *C.tg_signing_key
}

// GenerateSigningKey generates a key for alg (ES256, ES384, EdDSA or Ed25519),
// bound to alg and with kid when it is not empty. Its private half cannot be
// exported. Another algorithm matches ErrInvalidConfig.
func GenerateSigningKey(alg, kid string) (*SigningKey, error) {
	algBytes, kidBytes := []byte(alg), []byte(kid)
	algPtr, algLen := bytesArg(algBytes)
	kidPtr, kidLen := bytesArg(kidBytes)
	return newSigningKey(func(out **C.tg_signing_key) C.tg_status {
		status := C.tg_signing_key_generate(algPtr, algLen, kidPtr, kidLen, out)
		runtime.KeepAlive(algBytes)
		runtime.KeepAlive(kidBytes)
		return status
	})
}

// SigningKeyFromJWK reads a private JWK: EC P-256 or P-384, OKP Ed25519, or
// RSA with p, q, dp, dq and qi. The key keeps the JWK's kid and alg.
func SigningKeyFromJWK(jwk []byte) (*SigningKey, error) {
	jwkPtr, jwkLen := bytesArg(jwk)
	return newSigningKey(func(out **C.tg_signing_key) C.tg_status {
		status := C.tg_signing_key_from_jwk(jwkPtr, jwkLen, out)
		runtime.KeepAlive(jwk)
		return status
	})
}

// SigningKeyFromDER reads a DER private key, PKCS#8 (RSA, P-256, P-384 or
// Ed25519) or PKCS#1 (RSA), with kid when it is not empty.
func SigningKeyFromDER(der []byte, kid string) (*SigningKey, error) {
	kidBytes := []byte(kid)
	derPtr, derLen := bytesArg(der)
	kidPtr, kidLen := bytesArg(kidBytes)
	return newSigningKey(func(out **C.tg_signing_key) C.tg_status {
		status := C.tg_signing_key_from_der(derPtr, derLen, kidPtr, kidLen, out)
		runtime.KeepAlive(der)
		runtime.KeepAlive(kidBytes)
		return status
	})
}

// SigningKeyFromHMACSecret wraps an HMAC secret for alg (HS256, HS384 or
// HS512), with kid when it is not empty. A secret shorter than the hash output
// matches ErrWeakKey.
func SigningKeyFromHMACSecret(alg string, secret []byte, kid string) (*SigningKey, error) {
	algBytes, kidBytes := []byte(alg), []byte(kid)
	algPtr, algLen := bytesArg(algBytes)
	secretPtr, secretLen := bytesArg(secret)
	kidPtr, kidLen := bytesArg(kidBytes)
	return newSigningKey(func(out **C.tg_signing_key) C.tg_status {
		status := C.tg_signing_key_from_hmac_secret(algPtr, algLen, secretPtr, secretLen,
			kidPtr, kidLen, out)
		runtime.KeepAlive(algBytes)
		runtime.KeepAlive(secret)
		runtime.KeepAlive(kidBytes)
		return status
	})
}

func newSigningKey(fn func(**C.tg_signing_key) C.tg_status) (*SigningKey, error) {
	var ptr *C.tg_signing_key
	if err := call("", "", func() C.tg_status { return fn(&ptr) }); err != nil {
		return nil, err
	}
	k := &SigningKey{ptr: ptr}
	runtime.SetFinalizer(k, (*SigningKey).Close)
	return k, nil
}

// Close frees the key. It is safe to call more than once.
func (k *SigningKey) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ptr != nil {
		C.tg_signing_key_free(k.ptr)
		k.ptr = nil
		runtime.SetFinalizer(k, nil)
	}
	return nil
}

// PublicJWK returns the public JWK, one line of JSON with the key's kid and
// alg when it has them. An HMAC secret matches ErrNotFound.
func (k *SigningKey) PublicJWK() (string, error) {
	return k.readString(func(ptr *C.tg_signing_key, buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_signing_key_public_jwk(ptr, buf, n, outLen)
	})
}

// Thumbprint returns the base64url RFC 7638 thumbprint of the public key: the
// cnf jkt of a token bound to this key. An HMAC secret matches ErrNotFound.
func (k *SigningKey) Thumbprint() (string, error) {
	return k.readString(func(ptr *C.tg_signing_key, buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_signing_key_thumbprint(ptr, buf, n, outLen)
	})
}

// SignJWS signs payload into a compact JWS with the header alg, typ (left out
// when ""), the key's kid, and with embedJWK the public key as jwk. An empty
// alg picks the key's alg, or ES256, ES384 or EdDSA for an EC or Ed25519 key.
func (k *SigningKey) SignJWS(alg, typ string, embedJWK bool, payload []byte) (string, error) {
	algBytes, typBytes := []byte(alg), []byte(typ)
	algPtr, algLen := bytesArg(algBytes)
	typPtr, typLen := bytesArg(typBytes)
	payloadPtr, payloadLen := bytesArg(payload)
	token, err := k.readString(func(ptr *C.tg_signing_key, buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_signing_key_sign_jws(ptr, algPtr, algLen, typPtr, typLen, C.bool(embedJWK),
			payloadPtr, payloadLen, buf, n, outLen)
	})
	runtime.KeepAlive(algBytes)
	runtime.KeepAlive(typBytes)
	runtime.KeepAlive(payload)
	return token, err
}

// ClientAssertion is the content of an RFC 7523 assertion for
// CreateClientAssertion, whose iss and sub are ClientID.
type ClientAssertion struct {
	// ClientID is the client identifier, written as iss and sub.
	ClientID string
	// Audience is the token endpoint URL or the issuer identifier, written as
	// aud.
	Audience string
	// Lifetime is the time from iat to exp, 1 to 300 seconds; 0 means 60.
	Lifetime time.Duration
	// Alg is the signature algorithm; "" picks the key's default.
	Alg string
}

// CreateClientAssertion signs an assertion at the current time, with a jti
// made from 16 bytes of crypto/rand.
func (k *SigningKey) CreateClientAssertion(assertion ClientAssertion) (string, error) {
	jtiRandom := make([]byte, jtiRandomBytes)
	if _, err := rand.Read(jtiRandom); err != nil {
		return "", err
	}
	return k.CreateClientAssertionAt(assertion, time.Now(), jtiRandom)
}

// CreateClientAssertionAt signs an assertion at now, whole seconds, with a jti
// that is the base64url of jtiRandom, 16 to 64 fresh random bytes.
func (k *SigningKey) CreateClientAssertionAt(assertion ClientAssertion, now time.Time, jtiRandom []byte) (string, error) {
	lifetime := assertion.Lifetime
	if lifetime == 0 {
		lifetime = 60 * time.Second
	}
	lifetimeSeconds, err := seconds(lifetime, "Lifetime")
	if err != nil {
		return "", err
	}
	inputs := [][]byte{[]byte(assertion.Alg), []byte(assertion.ClientID), []byte(assertion.Audience)}
	algPtr, algLen := bytesArg(inputs[0])
	clientPtr, clientLen := bytesArg(inputs[1])
	audiencePtr, audienceLen := bytesArg(inputs[2])
	randomPtr, randomLen := bytesArg(jtiRandom)
	token, err := k.readString(func(ptr *C.tg_signing_key, buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_client_assertion_create(ptr, algPtr, algLen, clientPtr, clientLen,
			audiencePtr, audienceLen, lifetimeSeconds, randomPtr, randomLen,
			C.int64_t(now.Unix()), buf, n, outLen)
	})
	runtime.KeepAlive(inputs)
	runtime.KeepAlive(jtiRandom)
	return token, err
}

// CreateDPoPProof signs a DPoP proof for method and uri at the current time,
// with ath over accessToken unless it is "" and nonce unless it is "", and a
// jti made from 16 bytes of crypto/rand. An empty alg picks the key's default.
func (k *SigningKey) CreateDPoPProof(alg, method, uri, accessToken, nonce string) (string, error) {
	jtiRandom := make([]byte, jtiRandomBytes)
	if _, err := rand.Read(jtiRandom); err != nil {
		return "", err
	}
	return k.CreateDPoPProofAt(alg, method, uri, accessToken, nonce, time.Now(), jtiRandom)
}

// CreateDPoPProofAt is CreateDPoPProof at now, whole seconds, with a jti that
// is the base64url of jtiRandom, 16 to 64 fresh random bytes.
func (k *SigningKey) CreateDPoPProofAt(alg, method, uri, accessToken, nonce string, now time.Time, jtiRandom []byte) (string, error) {
	inputs := [][]byte{[]byte(alg), []byte(method), []byte(uri), []byte(accessToken), []byte(nonce)}
	algPtr, algLen := bytesArg(inputs[0])
	methodPtr, methodLen := bytesArg(inputs[1])
	uriPtr, uriLen := bytesArg(inputs[2])
	tokenPtr, tokenLen := bytesArg(inputs[3])
	noncePtr, nonceLen := bytesArg(inputs[4])
	randomPtr, randomLen := bytesArg(jtiRandom)
	proof, err := k.readString(func(ptr *C.tg_signing_key, buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_dpop_proof_create(ptr, algPtr, algLen, methodPtr, methodLen, uriPtr, uriLen,
			tokenPtr, tokenLen, noncePtr, nonceLen, randomPtr, randomLen,
			C.int64_t(now.Unix()), buf, n, outLen)
	})
	runtime.KeepAlive(inputs)
	runtime.KeepAlive(jtiRandom)
	return proof, err
}

// readString runs fn on the live key with a buffer that grows to fit, on one
// OS thread so that a failure's last error is read where it was recorded.
func (k *SigningKey) readString(fn func(*C.tg_signing_key, *C.uint8_t, C.size_t, *C.size_t) C.tg_status) (string, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.ptr == nil {
		return "", ErrClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]byte, 4096)
	for {
		var n C.size_t
		status := fn(k.ptr, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &n)
		switch status {
		case C.TG_OK:
			return string(buf[:n]), nil
		case C.TG_BUFFER_TOO_SMALL:
			buf = make([]byte, int(n))
		default:
			return "", lastError(status, "", "")
		}
	}
}
