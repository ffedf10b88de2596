/*
 * Key rotation under load: READERS threads validate tokens while one writer
 * replaces the validator's key set SWAPS times, alternating set-a.json and
 * set-b.json.
 *
 *     test_threads FIXTURES_DIR [SWAPS]
 *
 * Both sets contain es256-1, so es256.jwt must always pass. es384.jwt's key is
 * only in set A and eddsa.jwt's only in set B. The writer publishes a sequence
 * number, odd while a swap is under way. When a reader reads the same even number
 * before and after a validation, the set in force throughout is known, and the
 * verdict must be exactly that set's. Otherwise it must be one of the two sets'
 * verdicts. The last line is "N passed, N failed".
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenguard.h"

#define NOW INT64_C(1767229200)
#define READERS 4
#define DEFAULT_SWAPS 5000

typedef struct {
    uint8_t *data;
    size_t len;
} fixture;

static fixture es256, es384, eddsa, set_a, set_b;
static tg_validator *validator;
static atomic_uint_fast64_t sequence;
static atomic_bool writer_done;

/* What one reader saw. */
typedef struct {
    long validations;
    long exact_checks;
    long wrong_verdicts;
} reader_counts;

static fixture load(const char *dir, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fixture result = {NULL, 0};
    FILE *file = fopen(path, "rb");
    if (file == NULL || fseek(file, 0, SEEK_END) != 0) {
        fprintf(stderr, "error: cannot read fixture %s\n", path);
        exit(2);
    }
    long size = ftell(file);
    rewind(file);
    result.data = malloc((size_t)size);
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

/* Validates one token and checks the verdict and, on success, the subject. */
static tg_status validate(const fixture *token, reader_counts *counts) {
    tg_token *verified = NULL;
    tg_status status = tg_validator_validate(validator, token->data, token->len, NOW, &verified);
    counts->validations++;
    if (status == TG_OK) {
        char subject[32];
        size_t len = 0;
        if (tg_token_subject(verified, (uint8_t *)subject, sizeof subject, &len) != TG_OK ||
            len != 9 || memcmp(subject, "user-1234", 9) != 0) {
            fprintf(stderr, "a verified token has the wrong subject\n");
            counts->wrong_verdicts++;
        }
    } else {
        /* The last error is per thread, so it must describe this call. */
        char message[128];
        size_t len = 0;
        if (tg_last_error_message((uint8_t *)message, sizeof message, &len) != TG_OK ||
            strstr(message, "kid") == NULL) {
            fprintf(stderr, "the last error does not match status %s\n", tg_status_name(status));
            counts->wrong_verdicts++;
        }
    }
    tg_token_free(verified);
    return status;
}

/* Checks a verdict against the set in force, when the reader knows it. */
static void check_verdict(tg_status status, int known, int in_set, reader_counts *counts) {
    tg_status expected = in_set ? TG_OK : TG_UNKNOWN_KID;
    if (known) {
        counts->exact_checks++;
    }
    int wrong = known ? status != expected : status != TG_OK && status != TG_UNKNOWN_KID;
    if (!wrong) {
        return;
    }
    const char *set = "not known";
    if (known) {
        set = in_set ? "with the key" : "without the key";
    }
    fprintf(stderr, "wrong verdict %s, key set in force: %s\n", tg_status_name(status), set);
    counts->wrong_verdicts++;
}

/* Readers that have started; the writer waits for all of them, so that a
 * scheduler that runs one thread at a time (valgrind does) still interleaves. */
static atomic_int readers_started;

static void *reader(void *arg) {
    reader_counts *counts = arg;
    atomic_fetch_add(&readers_started, 1);
    do {
        uint_fast64_t before = atomic_load(&sequence);
        tg_status always = validate(&es256, counts);
        tg_status only_a = validate(&es384, counts);
        tg_status only_b = validate(&eddsa, counts);
        uint_fast64_t after = atomic_load(&sequence);

        /* Sequence 2k means k swaps are done: set B is in force when k is odd. */
        int known = before == after && before % 2 == 0;
        int b_in_force = (before / 2) % 2 == 1;
        check_verdict(always, 1, 1, counts);
        check_verdict(only_a, known, !b_in_force, counts);
        check_verdict(only_b, known, b_in_force, counts);
    } while (!atomic_load(&writer_done));
    return NULL;
}

static int writer(long swaps) {
    int failures = 0;
    while (atomic_load(&readers_started) < READERS) {
        sched_yield();
    }
    for (long i = 1; i <= swaps; i++) {
        const fixture *next = i % 2 == 1 ? &set_b : &set_a;
        atomic_store(&sequence, (uint_fast64_t)(2 * i - 1));
        if (tg_validator_set_jwks(validator, next->data, next->len) != TG_OK) {
            fprintf(stderr, "swap %ld failed\n", i);
            failures++;
        }
        atomic_store(&sequence, (uint_fast64_t)(2 * i));
    }
    return failures;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s FIXTURES_DIR [SWAPS]\n", argv[0]);
        return 2;
    }
    long swaps = argc == 3 ? strtol(argv[2], NULL, 10) : DEFAULT_SWAPS;
    if (swaps < 2) {
        fprintf(stderr, "error: SWAPS must be at least 2\n");
        return 2;
    }
    es256 = load(argv[1], "es256.jwt");
    es384 = load(argv[1], "es384.jwt");
    eddsa = load(argv[1], "eddsa.jwt");
    set_a = load(argv[1], "set-a.json");
    set_b = load(argv[1], "set-b.json");
    fixture config = load(argv[1], "config.json");
    if (tg_validator_new(config.data, config.len, set_a.data, set_a.len, &validator) != TG_OK) {
        fprintf(stderr, "error: cannot build the validator\n");
        return 2;
    }
    free(config.data);

    pthread_t threads[READERS];
    reader_counts counts[READERS];
    memset(counts, 0, sizeof counts);
    for (int i = 0; i < READERS; i++) {
        if (pthread_create(&threads[i], NULL, reader, &counts[i]) != 0) {
            fprintf(stderr, "error: cannot start a reader thread\n");
            return 2;
        }
    }
    int swap_failures = writer(swaps);
    atomic_store(&writer_done, true);

    reader_counts total = {0, 0, 0};
    for (int i = 0; i < READERS; i++) {
        pthread_join(threads[i], NULL);
        total.validations += counts[i].validations;
        total.exact_checks += counts[i].exact_checks;
        total.wrong_verdicts += counts[i].wrong_verdicts;
    }
    tg_validator_free(validator);
    free(es256.data);
    free(es384.data);
    free(eddsa.data);
    free(set_a.data);
    free(set_b.data);

    printf("%ld swaps, %ld validations by %d readers, %ld verdicts checked against a known set, "
           "%ld wrong\n",
           swaps, total.validations, READERS, total.exact_checks, total.wrong_verdicts);
    /* Without any verdict against a known set, the test would prove nothing. */
    int ok = swap_failures == 0 && total.wrong_verdicts == 0 && total.exact_checks > 0;
    printf("test key_rotation_under_load ... %s\n", ok ? "ok" : "FAILED");
    printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
    return ok ? 0 : 1;
}
