/*
 * W3C trace context through the C ABI: a call given the host's traceparent (and tracestate)
 * joins that trace; `patter_call_traceparent` / `patter_span_traceparent` give the headers for
 * outgoing requests; a parent that is not sampled exports nothing while costs are still
 * computed; malformed headers are refused naming the argument. Tracing comes from the
 * environment (the test points it at a real OTLP receiver). Prints one JSON summary line.
 */
#include "check.h"

#define PARENT "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
#define UNSAMPLED "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"

static int is_lower_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* A traceparent of this library: version 00, the given trace id, a span id, sampled. */
static int is_child_header(const char *h, const char *trace_id) {
    return h != NULL && strlen(h) == 55 && strncmp(h, "00-", 3) == 0 && strncmp(h + 3, trace_id, 32) == 0 &&
           h[35] == '-' && is_lower_hex(h + 36, 16) && h[52] == '-' && strcmp(h + 53, "01") == 0;
}

static patter_call_t *start(const char *id, const char *traceparent, const char *tracestate) {
    patter_call_options_t *o = NULL;
    patter_call_t *call = NULL;
    OK(patter_call_options_new(id, strlen(id), PATTER_DIRECTION_INBOUND, S("pipeline"), &o));
    if (traceparent != NULL) {
        OK(patter_call_options_set_traceparent(o, traceparent, strlen(traceparent)));
    }
    if (tracestate != NULL) {
        OK(patter_call_options_set_tracestate(o, tracestate, strlen(tracestate)));
    }
    OK(patter_call_start(o, &call));
    OK(patter_call_options_free(o));
    return call;
}

int main(void) {
    bool enabled = false;
    OK(patter_init_tracing(NULL, &enabled));
    CHECK(enabled);

    /* A sampled parent: the call and its spans join the trace. */
    patter_call_t *call = start("CA-c-tp-joined", PARENT, "congo=t61rcWkgMzE");
    char *call_header = NULL, *span_header = NULL, *trace_id = NULL;
    OK(patter_call_traceparent(call, &call_header));
    CHECK(is_child_header(call_header, "4bf92f3577b34da6a3ce929d0e0e4736"));
    CHECK(call_header != NULL && strcmp(call_header + 36, "00f067aa0ba902b7-01") != 0); /* its own span id */
    OK(patter_call_trace_id(call, &trace_id));
    CHECK(trace_id != NULL && strcmp(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736") == 0);
    patter_span_t *llm = NULL;
    OK(patter_call_llm(call, S("openai"), S("gpt-4o-mini"), 3, &llm));
    OK(patter_span_traceparent(llm, &span_header));
    CHECK(is_child_header(span_header, "4bf92f3577b34da6a3ce929d0e0e4736"));
    CHECK(span_header != NULL && call_header != NULL && strcmp(span_header, call_header) != 0);
    OK(patter_span_usage(llm, 300, 25, 256));
    OK(patter_span_end(llm));
    OK(patter_span_free(llm));
    patter_span_t *tool = NULL;
    OK(patter_call_tool(call, S("lookup_order"), NULL, 0, S("{}"), NULL, 0, &tool));
    OK(patter_span_tool_call_id(tool, S("call_abc123")));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_tool_call_id(tool, S("")));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_audio_played_ms(tool, 5.0)); /* not a barge-in */
    OK(patter_span_free(tool));
    patter_span_t *bargein = NULL;
    OK(patter_call_bargein(call, S("and then"), NULL, &bargein));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_audio_played_ms(bargein, -1.0));
    CHECK(strstr(patter_last_error(), "`audio_played_ms`") != NULL);
    OK(patter_span_audio_played_ms(bargein, 1250.0));
    OK(patter_span_free(bargein));
    OK(patter_call_end(call, NULL, 0, NULL));
    EXPECT(PATTER_STATUS_NULL_POINTER, patter_call_traceparent(call, NULL));
    EXPECT(PATTER_STATUS_NULL_POINTER, patter_call_traceparent(NULL, &trace_id));
    OK(patter_call_free(call));

    /* A parent that is not sampled: nothing exported, the header propagated as given, costs
     * still computed. */
    patter_call_t *quiet = start("CA-c-tp-unsampled", UNSAMPLED, NULL);
    bool recording = true;
    OK(patter_call_is_recording(quiet, &recording));
    CHECK(!recording);
    char *quiet_header = NULL;
    OK(patter_call_traceparent(quiet, &quiet_header));
    CHECK(quiet_header != NULL && strcmp(quiet_header, UNSAMPLED) == 0);
    patter_span_t *tts = NULL;
    OK(patter_call_tts(quiet, S("elevenlabs"), S("Hello there."), NULL, 0, &tts));
    char *quiet_span_header = NULL;
    OK(patter_span_traceparent(tts, &quiet_span_header));
    CHECK(quiet_span_header != NULL && strcmp(quiet_span_header, UNSAMPLED) == 0);
    OK(patter_span_free(tts));
    char *cost = NULL;
    OK(patter_call_cost_json(quiet, &cost));
    CHECK(cost != NULL && strstr(cost, "\"tts\":0.0006") != NULL); /* 12 characters at $0.05 per 1,000 */
    OK(patter_call_end(quiet, NULL, 0, NULL));
    OK(patter_call_free(quiet));

    /* No parent and a recording call: its own root. */
    patter_call_t *root = start("CA-c-tp-root", NULL, NULL);
    char *root_header = NULL;
    OK(patter_call_traceparent(root, &root_header));
    CHECK(root_header != NULL && strlen(root_header) == 55);
    OK(patter_call_end(root, NULL, 0, NULL));
    OK(patter_call_free(root));

    /* Malformed headers: refused by the setters and by patter_call_start, naming the argument. */
    patter_call_options_t *o = NULL;
    OK(patter_call_options_new(S("CA-c-tp-bad"), PATTER_DIRECTION_INBOUND, S("pipeline"), &o));
    const char *bad[] = {
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
        "garbage",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_options_set_traceparent(o, bad[i], strlen(bad[i])));
        CHECK(strncmp(patter_last_error(), "invalid argument `traceparent`: ", 32) == 0);
    }
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_options_set_tracestate(o, S("Bad=1")));
    CHECK(strncmp(patter_last_error(), "invalid argument `tracestate`: ", 31) == 0);
    OK(patter_call_options_set_tracestate(o, S("congo=t61rcWkgMzE")));
    patter_call_t *none = NULL;
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_start(o, &none));
    CHECK(strcmp(patter_last_error(), "invalid argument `tracestate`: needs traceparent") == 0);
    CHECK(none == NULL);
    /* A later version is read as version 00. */
    OK(patter_call_options_set_traceparent(o, S("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later")));
    OK(patter_call_options_set_traceparent(o, NULL, 0));
    OK(patter_call_options_set_tracestate(o, S("")));
    OK(patter_call_options_free(o));

    OK(patter_shutdown_tracing());
    printf("{\"call_traceparent\":\"%s\",\"span_traceparent\":\"%s\",\"checks\":%d,\"failures\":%d}\n",
           call_header ? call_header : "", span_header ? span_header : "", check_count, check_failures);
    patter_string_free(call_header);
    patter_string_free(span_header);
    patter_string_free(trace_id);
    patter_string_free(quiet_header);
    patter_string_free(quiet_span_header);
    patter_string_free(root_header);
    patter_string_free(cost);
    return check_done("test_traceparent");
}
