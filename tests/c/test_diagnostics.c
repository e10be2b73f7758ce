/*
 * Diagnostics through the C ABI: a callback receives the core's warnings (here: every write of
 * a logger whose root has a file where `calls/` should be fails), on libpatter's own thread,
 * rate-limited to one per code with the rest counted; replacing the callback releases the old
 * user_data; NULL restores stderr. Needs PATTER_TEST_LOG_DIR (a root whose `calls` is a file).
 * Prints {"got": N, "suppressed_total": S, "stats": {...}} on stdout.
 */
#include <pthread.h>
#include <stdint.h>

#include "check.h"

struct seen {
    pthread_mutex_t lock;
    int write_failed;
    int other;
    int wrong_level;
    int on_caller_thread;
    int released;
    uint64_t suppressed;
    pthread_t caller;
};

static void on_diagnostic(void *user_data, int32_t level, const char *code, const char *message,
                          uint64_t suppressed) {
    struct seen *s = user_data;
    pthread_mutex_lock(&s->lock);
    if (strcmp(code, "calllog.write_failed") == 0) {
        s->write_failed++;
        if (level != PATTER_DIAGNOSTIC_WARN || strstr(message, "calls") == NULL) {
            s->wrong_level++;
        }
    } else {
        s->other++;
    }
    if (pthread_equal(pthread_self(), s->caller)) {
        s->on_caller_thread++;
    }
    s->suppressed += suppressed;
    pthread_mutex_unlock(&s->lock);
}

static void on_release(void *user_data) {
    struct seen *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->released++;
    pthread_mutex_unlock(&s->lock);
}

int main(void) {
    const char *root = getenv("PATTER_TEST_LOG_DIR");
    CHECK(root != NULL);
    if (root == NULL) {
        return check_done("test_diagnostics");
    }
    struct seen s = {.lock = PTHREAD_MUTEX_INITIALIZER, .caller = pthread_self()};
    OK(patter_set_diagnostics_callback(on_diagnostic, &s, on_release));

    patter_call_logger_t *logger = NULL;
    OK(patter_call_logger_new(PATTER_PERSIST_PATH, root, strlen(root), &logger));
    for (int i = 0; i < 100; i++) {
        char id[32];
        int n = snprintf(id, sizeof id, "CA-diag-%d", i);
        patter_call_options_t *opts = NULL;
        OK(patter_call_options_new(id, (size_t)n, PATTER_DIRECTION_INBOUND, S("pipeline"), &opts));
        OK(patter_call_options_set_logger(opts, logger));
        patter_call_t *call = NULL;
        OK(patter_call_start(opts, &call));
        OK(patter_call_options_free(opts));
        OK(patter_call_end(call, NULL, 0, NULL));
        OK(patter_call_free(call));
    }
    OK(patter_call_logger_flush(logger));
    bool flushed = false;
    OK(patter_diagnostics_flush(5000, &flushed));
    CHECK(flushed);

    pthread_mutex_lock(&s.lock);
    CHECK(s.write_failed == 1); /* 200 failed writes, one diagnostic: the rest held back */
    CHECK(s.wrong_level == 0);
    CHECK(s.on_caller_thread == 0);
    int got = s.write_failed;
    pthread_mutex_unlock(&s.lock);

    char *stats = NULL;
    OK(patter_diagnostics_stats_json(&stats));
    EXPECT(PATTER_STATUS_NULL_POINTER, patter_diagnostics_stats_json(NULL));

    /* Back to stderr: the old callback's user_data is released exactly once. */
    OK(patter_set_diagnostics_callback(NULL, NULL, NULL));
    OK(patter_diagnostics_flush(5000, NULL));
    CHECK(s.released == 1);
    OK(patter_set_diagnostics_silent());
    OK(patter_call_logger_free(logger));

    printf("{\"got\": %d, \"stats\": %s}\n", got, stats);
    patter_string_free(stats);
    return check_done("test_diagnostics");
}
