/*
 * A minimal HTTP-style request handler: it takes the value of an Authorization
 * header, validates it with libtokenguard, and prints the decision, the HTTP
 * status and either the verified subject or the WWW-Authenticate value.
 *
 *     handler CONFIG_FILE JWKS_FILE NOW [AUTHORIZATION]
 *
 * CONFIG_FILE is the validator configuration (JSON), JWKS_FILE the JWK Set, or
 * "-" for none when the configuration has hmac_secrets, and NOW the validation
 * time in Unix seconds. Without AUTHORIZATION, the value is read from the first
 * line of standard input; an empty value is a request without the header.
 *
 * Exit status: 0 when the request is allowed, 1 when it is denied, 2 for a
 * usage error or a configuration the library rejects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenguard.h"

static const char REALM[] = "api";

/* Reads a whole file; the caller frees the result. */
static uint8_t *read_file(const char *path, size_t *out_len) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "error: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t capacity = 4096, len = 0;
    uint8_t *data = malloc(capacity);
    while (data != NULL) {
        len += fread(data + len, 1, capacity - len, file);
        if (len < capacity) {
            break;
        }
        capacity *= 2;
        uint8_t *larger = realloc(data, capacity);
        if (larger == NULL) {
            free(data);
        }
        data = larger;
    }
    int failed = ferror(file);
    fclose(file);
    if (data == NULL || failed) {
        fprintf(stderr, "error: cannot read %s\n", path);
        free(data);
        return NULL;
    }
    *out_len = len;
    return data;
}

/* Prints the calling thread's last error message after a prefix. */
static void print_last_error(const char *prefix) {
    char message[1024];
    size_t len = 0;
    if (tg_last_error_message((uint8_t *)message, sizeof message, &len) != TG_OK) {
        len = 0;
    }
    fprintf(stderr, "%s%.*s\n", prefix, (int)len, message);
}

/* Prints a denial: the HTTP status and the challenge the API would send. */
static int deny(uint16_t http_status, const char *challenge, size_t challenge_len) {
    printf("decision: deny\n");
    printf("status: %u\n", (unsigned)http_status);
    printf("WWW-Authenticate: %.*s\n", (int)challenge_len, challenge);
    return 1;
}

/* Denies a request without an Authorization header (RFC 6750 section 3.1). */
static int deny_missing_header(void) {
    char challenge[256];
    size_t len = 0;
    tg_status status = tg_www_authenticate(TG_OK, (const uint8_t *)REALM, strlen(REALM), NULL, 0,
                                           (uint8_t *)challenge, sizeof challenge, &len);
    if (status != TG_OK) {
        print_last_error("error: cannot build the challenge: ");
        return 2;
    }
    return deny(401, challenge, len);
}

/* Denies a request whose token the validator rejected. */
static int deny_rejected(void) {
    uint16_t http_status = 401;
    char challenge[1024];
    size_t len = 0;
    if (tg_last_error_http_status(&http_status) != TG_OK ||
        tg_last_error_www_authenticate((const uint8_t *)REALM, strlen(REALM), NULL, 0,
                                       (uint8_t *)challenge, sizeof challenge, &len) != TG_OK) {
        fprintf(stderr, "error: cannot read the last error\n");
        return 2;
    }
    print_last_error("rejected: ");
    return deny(http_status, challenge, len);
}

/* Prints an allowed request with the token's subject and scopes. */
static int allow(const tg_token *token) {
    char text[512];
    size_t len = 0;
    printf("decision: allow\n");
    printf("status: 200\n");
    if (tg_token_subject(token, (uint8_t *)text, sizeof text, &len) == TG_OK) {
        printf("subject: %.*s\n", (int)len, text);
    }
    size_t count = 0;
    if (tg_token_scope_count(token, &count) == TG_OK) {
        printf("scopes:");
        for (size_t i = 0; i < count; i++) {
            if (tg_token_scope(token, i, (uint8_t *)text, sizeof text, &len) == TG_OK) {
                printf(" %.*s", (int)len, text);
            }
        }
        printf("\n");
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s CONFIG_FILE JWKS_FILE NOW [AUTHORIZATION]\n", argv[0]);
        return 2;
    }
    char *end = NULL;
    errno = 0;
    long long now = strtoll(argv[3], &end, 10);
    if (errno != 0 || *end != '\0' || end == argv[3]) {
        fprintf(stderr, "error: NOW must be Unix seconds, not %s\n", argv[3]);
        return 2;
    }

    size_t config_len = 0, jwks_len = 0;
    uint8_t *config = read_file(argv[1], &config_len);
    uint8_t *jwks = NULL;
    if (config == NULL ||
        (strcmp(argv[2], "-") != 0 && (jwks = read_file(argv[2], &jwks_len)) == NULL)) {
        free(config);
        return 2;
    }
    tg_validator *validator = NULL;
    tg_status status = tg_validator_new(config, config_len, jwks, jwks_len, &validator);
    free(config);
    free(jwks);
    if (status != TG_OK) {
        print_last_error("error: cannot build the validator: ");
        return 2;
    }

    /* The header value comes from the argument or the first line of stdin. */
    char line[65536];
    const char *value = argc == 5 ? argv[4] : line;
    if (argc == 4) {
        if (fgets(line, sizeof line, stdin) == NULL) {
            line[0] = '\0';
        }
        line[strcspn(line, "\r\n")] = '\0';
    }

    int exit_code;
    if (value[0] == '\0') {
        exit_code = deny_missing_header();
    } else {
        tg_token *token = NULL;
        status = tg_validator_validate_authorization(validator, (const uint8_t *)value,
                                                     strlen(value), (int64_t)now, &token);
        exit_code = status == TG_OK ? allow(token) : deny_rejected();
        tg_token_free(token);
    }
    tg_validator_free(validator);
    return exit_code;
}
