/*
 * The C ABI from many threads: concurrent calls, a call started on one thread and reported on,
 * ended and freed from others, concurrent double frees of one handle (exactly one succeeds),
 * and per-thread last-error messages. Prints {"calls": N, "spans_per_call": M} on stdout.
 */
#include <pthread.h>
#include <stdint.h>

#include "check.h"

#define THREADS 8
#define CALLS_PER_THREAD 4
#define SPANS_PER_CALL 5 /* call + turn + stt + llm + tts */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int failures = 0;

#define T_OK(expr)                                                                       \
    do {                                                                                 \
        patter_status st_ = (expr);                                                      \
        if (st_ != PATTER_STATUS_OK) {                                                   \
            pthread_mutex_lock(&lock);                                                   \
            failures++;                                                                  \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr,                \
                    patter_last_error());                                                \
            pthread_mutex_unlock(&lock);                                                 \
        }                                                                                \
    } while (0)

static void one_call(patter_call_t *call) {
    patter_span_t *s = NULL;
    T_OK(patter_call_stt(call, S("deepgram"), NULL, 0, &s));
    T_OK(patter_span_transcript(s, S("hello from a thread"), &(double){0.9}, &(double){1.0}));
    T_OK(patter_span_free(s));
    T_OK(patter_call_llm(call, S("openai"), S("gpt-4o-mini"), 1, &s));
    T_OK(patter_span_first_token(s));
    T_OK(patter_span_usage(s, 10, 5, 0));
    T_OK(patter_span_free(s));
    T_OK(patter_call_tts(call, S("elevenlabs"), S("hi there"), NULL, 0, &s));
    T_OK(patter_span_first_byte(s));
    T_OK(patter_span_free(s));
}

static void *worker(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        char call_id[64];
        int n = snprintf(call_id, sizeof call_id, "CA-thread-%02d-%02d", id, i);
        patter_call_options_t *o = NULL;
        T_OK(patter_call_options_new(call_id, (size_t)n, PATTER_DIRECTION_INBOUND, S("pipeline"), &o));
        patter_call_t *call = NULL;
        T_OK(patter_call_start(o, &call));
        T_OK(patter_call_options_free(o));
        one_call(call);
        T_OK(patter_call_end(call, NULL, 0, NULL));
        T_OK(patter_call_free(call));
    }
    /* This thread's last error is its own. */
    patter_call_free((patter_call_t *)(uintptr_t)(0x100 + id));
    if (strstr(patter_last_error(), "patter_call_t") == NULL) {
        pthread_mutex_lock(&lock);
        failures++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

struct handoff {
    patter_call_t *call;
    int ok_frees;
};

static void *report_on(void *arg) {
    struct handoff *h = arg;
    one_call(h->call);
    return NULL;
}

static void *end_and_free(void *arg) {
    struct handoff *h = arg;
    patter_status st = patter_call_end(h->call, NULL, 0, NULL);
    (void)st; /* several threads race to end: one wins, the others get PATTER_STATUS_STATE */
    if (patter_call_free(h->call) == PATTER_STATUS_OK) {
        pthread_mutex_lock(&lock);
        h->ok_frees++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

/* An exporter counting batches (OTLP protobuf) from its own thread. */
struct counter {
    pthread_mutex_t lock;
    int batches;
    int released;
};

static int32_t count_batch(void *user_data, const uint8_t *pb, size_t pb_len) {
    struct counter *c = user_data;
    pthread_mutex_lock(&c->lock);
    c->batches += (pb != NULL && pb_len > 0);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static void count_release(void *user_data) {
    struct counter *c = user_data;
    pthread_mutex_lock(&c->lock);
    c->released++;
    pthread_mutex_unlock(&c->lock);
}

int main(void) {
    bool enabled = false;
    OK(patter_init_tracing(NULL, &enabled));
    struct counter counter = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
    bool attached = false;
    OK(patter_attach_span_exporter(count_batch, count_release, &counter, NULL, 0, &attached));
    CHECK(attached);

    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
    }

    /* One call, started here, reported on from one thread, ended and freed from several. */
    patter_call_options_t *o = NULL;
    OK(patter_call_options_new(S("CA-thread-handoff"), PATTER_DIRECTION_OUTBOUND, S("pipeline"), &o));
    struct handoff h = {NULL, 0};
    OK(patter_call_start(o, &h.call));
    OK(patter_call_options_free(o));
    pthread_t rep;
    CHECK(pthread_create(&rep, NULL, report_on, &h) == 0);
    pthread_join(rep, NULL);
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&th[i], NULL, end_and_free, &h) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
    }
    CHECK(h.ok_frees == 1);
    CHECK(failures == 0);

    bool detached = false;
    OK(patter_detach_span_exporter(count_batch, &counter, &detached));
    CHECK(detached);
    OK(patter_detach_span_exporter(count_batch, &counter, &detached));
    CHECK(!detached);
    pthread_mutex_lock(&counter.lock);
    CHECK(counter.batches > 0 && counter.released == 1);
    pthread_mutex_unlock(&counter.lock);

    OK(patter_shutdown_tracing());
    printf("{\"enabled\":%s,\"calls\":%d,\"spans_per_call\":%d}\n", enabled ? "true" : "false",
           THREADS * CALLS_PER_THREAD + 1, SPANS_PER_CALL);
    return check_done("test_threads");
}
