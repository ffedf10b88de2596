/*
 * Tests of the libtokenguard C ABI, run from C:
 *
 *     test_tokenguard FIXTURES_DIR
 *
 * FIXTURES_DIR is ffi/tests/fixtures, made by its generate.sh. Every token is
 * validated at NOW, so no test reads the clock. The last line is
 * "N passed, N failed"; the exit status is 0 only when every test passed.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenguard.h"

/* 2026-01-01T01:00:00Z, an hour after the fixtures were issued. */
#define NOW INT64_C(1767229200)

/* A string literal as a pointer and a length. */
#define LIT(text) (const uint8_t *)(text), (sizeof(text) - 1)

static const char *fixtures_dir;
static int checks_failed;

/* Reports a failed check with the calling thread's last error, if any. */
static void report(const char *file, int line, const char *description) {
    char message[512];
    size_t len = 0;
    if (tg_last_error_message((uint8_t *)message, sizeof message, &len) != TG_OK) {
        len = 0;
    }
    fprintf(stderr, "%s:%d: check failed: %s (last error: %.*s)\n", file, line, description,
            (int)len, message);
    checks_failed++;
}

#define CHECK(condition)                                 \
    do {                                                 \
        if (!(condition)) {                              \
            report(__FILE__, __LINE__, #condition);      \
        }                                                \
    } while (0)

#define CHECK_STATUS(call, expected)                                                     \
    do {                                                                                 \
        tg_status status_ = (call);                                                      \
        if (status_ != (expected)) {                                                     \
            char what_[1024];                                                            \
            snprintf(what_, sizeof what_, "%s returned %d (%s), expected %s", #call,     \
                     (int)status_, tg_status_name(status_), #expected);                  \
            report(__FILE__, __LINE__, what_);                                           \
        }                                                                                \
    } while (0)

/* Returns whether `len` bytes at `data` equal the NUL-terminated `text`. */
static int equals(const void *data, size_t len, const char *text) {
    return len == strlen(text) && memcmp(data, text, len) == 0;
}

/* Returns whether `len` bytes at `data` contain the NUL-terminated `text`. */
static int contains(const void *data, size_t len, const char *text) {
    size_t text_len = strlen(text);
    for (size_t i = 0; i + text_len <= len; i++) {
        if (memcmp((const char *)data + i, text, text_len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A file of the fixtures folder, without a final newline. */
typedef struct {
    uint8_t *data;
    size_t len;
} fixture;

static fixture load(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", fixtures_dir, name);
    fixture result = {NULL, 0};
    FILE *file = fopen(path, "rb");
    if (file == NULL || fseek(file, 0, SEEK_END) != 0) {
        fprintf(stderr, "error: cannot read fixture %s\n", path);
        exit(2);
    }
    long size = ftell(file);
    rewind(file);
    result.data = malloc((size_t)size + 1);
    if (result.data == NULL || fread(result.data, 1, (size_t)size, file) != (size_t)size) {
        fprintf(stderr, "error: cannot read fixture %s\n", path);
        exit(2);
    }
    fclose(file);
    result.len = (size_t)size;
    while (result.len > 0 && result.data[result.len - 1] == '\n') {
        result.len--;
    }
    return result;
}

static void unload(fixture *f) {
    free(f->data);
    f->data = NULL;
    f->len = 0;
}

/* Builds a validator from a configuration text and a JWK Set fixture (or NULL). */
static tg_validator *new_validator(const char *config, const char *jwks_name) {
    fixture jwks = {NULL, 0};
    if (jwks_name != NULL) {
        jwks = load(jwks_name);
    }
    tg_validator *validator = NULL;
    CHECK_STATUS(tg_validator_new((const uint8_t *)config, strlen(config), jwks.data, jwks.len,
                                  &validator),
                 TG_OK);
    unload(&jwks);
    return validator;
}

/* Builds a validator from a configuration fixture and a JWK Set fixture. */
static tg_validator *validator_from_files(const char *config_name, const char *jwks_name) {
    fixture config = load(config_name);
    char *text = malloc(config.len + 1);
    memcpy(text, config.data, config.len);
    text[config.len] = '\0';
    tg_validator *validator = new_validator(text, jwks_name);
    free(text);
    unload(&config);
    return validator;
}

/* Validates a token fixture and returns the status; frees the token. */
static tg_status validate_file(const tg_validator *validator, const char *token_name) {
    fixture token = load(token_name);
    tg_token *verified = NULL;
    tg_status status = tg_validator_validate(validator, token.data, token.len, NOW, &verified);
    CHECK((status == TG_OK) == (verified != NULL));
    tg_token_free(verified);
    unload(&token);
    return status;
}

/* Validates a token fixture that must pass and returns the token. */
static tg_token *valid_token(const tg_validator *validator, const char *token_name) {
    fixture token = load(token_name);
    tg_token *verified = NULL;
    CHECK_STATUS(tg_validator_validate(validator, token.data, token.len, NOW, &verified), TG_OK);
    unload(&token);
    return verified;
}

static const char CONFIG[] =
    "{\"issuers\": [\"https://auth.example.com\"], \"audiences\": [\"https://api.example.com\"]}";

/* Runs before any other call fails, so the thread has no last error yet. */
static void test_last_error_initially_absent(void) {
    char buf[16];
    size_t len = 99;
    CHECK_STATUS(tg_last_error_message((uint8_t *)buf, sizeof buf, &len), TG_NOT_FOUND);
    CHECK(len == 99);
    uint16_t http_status = 0;
    CHECK_STATUS(tg_last_error_http_status(&http_status), TG_NOT_FOUND);
}

static void test_version(void) {
    CHECK(strcmp(tg_version(), TOKENGUARD_VERSION) == 0);
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", TOKENGUARD_VERSION_MAJOR,
             TOKENGUARD_VERSION_MINOR, TOKENGUARD_VERSION_PATCH);
    CHECK(strcmp(expected, TOKENGUARD_VERSION) == 0);
}

static void test_valid_token_per_algorithm(void) {
    struct {
        const char *file;
        const char *alg;
        const char *kid;
    } cases[] = {
        {"rs256.jwt", "RS256", "rsa-1"},   {"ps256.jwt", "PS256", "rsa-1"},
        {"es256.jwt", "ES256", "es256-1"}, {"es384.jwt", "ES384", "es384-1"},
        {"eddsa.jwt", "EdDSA", "eddsa-1"},
    };
    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tg_token *token = valid_token(validator, cases[i].file);
        if (token == NULL) {
            continue;
        }
        const char *alg = NULL;
        CHECK_STATUS(tg_token_algorithm(token, &alg), TG_OK);
        CHECK(alg != NULL);
        CHECK(alg == NULL || strcmp(alg, cases[i].alg) == 0);
        char kid[32];
        size_t len = 0;
        CHECK_STATUS(tg_token_key_id(token, (uint8_t *)kid, sizeof kid, &len), TG_OK);
        CHECK(equals(kid, len, cases[i].kid));
        char subject[32];
        CHECK_STATUS(tg_token_subject(token, (uint8_t *)subject, sizeof subject, &len), TG_OK);
        CHECK(equals(subject, len, "user-1234"));
        tg_token_free(token);
    }
    tg_validator_free(validator);

    /* HS256 with the secret from the configuration and no JWK Set. */
    tg_validator *hmac = validator_from_files("config-hs256.json", NULL);
    tg_token *token = valid_token(hmac, "hs256.jwt");
    const char *alg = NULL;
    CHECK_STATUS(tg_token_algorithm(token, &alg), TG_OK);
    CHECK(alg != NULL);
    CHECK(alg == NULL || strcmp(alg, "HS256") == 0);
    tg_token_free(token);
    CHECK_STATUS(validate_file(hmac, "es256.jwt"), TG_UNSUPPORTED_ALG);
    tg_validator_free(hmac);
}

static void test_rejections(void) {
    struct {
        const char *file;
        tg_status expected;
        const char *name;
        uint16_t http_status;
    } cases[] = {
        {"expired.jwt", TG_EXPIRED, "expired", 401},
        {"not-yet-valid.jwt", TG_NOT_YET_VALID, "not_yet_valid", 401},
        {"wrong-issuer.jwt", TG_WRONG_ISSUER, "wrong_issuer", 401},
        {"wrong-audience.jwt", TG_WRONG_AUDIENCE, "wrong_audience", 401},
        {"wrong-type.jwt", TG_WRONG_TYPE, "wrong_type", 401},
        {"unknown-kid.jwt", TG_UNKNOWN_KID, "unknown_kid", 401},
        {"bad-signature.jwt", TG_BAD_SIGNATURE, "bad_signature", 401},
        /* HMAC is not among the default algorithms. */
        {"hs256.jwt", TG_UNSUPPORTED_ALG, "unsupported_alg", 401},
    };
    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_STATUS(validate_file(validator, cases[i].file), cases[i].expected);
        CHECK(strcmp(tg_status_name(cases[i].expected), cases[i].name) == 0);
        uint16_t http_status = 0;
        CHECK_STATUS(tg_last_error_http_status(&http_status), TG_OK);
        CHECK(http_status == cases[i].http_status);
        const char *bearer_error = NULL;
        CHECK_STATUS(tg_last_error_bearer_error(&bearer_error), TG_OK);
        CHECK(bearer_error != NULL);
        CHECK(bearer_error == NULL || strcmp(bearer_error, "invalid_token") == 0);
    }

    char message[256];
    size_t len = 0;
    CHECK_STATUS(validate_file(validator, "expired.jwt"), TG_EXPIRED);
    CHECK_STATUS(tg_last_error_message((uint8_t *)message, sizeof message, &len), TG_OK);
    CHECK(equals(message, len, "token expired at 1767225600 (now 1767229200)"));

    /* Malformed and oversized input never reaches the key set. */
    tg_token *token = (tg_token *)&len; /* a sentinel: must stay unchanged */
    tg_token *const sentinel = token;
    CHECK_STATUS(tg_validator_validate(validator, LIT("not-a-token"), NOW, &token), TG_MALFORMED);
    CHECK(token == sentinel);
    CHECK_STATUS(tg_validator_validate(validator, LIT("a.b"), NOW, &token), TG_MALFORMED);
    CHECK_STATUS(tg_validator_validate(validator, LIT("e30.e30.\xff"), NOW, &token),
                 TG_MALFORMED);
    size_t big_len = 16 * 1024 + 1;
    uint8_t *big = malloc(big_len);
    memset(big, 'a', big_len);
    big[100] = '.';
    big[200] = '.';
    CHECK_STATUS(tg_validator_validate(validator, big, big_len, NOW, &token), TG_TOO_LARGE);
    CHECK(token == sentinel);
    free(big);
    tg_validator_free(validator);

    /* Required claims and scopes. */
    tg_validator *tenant = new_validator(
        "{\"issuers\": [\"https://auth.example.com\"], \"audiences\": "
        "[\"https://api.example.com\"], \"required_claims\": [\"tenant\"]}",
        "jwks.json");
    CHECK_STATUS(validate_file(tenant, "es256.jwt"), TG_MISSING_CLAIM);
    CHECK_STATUS(tg_last_error_message((uint8_t *)message, sizeof message, &len), TG_OK);
    CHECK(equals(message, len, "required claim 'tenant' is missing"));
    tg_validator_free(tenant);

    tg_validator *profile = new_validator(
        "{\"issuers\": [\"https://auth.example.com\"], \"audiences\": "
        "[\"https://api.example.com\"], \"profile\": \"rfc9068\"}",
        "jwks.json");
    CHECK_STATUS(validate_file(profile, "es256.jwt"), TG_OK);
    CHECK_STATUS(validate_file(profile, "no-jti.jwt"), TG_MISSING_CLAIM);
    tg_validator_free(profile);

    tg_validator *admin = new_validator(
        "{\"issuers\": [\"https://auth.example.com\"], \"audiences\": "
        "[\"https://api.example.com\"], \"required_scopes\": [\"orders:admin\"]}",
        "jwks.json");
    CHECK_STATUS(validate_file(admin, "es256.jwt"), TG_INSUFFICIENT_SCOPE);
    uint16_t http_status = 0;
    CHECK_STATUS(tg_last_error_http_status(&http_status), TG_OK);
    CHECK(http_status == 403);
    char challenge[256];
    CHECK_STATUS(tg_last_error_www_authenticate(LIT("api"), LIT("orders:admin"),
                                                (uint8_t *)challenge, sizeof challenge, &len),
                 TG_OK);
    CHECK(equals(challenge, len,
                 "Bearer realm=\"api\", error=\"insufficient_scope\", "
                 "error_description=\"token lacks a required scope\", scope=\"orders:admin\""));
    tg_validator_free(admin);

    /* A leeway of 0 and a maximum age. */
    tg_validator *max_age = new_validator(
        "{\"issuers\": [\"https://auth.example.com\"], \"audiences\": "
        "[\"https://api.example.com\"], \"max_age\": 600, \"leeway\": 0}",
        "jwks.json");
    CHECK_STATUS(validate_file(max_age, "es256.jwt"), TG_EXPIRED);
    CHECK_STATUS(tg_last_error_message((uint8_t *)message, sizeof message, &len), TG_OK);
    CHECK(contains(message, len, "maximum age"));
    tg_validator_free(max_age);
}

static void test_invalid_config(void) {
    struct {
        const char *config;
        const char *field;
    } cases[] = {
        {"{\"issuers\": [\"a\"], \"audiences\": [\"b\"], \"leway\": 10}", "leway: unknown field"},
        {"{\"issuers\": [\"a\"], \"audiences\": [\"b\"], \"leeway\": \"30\"}",
         "leeway: must be a whole number of seconds"},
        {"{\"issuers\": \"a\", \"audiences\": [\"b\"]}", "issuers: must be an array of strings"},
        {"{\"audiences\": [\"b\"]}", "issuers: at least one issuer is required"},
        {"{\"issuers\": [\"a\"], \"audiences\": [\"b\"], \"typ\": \"JWT\"}",
         "typ: must be one of at+jwt, jwt, any"},
        {"{\"issuers\": [\"a\"], \"audiences\": [\"b\"], \"algorithms\": [\"none\"]}",
         "algorithms[0]: algorithm none is never accepted"},
        {"{\"issuers\": [\"a\"], \"audiences\": [\"b\"], \"hmac_secrets\": [{\"alg\": \"HS256\", "
         "\"secret\": \"x\"}]}",
         "hmac_secrets[0].secret: unknown field"},
        {"{\"issuers\": [\"a\"], \"audiences\": [\"b\"], \"leeway\": 1, \"leeway\": 2}",
         "invalid configuration: duplicate member name"},
        {"not json", "invalid configuration: JSON is not an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture jwks = load("jwks.json");
        tg_validator *validator = (tg_validator *)&jwks; /* a sentinel */
        CHECK_STATUS(tg_validator_new((const uint8_t *)cases[i].config, strlen(cases[i].config),
                                      jwks.data, jwks.len, &validator),
                     TG_INVALID_CONFIG);
        CHECK(validator == (tg_validator *)&jwks);
        char message[512];
        size_t len = 0;
        CHECK_STATUS(tg_last_error_message((uint8_t *)message, sizeof message, &len), TG_OK);
        if (!contains(message, len, cases[i].field)) {
            fprintf(stderr, "message %.*s does not name %s\n", (int)len, message, cases[i].field);
            checks_failed++;
        }
        uint16_t http_status = 0;
        CHECK_STATUS(tg_last_error_http_status(&http_status), TG_OK);
        CHECK(http_status == 500);
        unload(&jwks);
    }

    tg_validator *validator = NULL;
    /* Both an HMAC secret and a JWK Set. */
    fixture hmac = load("config-hs256.json");
    fixture jwks = load("jwks.json");
    CHECK_STATUS(tg_validator_new(hmac.data, hmac.len, jwks.data, jwks.len, &validator),
                 TG_INVALID_CONFIG);
    /* Neither. */
    CHECK_STATUS(tg_validator_new(LIT(CONFIG), NULL, 0, &validator), TG_INVALID_CONFIG);
    /* A JWK Set the core rejects keeps the core's status, and the message names it. */
    CHECK_STATUS(tg_validator_new(LIT(CONFIG), LIT("{\"keys\": 1}"), &validator), TG_MALFORMED);
    char message[256];
    size_t len = 0;
    CHECK_STATUS(tg_last_error_message((uint8_t *)message, sizeof message, &len), TG_OK);
    CHECK(equals(message, len, "jwks: malformed key set: member 'keys' has the wrong type"));
    /* Text that is not UTF-8. */
    CHECK_STATUS(tg_validator_new(LIT("{\"issuers\": [\"\xc3\x28\"]}"), jwks.data, jwks.len,
                                  &validator),
                 TG_INVALID_UTF8);
    CHECK(validator == NULL);
    unload(&hmac);
    unload(&jwks);
}

static void test_null_and_length_arguments(void) {
    fixture jwks = load("jwks.json");
    fixture es256 = load("es256.jwt");
    tg_validator *validator = NULL;
    CHECK_STATUS(tg_validator_new(NULL, 5, jwks.data, jwks.len, &validator), TG_NULL_POINTER);
    CHECK_STATUS(tg_validator_new(NULL, 0, jwks.data, jwks.len, &validator), TG_INVALID_CONFIG);
    CHECK_STATUS(tg_validator_new(LIT(CONFIG), NULL, 3, &validator), TG_NULL_POINTER);
    CHECK_STATUS(tg_validator_new(LIT(CONFIG), jwks.data, jwks.len, NULL), TG_NULL_POINTER);
    CHECK_STATUS(tg_validator_new(LIT(CONFIG), jwks.data, SIZE_MAX, &validator),
                 TG_INVALID_ARGUMENT);
    CHECK(validator == NULL);
    char message[128];
    size_t len = 0;
    CHECK_STATUS(tg_validator_new(LIT(CONFIG), jwks.data, jwks.len, NULL), TG_NULL_POINTER);
    CHECK_STATUS(tg_last_error_message((uint8_t *)message, sizeof message, &len), TG_OK);
    CHECK(equals(message, len, "argument out_validator is NULL"));

    validator = new_validator(CONFIG, "jwks.json");
    tg_token *token = NULL;
    CHECK_STATUS(tg_validator_validate(NULL, es256.data, es256.len, NOW, &token),
                 TG_NULL_POINTER);
    CHECK_STATUS(tg_validator_validate(validator, NULL, 0, NOW, &token), TG_MALFORMED);
    CHECK_STATUS(tg_validator_validate(validator, NULL, 10, NOW, &token), TG_NULL_POINTER);
    CHECK_STATUS(tg_validator_validate(validator, es256.data, SIZE_MAX, NOW, &token),
                 TG_INVALID_ARGUMENT);
    CHECK_STATUS(tg_validator_validate(validator, es256.data, es256.len, NOW, NULL),
                 TG_NULL_POINTER);
    CHECK_STATUS(tg_validator_validate_authorization(validator, NULL, 0, NOW, &token),
                 TG_MALFORMED);
    CHECK(token == NULL);
    CHECK_STATUS(tg_validator_set_jwks(NULL, jwks.data, jwks.len), TG_NULL_POINTER);
    CHECK_STATUS(tg_validator_set_jwks(validator, NULL, 4), TG_NULL_POINTER);
    size_t usable = 0, skipped = 0;
    CHECK_STATUS(tg_validator_key_counts(validator, NULL, &skipped), TG_NULL_POINTER);
    CHECK_STATUS(tg_validator_key_counts(validator, &usable, &skipped), TG_OK);
    CHECK(usable == 4);
    CHECK(skipped == 0);

    CHECK_STATUS(tg_validator_validate(validator, es256.data, es256.len, NOW, &token), TG_OK);
    uint8_t buf[64];
    int64_t seconds = 0;
    CHECK_STATUS(tg_token_subject(NULL, buf, sizeof buf, &len), TG_NULL_POINTER);
    CHECK_STATUS(tg_token_subject(token, NULL, 8, &len), TG_NULL_POINTER);
    CHECK_STATUS(tg_token_subject(token, buf, sizeof buf, NULL), TG_NULL_POINTER);
    CHECK_STATUS(tg_token_expires_at(token, NULL), TG_NULL_POINTER);
    CHECK_STATUS(tg_token_expires_at(NULL, &seconds), TG_NULL_POINTER);
    CHECK_STATUS(tg_token_claim_string(token, NULL, 3, buf, sizeof buf, &len), TG_NULL_POINTER);
    CHECK_STATUS(tg_token_claim_string(token, NULL, 0, buf, sizeof buf, &len), TG_NOT_FOUND);
    CHECK_STATUS(tg_token_claim_string(token, LIT("\xff"), buf, sizeof buf, &len),
                 TG_INVALID_UTF8);
    CHECK_STATUS(tg_token_payload(token, NULL, &len), TG_NULL_POINTER);
    CHECK_STATUS(tg_parse_authorization(NULL, 4, NULL, NULL, NULL), TG_NULL_POINTER);
    CHECK_STATUS(tg_www_authenticate(TG_OK, NULL, 1, NULL, 0, buf, sizeof buf, &len),
                 TG_NULL_POINTER);
    CHECK_STATUS(tg_last_error_message(NULL, 4, &len), TG_NULL_POINTER);

    /* Freeing NULL does nothing. */
    tg_token_free(NULL);
    tg_validator_free(NULL);
    tg_token_free(token);
    tg_validator_free(validator);
    unload(&jwks);
    unload(&es256);
}

static void test_key_rotation(void) {
    tg_validator *validator = new_validator(CONFIG, "set-a.json");
    CHECK_STATUS(validate_file(validator, "es256.jwt"), TG_OK);
    CHECK_STATUS(validate_file(validator, "es384.jwt"), TG_OK);
    CHECK_STATUS(validate_file(validator, "eddsa.jwt"), TG_UNKNOWN_KID);

    fixture set_b = load("set-b.json");
    CHECK_STATUS(tg_validator_set_jwks(validator, set_b.data, set_b.len), TG_OK);
    unload(&set_b);
    CHECK_STATUS(validate_file(validator, "es256.jwt"), TG_OK);
    CHECK_STATUS(validate_file(validator, "es384.jwt"), TG_UNKNOWN_KID);
    CHECK_STATUS(validate_file(validator, "eddsa.jwt"), TG_OK);

    /* A rejected set leaves the old one in force. */
    CHECK_STATUS(tg_validator_set_jwks(validator, LIT("{\"keys\": [}")), TG_MALFORMED);
    CHECK_STATUS(validate_file(validator, "eddsa.jwt"), TG_OK);
    size_t usable = 0, skipped = 0;
    CHECK_STATUS(tg_validator_key_counts(validator, &usable, &skipped), TG_OK);
    CHECK(usable == 2);
    CHECK(skipped == 0);

    /* An RSA key set replaces the EC one; the policy is unchanged. */
    fixture jwks = load("jwks.json");
    CHECK_STATUS(tg_validator_set_jwks(validator, jwks.data, jwks.len), TG_OK);
    unload(&jwks);
    CHECK_STATUS(validate_file(validator, "rs256.jwt"), TG_OK);
    CHECK_STATUS(validate_file(validator, "hs256.jwt"), TG_UNSUPPORTED_ALG);
    tg_validator_free(validator);
}

static void test_claims_of_every_type(void) {
    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    tg_token *token = valid_token(validator, "claims.jwt");
    tg_validator_free(validator);
    if (token == NULL) {
        return;
    }
    char buf[128];
    size_t len = 0;
    CHECK_STATUS(tg_token_subject(token, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "user-\xc3\xa9\"1234\""));
    CHECK_STATUS(tg_token_issuer(token, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "https://auth.example.com"));
    CHECK_STATUS(tg_token_client_id(token, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "orders-web"));
    CHECK_STATUS(tg_token_jwt_id(token, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "fixture-claims"));

    int64_t seconds = 0;
    CHECK_STATUS(tg_token_expires_at(token, &seconds), TG_OK);
    CHECK(seconds == INT64_C(4102358400));
    CHECK_STATUS(tg_token_issued_at(token, &seconds), TG_OK);
    CHECK(seconds == INT64_C(1767225600));
    CHECK_STATUS(tg_token_not_before(token, &seconds), TG_OK);
    CHECK(seconds == INT64_C(1767225600));

    size_t count = 0;
    CHECK_STATUS(tg_token_audience_count(token, &count), TG_OK);
    CHECK(count == 2);
    CHECK_STATUS(tg_token_audience(token, 1, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "https://admin.example.com"));
    CHECK_STATUS(tg_token_audience(token, 2, (uint8_t *)buf, sizeof buf, &len), TG_OUT_OF_RANGE);

    CHECK_STATUS(tg_token_scope_count(token, &count), TG_OK);
    CHECK(count == 2);
    CHECK_STATUS(tg_token_scope(token, 0, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "orders:read"));
    CHECK_STATUS(tg_token_scope(token, 1, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "orders:write"));
    CHECK_STATUS(tg_token_scope(token, 2, (uint8_t *)buf, sizeof buf, &len), TG_OUT_OF_RANGE);
    bool granted = false;
    CHECK_STATUS(tg_token_has_scope(token, LIT("orders:write"), &granted), TG_OK);
    CHECK(granted);
    CHECK_STATUS(tg_token_has_scope(token, LIT("orders"), &granted), TG_OK);
    CHECK(!granted);

    struct {
        const char *name;
        tg_json_type type;
    } types[] = {
        {"name", TG_JSON_STRING},  {"age", TG_JSON_NUMBER},    {"admin", TG_JSON_BOOL},
        {"groups", TG_JSON_ARRAY}, {"address", TG_JSON_OBJECT}, {"aud", TG_JSON_ARRAY},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        tg_json_type type = TG_JSON_BOOL;
        CHECK_STATUS(tg_token_claim_type(token, (const uint8_t *)types[i].name,
                                         strlen(types[i].name), &type),
                     TG_OK);
        CHECK(type == types[i].type);
    }
    tg_json_type type = TG_JSON_OBJECT;
    CHECK_STATUS(tg_token_claim_type(token, LIT("nothing"), &type), TG_NOT_FOUND);
    CHECK_STATUS(tg_token_claim_type(token, LIT("absent"), &type), TG_NOT_FOUND);
    CHECK(type == TG_JSON_OBJECT);

    /* Strings, unescaped. */
    CHECK_STATUS(tg_token_claim_string(token, LIT("name"), (uint8_t *)buf, sizeof buf, &len),
                 TG_OK);
    CHECK(equals(buf, len, "Zo\xc3\xab \"Z\" Example"));
    CHECK_STATUS(tg_token_claim_string(token, LIT("age"), (uint8_t *)buf, sizeof buf, &len),
                 TG_TYPE_MISMATCH);
    CHECK_STATUS(tg_token_claim_string(token, LIT("nothing"), (uint8_t *)buf, sizeof buf, &len),
                 TG_NOT_FOUND);
    CHECK_STATUS(tg_token_claim_string(token, LIT("absent"), (uint8_t *)buf, sizeof buf, &len),
                 TG_NOT_FOUND);

    /* Numbers. */
    double number = 0;
    CHECK_STATUS(tg_token_claim_number(token, LIT("age"), &number), TG_OK);
    CHECK(number == 42.0);
    CHECK_STATUS(tg_token_claim_number(token, LIT("ratio"), &number), TG_OK);
    CHECK(number == 0.75);
    CHECK_STATUS(tg_token_claim_number(token, LIT("big"), &number), TG_OK);
    CHECK(fabs(number - 12345678901234567890.0) < 1e4);
    number = -1;
    CHECK_STATUS(tg_token_claim_number(token, LIT("huge"), &number), TG_OUT_OF_RANGE);
    CHECK(number == -1);
    CHECK_STATUS(tg_token_claim_number(token, LIT("name"), &number), TG_TYPE_MISMATCH);
    int64_t integer = 0;
    CHECK_STATUS(tg_token_claim_int64(token, LIT("age"), &integer), TG_OK);
    CHECK(integer == 42);
    CHECK_STATUS(tg_token_claim_int64(token, LIT("exp"), &integer), TG_OK);
    CHECK(integer == INT64_C(4102358400));
    integer = -1;
    CHECK_STATUS(tg_token_claim_int64(token, LIT("ratio"), &integer), TG_OUT_OF_RANGE);
    CHECK_STATUS(tg_token_claim_int64(token, LIT("big"), &integer), TG_OUT_OF_RANGE);
    CHECK(integer == -1);
    CHECK_STATUS(tg_token_claim_int64(token, LIT("admin"), &integer), TG_TYPE_MISMATCH);

    /* Booleans. */
    bool flag = false;
    CHECK_STATUS(tg_token_claim_bool(token, LIT("admin"), &flag), TG_OK);
    CHECK(flag);
    CHECK_STATUS(tg_token_claim_bool(token, LIT("verified"), &flag), TG_OK);
    CHECK(!flag);
    CHECK_STATUS(tg_token_claim_bool(token, LIT("age"), &flag), TG_TYPE_MISMATCH);

    /* Arrays of strings. */
    CHECK_STATUS(tg_token_claim_array_len(token, LIT("groups"), &count), TG_OK);
    CHECK(count == 3);
    CHECK_STATUS(
        tg_token_claim_array_string(token, LIT("groups"), 1, (uint8_t *)buf, sizeof buf, &len),
        TG_OK);
    CHECK(equals(buf, len, "orders-team"));
    CHECK_STATUS(
        tg_token_claim_array_string(token, LIT("groups"), 2, (uint8_t *)buf, sizeof buf, &len),
        TG_TYPE_MISMATCH);
    CHECK_STATUS(
        tg_token_claim_array_string(token, LIT("groups"), 3, (uint8_t *)buf, sizeof buf, &len),
        TG_OUT_OF_RANGE);
    CHECK_STATUS(tg_token_claim_array_len(token, LIT("name"), &count), TG_TYPE_MISMATCH);
    CHECK_STATUS(
        tg_token_claim_array_string(token, LIT("address"), 0, (uint8_t *)buf, sizeof buf, &len),
        TG_TYPE_MISMATCH);

    /* The raw JSON, borrowed from the token. */
    const uint8_t *json = NULL;
    CHECK_STATUS(tg_token_payload(token, &json, &len), TG_OK);
    CHECK(len > 0);
    CHECK(json != NULL);
    if (json != NULL && len > 0) {
        CHECK(json[0] == '{');
        CHECK(json[len - 1] == '}');
    }
    CHECK(contains(json, len, "\"jti\":\"fixture-claims\""));
    CHECK(contains(json, len, "\"huge\":1e400"));
    CHECK_STATUS(tg_token_header(token, &json, &len), TG_OK);
    CHECK(contains(json, len, "\"kid\":\"es256-1\""));
    tg_token_free(token);

    /* scp is read only when the configuration enables it. */
    tg_validator *scope_only = new_validator(CONFIG, "jwks.json");
    token = valid_token(scope_only, "scp.jwt");
    CHECK_STATUS(tg_token_scope_count(token, &count), TG_OK);
    CHECK(count == 0);
    tg_token_free(token);
    tg_validator_free(scope_only);
    tg_validator *scp = new_validator(
        "{\"issuers\": [\"https://auth.example.com\"], \"audiences\": "
        "[\"https://api.example.com\"], \"scope_claims\": \"scope-or-scp\", "
        "\"required_scopes\": [\"orders:admin\"]}",
        "jwks.json");
    token = valid_token(scp, "scp.jwt");
    CHECK_STATUS(tg_token_scope_count(token, &count), TG_OK);
    CHECK(count == 2);
    CHECK_STATUS(tg_token_scope(token, 1, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "orders:admin"));
    tg_token_free(token);
    tg_validator_free(scp);
}

static void test_buffer_too_small(void) {
    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    tg_token *token = valid_token(validator, "es256.jwt");
    char buf[16];
    memset(buf, 'x', sizeof buf);
    size_t len = 0;
    CHECK_STATUS(tg_token_subject(token, (uint8_t *)buf, 4, &len), TG_BUFFER_TOO_SMALL);
    CHECK(len == strlen("user-1234"));
    CHECK(buf[0] == 'x');
    /* A NULL buffer of length 0 queries the length. */
    len = 0;
    CHECK_STATUS(tg_token_subject(token, NULL, 0, &len), TG_BUFFER_TOO_SMALL);
    CHECK(len == 9);
    CHECK_STATUS(tg_token_subject(token, (uint8_t *)buf, len, &len), TG_OK);
    CHECK(equals(buf, len, "user-1234"));

    /* Reading the last error with too small a buffer keeps it for the retry. */
    CHECK_STATUS(validate_file(validator, "expired.jwt"), TG_EXPIRED);
    CHECK_STATUS(tg_last_error_message(NULL, 0, &len), TG_BUFFER_TOO_SMALL);
    char *message = malloc(len);
    size_t message_len = 0;
    CHECK_STATUS(tg_last_error_message((uint8_t *)message, len, &message_len), TG_OK);
    CHECK(message_len == len);
    CHECK(contains(message, message_len, "token expired"));
    free(message);

    char challenge[8];
    CHECK_STATUS(tg_www_authenticate(TG_EXPIRED, NULL, 0, NULL, 0, (uint8_t *)challenge,
                                     sizeof challenge, &len),
                 TG_BUFFER_TOO_SMALL);
    CHECK(len > sizeof challenge);
    tg_token_free(token);
    tg_validator_free(validator);
}

static void test_token_outlives_validator(void) {
    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    tg_token *token = valid_token(validator, "eddsa.jwt");
    tg_validator_free(validator);
    char buf[64];
    size_t len = 0;
    CHECK_STATUS(tg_token_subject(token, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "user-1234"));
    const uint8_t *payload = NULL;
    CHECK_STATUS(tg_token_payload(token, &payload, &len), TG_OK);
    CHECK(contains(payload, len, "fixture-eddsa-1"));
    tg_token_free(token);
}

static void test_authorization_header(void) {
    fixture es256 = load("es256.jwt");
    char value[4096];
    int value_len = snprintf(value, sizeof value, "Bearer %.*s", (int)es256.len, es256.data);

    tg_scheme scheme = TG_SCHEME_DPOP;
    const uint8_t *token_ptr = NULL;
    size_t token_len = 0;
    CHECK_STATUS(tg_parse_authorization((const uint8_t *)value, (size_t)value_len, &scheme,
                                        &token_ptr, &token_len),
                 TG_OK);
    CHECK(scheme == TG_SCHEME_BEARER);
    CHECK(token_ptr == (const uint8_t *)value + 7);
    CHECK(token_len == es256.len);
    CHECK_STATUS(tg_parse_authorization(LIT("dpop abc"), &scheme, &token_ptr, &token_len), TG_OK);
    CHECK(scheme == TG_SCHEME_DPOP);
    CHECK_STATUS(tg_parse_authorization(LIT("Basic dXNlcg=="), &scheme, &token_ptr, &token_len),
                 TG_MALFORMED);

    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    tg_token *token = NULL;
    CHECK_STATUS(tg_validator_validate_authorization(validator, (const uint8_t *)value,
                                                     (size_t)value_len, NOW, &token),
                 TG_OK);
    tg_token_free(token);
    token = NULL;

    /* Malformed values: 400 invalid_request; another scheme: 401 with a bare challenge. */
    struct {
        const char *value;
        uint16_t http_status;
        const char *challenge;
    } cases[] = {
        {"Bearer", 400, "Bearer realm=\"api\", error=\"invalid_request\", error_description="
                        "\"malformed authorization header: expected a scheme, one or more "
                        "spaces and a token\""},
        {"DPoP abc.def.ghi", 400, "Bearer realm=\"api\", error=\"invalid_request\", "
                                  "error_description=\"malformed authorization header: the DPoP "
                                  "scheme needs a DPoP proof check\""},
        {"Basic dXNlcg==", 401, "Bearer realm=\"api\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_STATUS(tg_validator_validate_authorization(validator,
                                                         (const uint8_t *)cases[i].value,
                                                         strlen(cases[i].value), NOW, &token),
                     TG_MALFORMED);
        uint16_t http_status = 0;
        CHECK_STATUS(tg_last_error_http_status(&http_status), TG_OK);
        CHECK(http_status == cases[i].http_status);
        char challenge[512];
        size_t len = 0;
        CHECK_STATUS(tg_last_error_www_authenticate(LIT("api"), NULL, 0, (uint8_t *)challenge,
                                                    sizeof challenge, &len),
                     TG_OK);
        if (!equals(challenge, len, cases[i].challenge)) {
            fprintf(stderr, "challenge for %s: %.*s\n", cases[i].value, (int)len, challenge);
            checks_failed++;
        }
    }
    const char *bearer_error = "unchanged";
    CHECK_STATUS(tg_last_error_bearer_error(&bearer_error), TG_OK);
    CHECK(bearer_error == NULL);
    CHECK(token == NULL);
    tg_validator_free(validator);
    unload(&es256);
}

static void test_www_authenticate_for_status(void) {
    char buf[256];
    size_t len = 0;
    CHECK_STATUS(tg_www_authenticate(TG_OK, NULL, 0, NULL, 0, (uint8_t *)buf, sizeof buf, &len),
                 TG_OK);
    CHECK(equals(buf, len, "Bearer"));
    CHECK_STATUS(tg_www_authenticate(TG_OK, LIT("my \"api\""), NULL, 0, (uint8_t *)buf,
                                     sizeof buf, &len),
                 TG_OK);
    CHECK(equals(buf, len, "Bearer realm=\"my \\\"api\\\"\""));
    CHECK_STATUS(tg_www_authenticate(TG_EXPIRED, LIT("api"), NULL, 0, (uint8_t *)buf, sizeof buf,
                                     &len),
                 TG_OK);
    CHECK(equals(buf, len,
                 "Bearer realm=\"api\", error=\"invalid_token\", "
                 "error_description=\"token is expired\""));
    CHECK_STATUS(tg_www_authenticate(TG_INSUFFICIENT_SCOPE, NULL, 0, LIT("orders:admin"),
                                     (uint8_t *)buf, sizeof buf, &len),
                 TG_OK);
    CHECK(contains(buf, len, "error=\"insufficient_scope\""));
    CHECK(contains(buf, len, "scope=\"orders:admin\""));
    CHECK_STATUS(tg_www_authenticate(TG_NOT_FOUND, NULL, 0, NULL, 0, (uint8_t *)buf, sizeof buf,
                                     &len),
                 TG_INVALID_ARGUMENT);
    CHECK_STATUS(tg_www_authenticate(12345, NULL, 0, NULL, 0, (uint8_t *)buf, sizeof buf, &len),
                 TG_INVALID_ARGUMENT);
    CHECK_STATUS(tg_www_authenticate(TG_OK, LIT("\xff"), NULL, 0, (uint8_t *)buf, sizeof buf,
                                     &len),
                 TG_INVALID_UTF8);
}

static void test_status_strings(void) {
    CHECK(strcmp(tg_status_name(TG_OK), "ok") == 0);
    CHECK(strcmp(tg_status_name(TG_BAD_SIGNATURE), "bad_signature") == 0);
    CHECK(strcmp(tg_status_name(TG_PROOF_REQUIRED), "proof_required") == 0);
    CHECK(strcmp(tg_status_name(TG_BUFFER_TOO_SMALL), "buffer_too_small") == 0);
    CHECK(strcmp(tg_status_name(-7), "unknown") == 0);
    CHECK(strcmp(tg_status_message(TG_EXPIRED), "token is expired") == 0);
    CHECK(strcmp(tg_status_message(9999), "unknown status") == 0);
    CHECK(strcmp(tg_status_bearer_error(TG_WRONG_AUDIENCE), "invalid_token") == 0);
    CHECK(strcmp(tg_status_bearer_error(TG_INSUFFICIENT_SCOPE), "insufficient_scope") == 0);
    CHECK(tg_status_bearer_error(TG_INVALID_CONFIG) == NULL);
    CHECK(tg_status_bearer_error(TG_OK) == NULL);
    CHECK(tg_status_http_status(TG_OK) == 200);
    CHECK(tg_status_http_status(TG_UNKNOWN_KID) == 401);
    CHECK(tg_status_http_status(TG_INSUFFICIENT_SCOPE) == 403);
    CHECK(tg_status_http_status(TG_INVALID_CONFIG) == 500);
    CHECK(tg_status_http_status(TG_PANIC) == 500);
}

static void test_success_keeps_last_error(void) {
    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    CHECK_STATUS(validate_file(validator, "wrong-issuer.jwt"), TG_WRONG_ISSUER);
    CHECK_STATUS(validate_file(validator, "es256.jwt"), TG_OK);
    char message[128];
    size_t len = 0;
    CHECK_STATUS(tg_last_error_message((uint8_t *)message, sizeof message, &len), TG_OK);
    CHECK(equals(message, len, "issuer is not an accepted issuer"));
    tg_validator_free(validator);
}

static const char ACTIVE_RESPONSE[] =
    "{\"active\": true, \"iss\": \"https://auth.example.com\", "
    "\"aud\": \"https://api.example.com\", \"exp\": 1767229800, \"sub\": \"user-1234\", "
    "\"jti\": \"tok-1\", \"scope\": \"orders:read\"}";

static void test_introspection_response(void) {
    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    tg_token *token = NULL;
    CHECK_STATUS(tg_validator_validate_introspection(validator, LIT(ACTIVE_RESPONSE), NOW, &token),
                 TG_OK);
    char buf[64];
    size_t len = 0;
    CHECK_STATUS(tg_token_subject(token, (uint8_t *)buf, sizeof buf, &len), TG_OK);
    CHECK(equals(buf, len, "user-1234"));
    bool granted = false;
    CHECK_STATUS(tg_token_has_scope(token, LIT("orders:read"), &granted), TG_OK);
    CHECK(granted);
    /* A token from an introspection response has no JWS header. */
    const uint8_t *header = NULL;
    CHECK_STATUS(tg_token_header(token, &header, &len), TG_NOT_FOUND);
    const char *algorithm = NULL;
    CHECK_STATUS(tg_token_algorithm(token, &algorithm), TG_NOT_FOUND);
    CHECK_STATUS(tg_token_key_id(token, (uint8_t *)buf, sizeof buf, &len), TG_NOT_FOUND);
    tg_token_free(token);

    token = NULL;
    CHECK_STATUS(
        tg_validator_validate_introspection(validator, LIT("{\"active\": false}"), NOW, &token),
        TG_INACTIVE);
    CHECK(token == NULL);
    CHECK_STATUS(
        tg_validator_validate_introspection(validator, LIT("{\"active\": \"yes\"}"), NOW, &token),
        TG_MALFORMED);
    CHECK_STATUS(tg_validator_validate_introspection(validator, LIT("{}"), NOW, &token),
                 TG_MALFORMED);
    CHECK_STATUS(tg_validator_validate_introspection(
                     validator,
                     LIT("{\"active\": true, \"iss\": \"https://auth.example.com\", "
                         "\"aud\": \"https://other.example.com\", \"exp\": 1767229800}"),
                     NOW, &token),
                 TG_WRONG_AUDIENCE);
    CHECK(token == NULL);
    tg_validator_free(validator);
}

static void test_signed_introspection_config(void) {
    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    fixture access_token = load("es256.jwt");
    tg_token *token = NULL;
    /* Without introspection_audience a signed response cannot be checked. */
    CHECK_STATUS(tg_validator_validate_signed_introspection(validator, access_token.data,
                                                            access_token.len, NOW, &token),
                 TG_INVALID_CONFIG);
    tg_validator_free(validator);

    validator = new_validator("{\"issuers\": [\"https://auth.example.com\"], "
                              "\"audiences\": [\"https://api.example.com\"], "
                              "\"introspection_audience\": \"orders-api\", "
                              "\"introspection_max_age\": 120}",
                              "jwks.json");
    /* An access token is typed at+jwt, not token-introspection+jwt. */
    CHECK_STATUS(tg_validator_validate_signed_introspection(validator, access_token.data,
                                                            access_token.len, NOW, &token),
                 TG_WRONG_TYPE);
    CHECK(token == NULL);
    unload(&access_token);
    tg_validator_free(validator);
}

static void test_revocation_list(void) {
    tg_validator *validator = new_validator(CONFIG, "jwks.json");
    tg_revocation_list *list = NULL;
    CHECK_STATUS(tg_revocation_list_new(2, 1, &list), TG_OK);
    tg_token *token = NULL;
    CHECK_STATUS(tg_validator_validate_introspection(validator, LIT(ACTIVE_RESPONSE), NOW, &token),
                 TG_OK);
    CHECK_STATUS(tg_revocation_list_check(list, token), TG_OK);

    CHECK_STATUS(tg_revocation_list_revoke_token(list, token, NOW), TG_OK);
    CHECK_STATUS(tg_revocation_list_check(list, token), TG_REVOKED);
    uint16_t http_status = 0;
    CHECK_STATUS(tg_last_error_http_status(&http_status), TG_OK);
    CHECK(http_status == 401);

    /* The second slot, then a full table that keeps both revocations. */
    CHECK_STATUS(tg_revocation_list_revoke(list, LIT("https://auth.example.com"), LIT("tok-2"),
                                           NOW + 600, NOW),
                 TG_OK);
    CHECK_STATUS(tg_revocation_list_revoke(list, LIT("https://auth.example.com"), LIT("tok-3"),
                                           NOW + 600, NOW),
                 TG_REVOCATION_LIST_FULL);
    size_t tokens = 0, subjects = 0;
    CHECK_STATUS(tg_revocation_list_counts(list, &tokens, &subjects), TG_OK);
    CHECK(tokens == 2);
    CHECK(subjects == 0);

    /* A subject cut-off after the token's iat (none here) revokes it too. */
    tg_token *other = NULL;
    CHECK_STATUS(tg_validator_validate_introspection(
                     validator,
                     LIT("{\"active\": true, \"iss\": \"https://auth.example.com\", "
                         "\"aud\": \"https://api.example.com\", \"exp\": 1767229800, "
                         "\"sub\": \"user-5678\", \"iat\": 1767229100}"),
                     NOW, &other),
                 TG_OK);
    CHECK_STATUS(tg_revocation_list_check(list, other), TG_OK);
    CHECK_STATUS(tg_revocation_list_revoke_subject(list, LIT("https://auth.example.com"),
                                                   LIT("user-5678"), NOW, NOW + 3600, NOW),
                 TG_OK);
    CHECK_STATUS(tg_revocation_list_check(list, other), TG_REVOKED);

    size_t removed = 99;
    CHECK_STATUS(tg_revocation_list_evict_expired(list, NOW, &removed), TG_OK);
    CHECK(removed == 0);
    CHECK_STATUS(tg_revocation_list_evict_expired(list, NOW + 3600 + 301, &removed), TG_OK);
    CHECK(removed == 3);
    CHECK_STATUS(tg_revocation_list_check(list, token), TG_OK);

    CHECK_STATUS(tg_revocation_list_revoke(list, NULL, 1, LIT("x"), NOW, NOW), TG_NULL_POINTER);
    CHECK_STATUS(tg_revocation_list_revoke(list, LIT("\xff"), LIT("x"), NOW, NOW),
                 TG_INVALID_UTF8);
    tg_token_free(other);
    tg_token_free(token);
    tg_revocation_list_free(list);
    tg_revocation_list_free(NULL);
    tg_validator_free(validator);
}

/* Issuer and audience of config.json. */
#define ISSUER "https://auth.example.com"
#define AUDIENCE "https://api.example.com"

/* A signing key generated for `alg` with `kid`. */
static tg_signing_key *generate_key(const char *alg, const char *kid) {
    tg_signing_key *key = NULL;
    CHECK_STATUS(tg_signing_key_generate((const uint8_t *)alg, strlen(alg), (const uint8_t *)kid,
                                         strlen(kid), &key),
                 TG_OK);
    return key;
}

/* Writes the JWK Set of `key`'s public JWK into `out` as a NUL-terminated string. */
static void key_set_of(const tg_signing_key *key, char *out, size_t size) {
    char jwk[1024];
    size_t len = 0;
    CHECK_STATUS(tg_signing_key_public_jwk(key, (uint8_t *)jwk, sizeof jwk, &len), TG_OK);
    snprintf(out, size, "{\"keys\":[%.*s]}", (int)len, jwk);
}

/* A DPoP-bound access token from `issuer`, bound to `client`, and a validator. */
typedef struct {
    tg_signing_key *issuer;
    tg_signing_key *client;
    tg_validator *validator;
    char token[2048];
    size_t token_len;
    char authorization[2100];
} dpop_fixture;

static void dpop_setup(dpop_fixture *f) {
    f->issuer = generate_key("EdDSA", "issuer-1");
    f->client = generate_key("ES256", "client-1");
    char jwks[2048];
    key_set_of(f->issuer, jwks, sizeof jwks);
    f->validator = NULL;
    const char *config = "{\"issuers\":[\"" ISSUER "\"],\"audiences\":[\"" AUDIENCE "\"]}";
    CHECK_STATUS(tg_validator_new((const uint8_t *)config, strlen(config), (const uint8_t *)jwks,
                                  strlen(jwks), &f->validator),
                 TG_OK);

    char jkt[64];
    size_t jkt_len = 0;
    CHECK_STATUS(tg_signing_key_thumbprint(f->client, (uint8_t *)jkt, sizeof jkt, &jkt_len), TG_OK);
    CHECK(jkt_len == 43);
    char claims[512];
    snprintf(claims, sizeof claims,
             "{\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\",\"exp\":%lld,\"iat\":%lld,"
             "\"cnf\":{\"jkt\":\"%.*s\"}}",
             (long long)(NOW + 600), (long long)NOW, (int)jkt_len, jkt);
    f->token_len = 0;
    CHECK_STATUS(tg_signing_key_sign_jws(f->issuer, NULL, 0, LIT("at+jwt"), false,
                                         (const uint8_t *)claims, strlen(claims),
                                         (uint8_t *)f->token, sizeof f->token, &f->token_len),
                 TG_OK);
    snprintf(f->authorization, sizeof f->authorization, "DPoP %.*s", (int)f->token_len, f->token);
}

static void dpop_teardown(dpop_fixture *f) {
    tg_validator_free(f->validator);
    tg_signing_key_free(f->issuer);
    tg_signing_key_free(f->client);
}

/* Signs a proof for GET https://api.example.com/orders with `jti_byte` repeated. */
static size_t make_proof(const dpop_fixture *f, const tg_signing_key *key, uint8_t jti_byte,
                         const char *nonce, char *proof, size_t size) {
    uint8_t jti_random[16];
    memset(jti_random, jti_byte, sizeof jti_random);
    size_t len = 0;
    CHECK_STATUS(tg_dpop_proof_create(key, NULL, 0, LIT("GET"), LIT(AUDIENCE "/orders?page=2"),
                                      (const uint8_t *)f->token, f->token_len,
                                      (const uint8_t *)nonce, nonce == NULL ? 0 : strlen(nonce),
                                      jti_random, sizeof jti_random, NOW, (uint8_t *)proof, size,
                                      &len),
                 TG_OK);
    return len;
}

/* Validates the fixture's token with `proof` for `method`; frees the token. */
static tg_status validate_dpop(const dpop_fixture *f, const char *proof, size_t proof_len,
                               const char *method, const char *nonce,
                               const tg_dpop_verifier *verifier, const tg_replay_cache *cache) {
    tg_token *token = NULL;
    tg_status status = tg_validator_validate_dpop(
        f->validator, (const uint8_t *)f->authorization, strlen(f->authorization),
        (const uint8_t *)proof, proof_len, (const uint8_t *)method, strlen(method),
        LIT(AUDIENCE "/orders"), (const uint8_t *)nonce, nonce == NULL ? 0 : strlen(nonce),
        verifier, cache, NOW, &token);
    CHECK((status == TG_OK) == (token != NULL));
    tg_token_free(token);
    return status;
}

static void test_dpop_bound_token(void) {
    dpop_fixture f;
    dpop_setup(&f);
    tg_dpop_verifier *verifier = NULL;
    CHECK_STATUS(tg_dpop_verifier_new(LIT("ES256 EdDSA"), 60, 30, &verifier), TG_OK);
    tg_replay_cache *cache = NULL;
    CHECK_STATUS(tg_replay_cache_new(8, &cache), TG_OK);

    char proof[2048];
    size_t proof_len = make_proof(&f, f.client, 1, NULL, proof, sizeof proof);
    CHECK_STATUS(validate_dpop(&f, proof, proof_len, "GET", NULL, verifier, cache), TG_OK);
    size_t entries = 0;
    CHECK_STATUS(tg_replay_cache_len(cache, &entries), TG_OK);
    CHECK(entries == 1);

    /* The same proof again is a replay. */
    CHECK_STATUS(validate_dpop(&f, proof, proof_len, "GET", NULL, verifier, cache),
                 TG_INVALID_DPOP_PROOF);
    char message[512];
    size_t len = 0;
    CHECK_STATUS(tg_last_error_message((uint8_t *)message, sizeof message, &len), TG_OK);
    CHECK(contains(message, len, "already used"));

    /* Another method than htm. */
    proof_len = make_proof(&f, f.client, 2, NULL, proof, sizeof proof);
    CHECK_STATUS(validate_dpop(&f, proof, proof_len, "POST", NULL, verifier, cache),
                 TG_INVALID_DPOP_PROOF);
    char challenge[512];
    CHECK_STATUS(tg_last_error_www_authenticate_dpop(verifier, LIT("api"), (uint8_t *)challenge,
                                                     sizeof challenge, &len),
                 TG_OK);
    CHECK(equals(challenge, len,
                 "DPoP realm=\"api\", error=\"invalid_dpop_proof\", "
                 "error_description=\"invalid DPoP proof: htm is not the request method\", "
                 "algs=\"ES256 EdDSA\""));

    /* A nonce the server requires but the proof lacks, then one it carries. */
    CHECK_STATUS(validate_dpop(&f, proof, proof_len, "GET", "n-1", verifier, cache),
                 TG_USE_DPOP_NONCE);
    CHECK_STATUS(tg_last_error_www_authenticate_dpop(verifier, NULL, 0, (uint8_t *)challenge,
                                                     sizeof challenge, &len),
                 TG_OK);
    CHECK(contains(challenge, len, "error=\"use_dpop_nonce\""));
    proof_len = make_proof(&f, f.client, 3, "n-1", proof, sizeof proof);
    CHECK_STATUS(validate_dpop(&f, proof, proof_len, "GET", "n-1", verifier, cache), TG_OK);

    /* A proof signed by another key than the token's jkt. */
    tg_signing_key *other = generate_key("ES256", "other");
    proof_len = make_proof(&f, other, 4, NULL, proof, sizeof proof);
    CHECK_STATUS(validate_dpop(&f, proof, proof_len, "GET", NULL, verifier, cache),
                 TG_INVALID_DPOP_PROOF);
    tg_signing_key_free(other);

    /* The token as a bearer token needs its proof. */
    tg_token *token = NULL;
    CHECK_STATUS(tg_validator_validate(f.validator, (const uint8_t *)f.token, f.token_len, NOW,
                                       &token),
                 TG_PROOF_REQUIRED);
    CHECK(token == NULL);

    tg_replay_cache_free(cache);
    tg_dpop_verifier_free(verifier);
    dpop_teardown(&f);
}

static void test_dpop_limits_and_arguments(void) {
    dpop_fixture f;
    dpop_setup(&f);
    tg_dpop_verifier *verifier = NULL;
    CHECK_STATUS(tg_dpop_verifier_new(NULL, 0, 60, 30, &verifier), TG_OK);
    tg_dpop_verifier *rejected = NULL;
    CHECK_STATUS(tg_dpop_verifier_new(LIT("HS256"), 60, 30, &rejected), TG_INVALID_CONFIG);
    CHECK(rejected == NULL);
    CHECK_STATUS(tg_dpop_verifier_new(LIT("ES256"), 60, 301, &rejected), TG_INVALID_CONFIG);
    CHECK_STATUS(tg_dpop_verifier_new(LIT("ES999"), 60, 30, &rejected), TG_INVALID_ARGUMENT);

    /* A cache of one entry that has not expired rejects the second proof. */
    tg_replay_cache *cache = NULL;
    CHECK_STATUS(tg_replay_cache_new(1, &cache), TG_OK);
    char proof[2048];
    size_t proof_len = make_proof(&f, f.client, 5, NULL, proof, sizeof proof);
    CHECK_STATUS(validate_dpop(&f, proof, proof_len, "GET", NULL, verifier, cache), TG_OK);
    proof_len = make_proof(&f, f.client, 6, NULL, proof, sizeof proof);
    CHECK_STATUS(validate_dpop(&f, proof, proof_len, "GET", NULL, verifier, cache),
                 TG_REPLAY_CACHE_FULL);
    CHECK(tg_status_http_status(TG_REPLAY_CACHE_FULL) == 500);
    size_t removed = 0;
    CHECK_STATUS(tg_replay_cache_evict_expired(cache, NOW + 3600, &removed), TG_OK);
    CHECK(removed == 1);

    tg_replay_cache *huge = NULL;
    CHECK_STATUS(tg_replay_cache_new(SIZE_MAX, &huge), TG_INVALID_CONFIG);
    CHECK(huge == NULL);

    /* A Bearer value is not a DPoP request. */
    tg_token *token = NULL;
    CHECK_STATUS(tg_validator_validate_dpop(f.validator, LIT("Bearer abc"), (const uint8_t *)proof,
                                            proof_len, LIT("GET"), LIT(AUDIENCE "/orders"), NULL, 0,
                                            verifier, cache, NOW, &token),
                 TG_MALFORMED);
    CHECK_STATUS(tg_validator_validate_dpop(f.validator, LIT("DPoP abc"), (const uint8_t *)proof,
                                            proof_len, LIT("GET"), LIT(AUDIENCE "/orders"), NULL, 0,
                                            NULL, cache, NOW, &token),
                 TG_NULL_POINTER);
    CHECK_STATUS(tg_validator_validate_dpop(f.validator, LIT("DPoP abc"), (const uint8_t *)proof,
                                            proof_len, LIT("GET"), LIT(AUDIENCE "/orders"), NULL, 0,
                                            verifier, NULL, NOW, &token),
                 TG_NULL_POINTER);
    CHECK(token == NULL);

    char challenge[256];
    size_t len = 0;
    CHECK_STATUS(tg_www_authenticate_dpop(TG_OK, verifier, NULL, 0, (uint8_t *)challenge,
                                          sizeof challenge, &len),
                 TG_OK);
    CHECK(equals(challenge, len, "DPoP algs=\"RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 "
                                 "EdDSA Ed25519\""));
    CHECK_STATUS(tg_www_authenticate_dpop(TG_INVALID_DPOP_PROOF, verifier, LIT("api"),
                                          (uint8_t *)challenge, sizeof challenge, &len),
                 TG_OK);
    CHECK(contains(challenge, len, "DPoP realm=\"api\", error=\"invalid_dpop_proof\""));
    CHECK_STATUS(tg_www_authenticate_dpop(TG_NULL_POINTER, verifier, NULL, 0, (uint8_t *)challenge,
                                          sizeof challenge, &len),
                 TG_INVALID_ARGUMENT);

    tg_replay_cache_free(cache);
    tg_dpop_verifier_free(verifier);
    tg_dpop_verifier_free(NULL);
    tg_replay_cache_free(NULL);
    dpop_teardown(&f);
}

static void test_certificate_bound_token(void) {
    tg_signing_key *issuer = generate_key("ES384", "issuer-2");
    char jwks[2048];
    key_set_of(issuer, jwks, sizeof jwks);
    tg_validator *validator = NULL;
    const char *config = "{\"issuers\":[\"" ISSUER "\"],\"audiences\":[\"" AUDIENCE "\"]}";
    CHECK_STATUS(tg_validator_new((const uint8_t *)config, strlen(config), (const uint8_t *)jwks,
                                  strlen(jwks), &validator),
                 TG_OK);

    /* x5t#S256 of the four bytes "cert": base64url of their SHA-256. */
    const char *claims = "{\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\",\"exp\":1767229800,"
                         "\"cnf\":{\"x5t#S256\":\"BimEMugGayniIjvMI6qVBLVq5Qj6vzQ1UIhpucMZDiI\"}}";
    char token[1024];
    size_t token_len = 0;
    CHECK_STATUS(tg_signing_key_sign_jws(issuer, NULL, 0, LIT("at+jwt"), false,
                                         (const uint8_t *)claims, strlen(claims), (uint8_t *)token,
                                         sizeof token, &token_len),
                 TG_OK);
    tg_token *verified = NULL;
    CHECK_STATUS(tg_validator_validate_certificate_bound(validator, (const uint8_t *)token,
                                                         token_len, LIT("cert"), NOW, &verified),
                 TG_OK);
    CHECK(verified != NULL);
    tg_token_free(verified);
    verified = NULL;
    CHECK_STATUS(tg_validator_validate_certificate_bound(validator, (const uint8_t *)token,
                                                         token_len, LIT("other"), NOW, &verified),
                 TG_CERTIFICATE_MISMATCH);
    CHECK(verified == NULL);
    CHECK(strcmp(tg_status_name(TG_CERTIFICATE_MISMATCH), "certificate_mismatch") == 0);

    tg_validator_free(validator);
    tg_signing_key_free(issuer);
}

/* Makes an assertion by `key` for `client_id` at NOW into `out`, with a jti from `seed`. */
static size_t make_assertion(const tg_signing_key *key, const char *client_id, uint8_t seed,
                             char *out, size_t size) {
    uint8_t jti_random[16];
    memset(jti_random, seed, sizeof jti_random);
    size_t len = 0;
    CHECK_STATUS(tg_client_assertion_create(key, NULL, 0, (const uint8_t *)client_id,
                                            strlen(client_id), LIT(ISSUER "/token"), 60,
                                            jti_random, sizeof jti_random, NOW, (uint8_t *)out,
                                            size, &len),
                 TG_OK);
    return len;
}

/* Returns the status of building an assertion verifier for the `clients` document. */
static tg_status assertion_verifier_status(const char *clients) {
    tg_assertion_verifier *verifier = NULL;
    tg_status status = tg_assertion_verifier_new(LIT(ISSUER "/token"), NULL, 0, 300, 30,
                                                 (const uint8_t *)clients, strlen(clients),
                                                 &verifier);
    CHECK((status == TG_OK) == (verifier != NULL));
    tg_assertion_verifier_free(verifier);
    return status;
}

static void test_client_assertions(void) {
    /* Two clients whose keys share a kid, so that only the client id tells them apart. */
    tg_signing_key *client = generate_key("ES256", "client-key");
    tg_signing_key *shipping = generate_key("ES256", "client-key");
    char billing_jwks[1024];
    char shipping_jwks[1024];
    key_set_of(client, billing_jwks, sizeof billing_jwks);
    key_set_of(shipping, shipping_jwks, sizeof shipping_jwks);
    char clients[2100];
    snprintf(clients, sizeof clients, "{\"billing\":%s,\"shipping\":%s}", billing_jwks,
             shipping_jwks);
    tg_assertion_verifier *verifier = NULL;
    CHECK_STATUS(tg_assertion_verifier_new(LIT(ISSUER "/token " ISSUER), NULL, 0, 300, 30,
                                           (const uint8_t *)clients, strlen(clients), &verifier),
                 TG_OK);
    tg_replay_cache *cache = NULL;
    CHECK_STATUS(tg_replay_cache_new(8, &cache), TG_OK);

    uint8_t jti_random[16];
    memset(jti_random, 7, sizeof jti_random);
    char assertion[1024];
    size_t len = make_assertion(client, "billing", 7, assertion, sizeof assertion);
    tg_token *verified = NULL;
    CHECK_STATUS(tg_assertion_verifier_verify(verifier, (const uint8_t *)assertion, len,
                                              LIT("billing"), cache, NOW, &verified),
                 TG_OK);
    char client_id[64];
    size_t id_len = 0;
    CHECK_STATUS(tg_token_claim_string(verified, LIT("sub"), (uint8_t *)client_id,
                                       sizeof client_id, &id_len),
                 TG_OK);
    CHECK(equals(client_id, id_len, "billing"));
    tg_token_free(verified);
    verified = NULL;

    CHECK_STATUS(tg_assertion_verifier_verify(verifier, (const uint8_t *)assertion, len, NULL, 0,
                                              cache, NOW, &verified),
                 TG_REPLAYED);
    CHECK(verified == NULL);

    /* The other client's own assertion, with its id taken from iss. */
    len = make_assertion(shipping, "shipping", 8, assertion, sizeof assertion);
    CHECK_STATUS(tg_assertion_verifier_verify(verifier, (const uint8_t *)assertion, len, NULL, 0,
                                              cache, NOW, &verified),
                 TG_OK);
    CHECK_STATUS(tg_token_claim_string(verified, LIT("iss"), (uint8_t *)client_id,
                                       sizeof client_id, &id_len),
                 TG_OK);
    CHECK(equals(client_id, id_len, "shipping"));
    tg_token_free(verified);
    verified = NULL;

    /* billing signs as shipping: shipping's keys do not verify it, and with the
       request naming billing, billing's key verifies an iss that names another client. */
    len = make_assertion(client, "shipping", 9, assertion, sizeof assertion);
    CHECK_STATUS(tg_assertion_verifier_verify(verifier, (const uint8_t *)assertion, len, NULL, 0,
                                              cache, NOW, &verified),
                 TG_BAD_SIGNATURE);
    CHECK_STATUS(tg_assertion_verifier_verify(verifier, (const uint8_t *)assertion, len,
                                              LIT("shipping"), cache, NOW, &verified),
                 TG_BAD_SIGNATURE);
    CHECK_STATUS(tg_assertion_verifier_verify(verifier, (const uint8_t *)assertion, len,
                                              LIT("billing"), cache, NOW, &verified),
                 TG_WRONG_ISSUER);
    CHECK(verified == NULL);

    /* Clients that are not registered, by iss or by the request. */
    len = make_assertion(client, "stranger", 10, assertion, sizeof assertion);
    CHECK_STATUS(tg_assertion_verifier_verify(verifier, (const uint8_t *)assertion, len, NULL, 0,
                                              cache, NOW, &verified),
                 TG_UNKNOWN_CLIENT);
    len = make_assertion(client, "billing", 11, assertion, sizeof assertion);
    CHECK_STATUS(tg_assertion_verifier_verify(verifier, (const uint8_t *)assertion, len,
                                              LIT("stranger"), cache, NOW, &verified),
                 TG_UNKNOWN_CLIENT);
    CHECK_STATUS(tg_assertion_verifier_verify(verifier, (const uint8_t *)assertion, len,
                                              LIT("billing"), cache, NOW + 600, &verified),
                 TG_EXPIRED);
    CHECK(verified == NULL);

    /* Client documents the verifier rejects. */
    CHECK_STATUS(assertion_verifier_status("{}"), TG_INVALID_CONFIG);
    CHECK_STATUS(assertion_verifier_status("[]"), TG_MALFORMED);
    CHECK_STATUS(assertion_verifier_status("{\"billing\":[]}"), TG_MALFORMED);
    CHECK_STATUS(assertion_verifier_status("{\"billing\":{\"keys\":{}}}"), TG_MALFORMED);
    char message[256];
    size_t message_len = 0;
    CHECK_STATUS(tg_last_error_message((uint8_t *)message, sizeof message, &message_len), TG_OK);
    CHECK(contains(message, message_len, "clients: client 'billing'"));
    snprintf(clients, sizeof clients, "{\"\":%s}", billing_jwks);
    CHECK_STATUS(assertion_verifier_status(clients), TG_INVALID_CONFIG);
    CHECK_STATUS(assertion_verifier_status(billing_jwks), TG_MALFORMED);

    /* Inputs the builder rejects. */
    CHECK_STATUS(tg_client_assertion_create(client, NULL, 0, LIT("billing"), LIT(ISSUER "/token"),
                                            60, jti_random, 15, NOW, (uint8_t *)assertion,
                                            sizeof assertion, &len),
                 TG_INVALID_CONFIG);
    CHECK_STATUS(tg_client_assertion_create(client, NULL, 0, LIT("billing"), LIT(ISSUER "/token"),
                                            301, jti_random, sizeof jti_random, NOW,
                                            (uint8_t *)assertion, sizeof assertion, &len),
                 TG_INVALID_CONFIG);
    CHECK_STATUS(tg_client_assertion_create(client, LIT("ES384"), LIT("billing"),
                                            LIT(ISSUER "/token"), 60, jti_random,
                                            sizeof jti_random, NOW, (uint8_t *)assertion,
                                            sizeof assertion, &len),
                 TG_KEY_MISMATCH);

    /* client_secret_jwt: an HMAC secret on both sides. */
    uint8_t secret[32];
    memset(secret, 42, sizeof secret);
    tg_signing_key *hmac = NULL;
    CHECK_STATUS(tg_signing_key_from_hmac_secret(LIT("HS256"), secret, 31, NULL, 0, &hmac),
                 TG_WEAK_KEY);
    CHECK(hmac == NULL);
    CHECK_STATUS(tg_signing_key_from_hmac_secret(LIT("HS256"), secret, sizeof secret, NULL, 0,
                                                 &hmac),
                 TG_OK);
    CHECK_STATUS(tg_signing_key_public_jwk(hmac, (uint8_t *)assertion, sizeof assertion, &len),
                 TG_NOT_FOUND);

    tg_replay_cache_free(cache);
    tg_assertion_verifier_free(verifier);
    tg_assertion_verifier_free(NULL);
    tg_signing_key_free(hmac);
    tg_signing_key_free(shipping);
    tg_signing_key_free(client);
    tg_signing_key_free(NULL);
}

static void test_signing_key_inputs(void) {
    tg_signing_key *key = NULL;
    CHECK_STATUS(tg_signing_key_from_jwk(LIT("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\"}"),
                                         &key),
                 TG_INVALID_KEY);
    CHECK_STATUS(tg_signing_key_from_jwk(LIT("not json"), &key), TG_MALFORMED);
    CHECK_STATUS(tg_signing_key_from_der(LIT("\x30\x03\x02\x01\x00"), NULL, 0, &key),
                 TG_INVALID_KEY);
    CHECK_STATUS(tg_signing_key_generate(LIT("RS256"), NULL, 0, &key), TG_INVALID_CONFIG);
    CHECK_STATUS(tg_signing_key_generate(LIT("none"), NULL, 0, &key), TG_INVALID_ARGUMENT);
    CHECK_STATUS(tg_signing_key_generate(LIT("EdDSA"), NULL, 0, NULL), TG_NULL_POINTER);
    CHECK(key == NULL);

    tg_signing_key *ed = generate_key("Ed25519", "ed-1");
    char jwk[512];
    size_t len = 0;
    CHECK_STATUS(tg_signing_key_public_jwk(ed, (uint8_t *)jwk, sizeof jwk, &len), TG_OK);
    CHECK(contains(jwk, len, "\"kid\":\"ed-1\""));
    CHECK(contains(jwk, len, "\"alg\":\"Ed25519\""));
    CHECK(!contains(jwk, len, "\"d\""));
    CHECK_STATUS(tg_signing_key_sign_jws(ed, LIT("EdDSA"), NULL, 0, false, LIT("{}"),
                                         (uint8_t *)jwk, sizeof jwk, &len),
                 TG_KEY_MISMATCH);
    CHECK_STATUS(tg_signing_key_sign_jws(ed, NULL, 0, NULL, 0, false, LIT("{}"), NULL, 0, &len),
                 TG_BUFFER_TOO_SMALL);
    CHECK(len > 0);
    tg_signing_key_free(ed);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    fixtures_dir = argv[1];

    struct {
        const char *name;
        void (*run)(void);
    } tests[] = {
        /* First, before any call has failed on this thread. */
        {"last_error_initially_absent", test_last_error_initially_absent},
        {"version", test_version},
        {"valid_token_per_algorithm", test_valid_token_per_algorithm},
        {"rejections", test_rejections},
        {"invalid_config", test_invalid_config},
        {"null_and_length_arguments", test_null_and_length_arguments},
        {"key_rotation", test_key_rotation},
        {"claims_of_every_type", test_claims_of_every_type},
        {"buffer_too_small", test_buffer_too_small},
        {"token_outlives_validator", test_token_outlives_validator},
        {"authorization_header", test_authorization_header},
        {"www_authenticate_for_status", test_www_authenticate_for_status},
        {"status_strings", test_status_strings},
        {"success_keeps_last_error", test_success_keeps_last_error},
        {"introspection_response", test_introspection_response},
        {"signed_introspection_config", test_signed_introspection_config},
        {"revocation_list", test_revocation_list},
        {"dpop_bound_token", test_dpop_bound_token},
        {"dpop_limits_and_arguments", test_dpop_limits_and_arguments},
        {"certificate_bound_token", test_certificate_bound_token},
        {"client_assertions", test_client_assertions},
        {"signing_key_inputs", test_signing_key_inputs},
    };
    size_t count = sizeof tests / sizeof tests[0];
    int passed = 0, failed = 0;
    for (size_t i = 0; i < count; i++) {
        int before = checks_failed;
        tests[i].run();
        int ok = checks_failed == before;
        printf("test %s ... %s\n", tests[i].name, ok ? "ok" : "FAILED");
        if (ok) {
            passed++;
        } else {
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
