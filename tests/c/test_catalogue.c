/*
 * The core's tables, from C: the span/attribute catalogue's #defines are the strings the
 * exported spans carry (checked in the OTLP-JSON of the batches a custom exporter receives), and
 * patter_status_code() gives each failure the same stable code Python's `PatterError.code` and
 * Node's `error.code` carry. No tracing endpoint is needed: the exporter is attached directly.
 */
#include <pthread.h>

#include "check.h"

struct sink {
    pthread_mutex_t lock;
    char json[1 << 16];
    size_t len;
};

static int32_t on_batch(void *user_data, const uint8_t *pb, size_t pb_len) {
    struct sink *s = user_data;
    char *json = NULL;
    if (patter_decode_spans_json(pb, pb_len, &json) != PATTER_STATUS_OK) {
        return 1;
    }
    size_t json_len = strlen(json);
    pthread_mutex_lock(&s->lock);
    if (s->len + json_len < sizeof s->json) {
        memcpy(s->json + s->len, json, json_len);
        s->len += json_len;
        s->json[s->len] = '\0';
    }
    pthread_mutex_unlock(&s->lock);
    patter_string_free(json);
    return 0;
}

/* The code of `st` is "PATTER_" + its status name without "PATTER_STATUS_", or NULL. */
static int code_matches_name(int32_t st) {
    const char *code = patter_status_code(st);
    const char *name = patter_status_string(st);
    if (code == NULL) {
        return 1;
    }
    return strncmp(code, "PATTER_", 7) == 0 && strncmp(name, "PATTER_STATUS_", 14) == 0 &&
           strcmp(code + 7, name + 14) == 0;
}

int main(void) {
    /* Error codes: the core table's, keyed by the C status values. */
    CHECK(strcmp(patter_status_code(PATTER_STATUS_INVALID_ARGUMENT), "PATTER_INVALID_ARGUMENT") == 0);
    CHECK(strcmp(patter_status_code(PATTER_STATUS_STATE), "PATTER_STATE") == 0);
    CHECK(strcmp(patter_status_code(PATTER_STATUS_INTERNAL), "PATTER_INTERNAL") == 0);
    CHECK(patter_status_code(PATTER_STATUS_OK) == NULL);
    CHECK(patter_status_code(PATTER_STATUS_NULL_POINTER) == NULL);
    CHECK(patter_status_code(PATTER_STATUS_INVALID_HANDLE) == NULL);
    CHECK(patter_status_code(-1) == NULL && patter_status_code(1000) == NULL);
    int with_code = 0;
    for (int32_t st = PATTER_STATUS_OK; st <= PATTER_STATUS_INTERNAL; st++) {
        CHECK(code_matches_name(st));
        with_code += patter_status_code(st) != NULL;
    }
    CHECK(with_code == 7);

    struct sink sink;
    memset(&sink, 0, sizeof sink);
    pthread_mutex_init(&sink.lock, NULL);
    OK(patter_attach_span_exporter(on_batch, NULL, &sink, NULL, 0, NULL));

    patter_call_options_t *opts = NULL;
    patter_call_t *call = NULL;
    patter_span_t *llm = NULL;
    OK(patter_call_options_new(S("CA-catalogue"), PATTER_DIRECTION_INBOUND, S("pipeline"), &opts));
    OK(patter_call_start(opts, &call));
    OK(patter_call_options_free(opts));
    OK(patter_call_llm(call, S("openai"), S("gpt-4o-mini"), 2, &llm));
    OK(patter_span_end(llm));
    OK(patter_span_free(llm));

    /* Failures carry the cross-language codes. */
    patter_status st = patter_call_llm(call, S(""), NULL, 0, 0, &llm);
    CHECK(st == PATTER_STATUS_INVALID_ARGUMENT && strcmp(patter_status_code(st), "PATTER_INVALID_ARGUMENT") == 0);
    OK(patter_call_end(call, NULL, 0, NULL));
    st = patter_call_end(call, NULL, 0, NULL);
    CHECK(st == PATTER_STATUS_STATE && strcmp(patter_status_code(st), "PATTER_STATE") == 0);
    OK(patter_call_free(call));

    bool flushed = false;
    OK(patter_force_flush(10000, &flushed));
    CHECK(flushed);
    OK(patter_shutdown_tracing());

    /* The #defines are plain string literals: they concatenate at compile time. */
    pthread_mutex_lock(&sink.lock);
    CHECK(strstr(sink.json, "\"name\":\"" PATTER_SPAN_NAME_CALL "\"") != NULL);
    CHECK(strstr(sink.json, "\"name\":\"" PATTER_SPAN_NAME_TURN "\"") != NULL);
    CHECK(strstr(sink.json, "\"name\":\"" PATTER_SPAN_NAME_LLM "\"") != NULL);
    CHECK(strstr(sink.json, "\"name\":\"" PATTER_SCOPE_NAME "\"") != NULL);
    CHECK(strstr(sink.json, "\"key\":\"" PATTER_ATTR_CALL_ID "\"") != NULL);
    CHECK(strstr(sink.json, "\"key\":\"" PATTER_ATTR_GEN_AI_REQUEST_MODEL "\"") != NULL);
    CHECK(strstr(sink.json, "\"key\":\"" PATTER_ATTR_LLM_HISTORY_SIZE "\"") != NULL);
    CHECK(strstr(sink.json, "\"stringValue\":\"" PATTER_VALUE_OPERATION_CHAT "\"") != NULL);
    CHECK(strcmp(PATTER_SPAN_NAME_LLM, "getpatter.llm") == 0);
    pthread_mutex_unlock(&sink.lock);
    pthread_mutex_destroy(&sink.lock);
    return check_done("test_catalogue");
}
