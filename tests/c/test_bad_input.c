/*
 * Misuse of the C ABI must give a status, never a crash or an invalid access (this program runs
 * under valgrind): NULL for every pointer argument, invalid UTF-8, absurd lengths on NULL
 * pointers, out-of-range enum values, bad JSON, double frees, use after free, handles of the
 * wrong type, use after end.
 */
#include <math.h>
#include <stdint.h>

#include "check.h"

#define NP PATTER_STATUS_NULL_POINTER
#define HUGE SIZE_MAX

static const char bad_utf8[] = {'o', 'k', (char)0xff, 'x'};    /* 0xff never appears in UTF-8 */
static const char truncated[] = {'a', (char)0xe2, (char)0x82}; /* cut inside a 3-byte char */
static const char overlong[] = {(char)0xc0, (char)0xaf};       /* overlong '/' */

static int32_t never_called(void *user_data, const uint8_t *batch, size_t batch_len) {
    (void)user_data, (void)batch, (void)batch_len;
    return 1;
}

static void test_status_and_errors(void) {
    CHECK(strcmp(patter_status_string(PATTER_STATUS_OK), "PATTER_STATUS_OK") == 0);
    CHECK(strcmp(patter_status_string(PATTER_STATUS_STATE), "PATTER_STATUS_STATE") == 0);
    CHECK(strcmp(patter_status_string(12345), "PATTER_STATUS_UNKNOWN") == 0);
    CHECK(strcmp(patter_status_string(-1), "PATTER_STATUS_UNKNOWN") == 0);
    CHECK(patter_last_error() != NULL);
    EXPECT(NP, patter_call_start(NULL, NULL));
    CHECK(strstr(patter_last_error(), "NULL") != NULL);
    /* freeing NULL is always fine */
    patter_string_free(NULL);
    OK(patter_call_free(NULL));
    OK(patter_span_free(NULL));
    OK(patter_call_options_free(NULL));
    OK(patter_tracing_options_free(NULL));
    OK(patter_clock_free(NULL));
    OK(patter_metrics_store_free(NULL));
    OK(patter_call_logger_free(NULL));
    OK(patter_pricing_free(NULL));
    OK(patter_warm_up());
}

static void test_options(void) {
    patter_call_options_t *o = NULL;
    /* NULL for each pointer argument, with absurd lengths where a length goes with it */
    EXPECT(NP, patter_call_options_new(NULL, HUGE, PATTER_DIRECTION_INBOUND, S("pipeline"), &o));
    EXPECT(NP, patter_call_options_new(S("CA1"), PATTER_DIRECTION_INBOUND, NULL, HUGE, &o));
    EXPECT(NP, patter_call_options_new(S("CA1"), PATTER_DIRECTION_INBOUND, S("pipeline"), NULL));
    CHECK(o == NULL);
    /* invalid UTF-8, bad enum, empty and too-long ids */
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_options_new(bad_utf8, sizeof bad_utf8, 0, S("pipeline"), &o));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_options_new(S("CA1"), 0, truncated, sizeof truncated, &o));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_options_new(overlong, sizeof overlong, 0, S("pipeline"), &o));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_options_new(S("CA1"), 2, S("pipeline"), &o));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_options_new(S("CA1"), -1, S("pipeline"), &o));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_options_new(S(""), 0, S("pipeline"), &o));
    static char long_id[20000];
    memset(long_id, 'x', sizeof long_id);
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_call_options_new(long_id, sizeof long_id, 0, S("pipeline"), &o));
    CHECK(o == NULL);

    OK(patter_call_options_new(S("CA-bad-1"), PATTER_DIRECTION_OUTBOUND, S("pipeline"), &o));
    /* setters: NULL handle, NULL value (= clear: fine), invalid UTF-8 */
    EXPECT(NP, patter_call_options_set_side(NULL, S("uut")));
    EXPECT(NP, patter_call_options_set_caller(NULL, S("+1")));
    EXPECT(NP, patter_call_options_set_callee(NULL, S("+1")));
    EXPECT(NP, patter_call_options_set_telephony_provider(NULL, S("twilio")));
    EXPECT(NP, patter_call_options_set_agent_provider(NULL, S("x")));
    EXPECT(NP, patter_call_options_set_traceparent(NULL, S("x")));
    EXPECT(NP, patter_call_options_set_tracestate(NULL, S("x")));
    EXPECT(NP, patter_call_options_set_agent_model(NULL, S("x")));
    EXPECT(NP, patter_call_options_set_agent_voice(NULL, S("x")));
    EXPECT(NP, patter_call_options_set_agent_language(NULL, S("x")));
    EXPECT(NP, patter_call_options_set_agent_stt_provider(NULL, S("x")));
    EXPECT(NP, patter_call_options_set_agent_tts_provider(NULL, S("x")));
    EXPECT(NP, patter_call_options_set_agent_llm_provider(NULL, S("x")));
    EXPECT(NP, patter_call_options_set_realtime(NULL, S("openai_realtime"), NULL, 0));
    EXPECT(NP, patter_call_options_set_clock(NULL, NULL));
    EXPECT(NP, patter_call_options_set_sequential_ids(NULL, 1));
    EXPECT(NP, patter_call_options_set_random_ids(NULL));
    EXPECT(NP, patter_call_options_set_store(NULL, NULL));
    EXPECT(NP, patter_call_options_set_logger(NULL, NULL));
    EXPECT(NP, patter_call_options_set_pricing(NULL, NULL));
    OK(patter_call_options_set_side(o, NULL, HUGE));
    OK(patter_call_options_set_caller(o, NULL, HUGE));
    OK(patter_call_options_set_traceparent(o, NULL, HUGE));
    OK(patter_call_options_set_tracestate(o, NULL, HUGE));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_call_options_set_traceparent(o, bad_utf8, sizeof bad_utf8));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_options_set_traceparent(o, long_id, sizeof long_id));
    OK(patter_call_options_set_realtime(o, NULL, HUGE, NULL, HUGE));
    OK(patter_call_options_set_clock(o, NULL));
    OK(patter_call_options_set_store(o, NULL));
    OK(patter_call_options_set_logger(o, NULL));
    OK(patter_call_options_set_pricing(o, NULL));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_call_options_set_side(o, bad_utf8, sizeof bad_utf8));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_options_set_agent_voice(o, truncated, sizeof truncated));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_options_set_realtime(o, S("openai_realtime"), bad_utf8, sizeof bad_utf8));
    /* values are validated when the call starts */
    OK(patter_call_options_set_side(o, S("")));
    patter_call_t *never = NULL;
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_start(o, &never));
    CHECK(never == NULL && strstr(patter_last_error(), "side") != NULL);
    OK(patter_call_options_set_side(o, NULL, 0));
    OK(patter_call_options_set_callee(o, S(""))); /* empty number = unknown */
    OK(patter_call_start(o, &never));
    OK(patter_call_end(never, NULL, 0, NULL));
    OK(patter_call_free(never));

    /* wrong handle types */
    EXPECT(PATTER_STATUS_INVALID_HANDLE,
           patter_call_options_set_clock(o, (const patter_clock_t *)o));
    CHECK(strstr(patter_last_error(), "patter_call_options_t") != NULL);
    EXPECT(PATTER_STATUS_INVALID_HANDLE,
           patter_call_options_set_store(o, (const patter_metrics_store_t *)o));
    EXPECT(PATTER_STATUS_INVALID_HANDLE,
           patter_call_options_set_logger(o, (const patter_call_logger_t *)o));
    EXPECT(PATTER_STATUS_INVALID_HANDLE,
           patter_call_options_set_pricing(o, (const patter_pricing_t *)o));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_free((patter_call_t *)o));

    /* double free, use after free */
    OK(patter_call_options_free(o));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_options_free(o));
    CHECK(strstr(patter_last_error(), "freed") != NULL);
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_options_set_side(o, S("uut")));
    patter_call_t *c = NULL;
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_start(o, &c));
    CHECK(c == NULL);
}

static void test_small_handles(void) {
    char *str_out = NULL;
    patter_clock_t *clock = NULL;
    EXPECT(NP, patter_manual_clock_new(0, NULL));
    OK(patter_manual_clock_new(1000, &clock));
    EXPECT(NP, patter_clock_advance_ms(NULL, 1));
    EXPECT(NP, patter_clock_set_ms(NULL, 1));
    uint64_t now = 0;
    EXPECT(NP, patter_clock_now_ms(NULL, &now));
    EXPECT(NP, patter_clock_now_ms(clock, NULL));
    OK(patter_clock_advance_ms(clock, 5));
    OK(patter_clock_set_ms(clock, 10)); /* earlier: ignored */
    OK(patter_clock_now_ms(clock, &now));
    CHECK(now == 1005);
    OK(patter_clock_set_ms(clock, 2000));
    OK(patter_clock_now_ms(clock, &now));
    CHECK(now == 2000);
    OK(patter_clock_free(clock));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_clock_free(clock));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_clock_advance_ms(clock, 1));

    patter_metrics_store_t *store = NULL, *st2 = NULL;
    size_t n = 0;
    EXPECT(NP, patter_metrics_store_new(10, NULL));
    EXPECT(NP, patter_metrics_store_new_with_redaction(10, PATTER_REDACT_FULL, NULL, 0, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_metrics_store_new_with_redaction(10, 9, NULL, 0, &st2));
    CHECK(st2 == NULL);
    OK(patter_metrics_store_new_with_redaction(10, PATTER_REDACT_HASH_ONLY, (const uint8_t *)"k", 1, &st2));
    OK(patter_metrics_store_free(st2));
    OK(patter_metrics_store_new(10, &store));
    EXPECT(NP, patter_metrics_store_hydrate(NULL, S("/tmp"), &n, NULL));
    EXPECT(NP, patter_metrics_store_hydrate(store, NULL, HUGE, &n, NULL));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_metrics_store_hydrate(store, bad_utf8, sizeof bad_utf8, &n, NULL));
    OK(patter_metrics_store_hydrate(store, S("/nonexistent/patter-root"), &n, NULL));
    CHECK(n == 0);
    EXPECT(NP, patter_metrics_store_get_calls_json(NULL, 10, 0, &str_out));
    EXPECT(NP, patter_metrics_store_get_calls_json(store, 10, 0, NULL));
    EXPECT(NP, patter_metrics_store_get_call_json(NULL, S("CA"), &str_out));
    EXPECT(NP, patter_metrics_store_get_call_json(store, NULL, HUGE, &str_out));
    EXPECT(NP, patter_metrics_store_get_call_json(store, S("CA"), NULL));
    EXPECT(PATTER_STATUS_NOT_FOUND, patter_metrics_store_get_call_json(store, S("CA"), &str_out));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_metrics_store_get_call_json(store, overlong, sizeof overlong, &str_out));
    EXPECT(NP, patter_metrics_store_get_active_calls_json(NULL, &str_out));
    EXPECT(NP, patter_metrics_store_get_active_calls_json(store, NULL));
    EXPECT(NP, patter_metrics_store_get_aggregates_json(NULL, &str_out));
    EXPECT(NP, patter_metrics_store_get_aggregates_json(store, NULL));
    EXPECT(NP, patter_metrics_store_len(NULL, &n, NULL));
    EXPECT(NP, patter_metrics_store_len(store, NULL, NULL));
    OK(patter_metrics_store_get_calls_json(store, 10, 0, &str_out));
    CHECK(strcmp(str_out, "[]") == 0);
    patter_string_free(str_out);
    str_out = NULL;
    OK(patter_metrics_store_free(store));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_metrics_store_free(store));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_metrics_store_len(store, &n, NULL));

    patter_call_logger_t *logger = NULL;
    EXPECT(NP, patter_call_logger_from_env(NULL));
    EXPECT(NP, patter_call_logger_disabled(NULL));
    EXPECT(NP, patter_call_logger_new(PATTER_PERSIST_OFF, NULL, 0, NULL));
    EXPECT(NP, patter_call_logger_new(PATTER_PERSIST_PATH, NULL, HUGE, &logger));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_logger_new(PATTER_PERSIST_OFF, S("/tmp/x"), &logger));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_logger_new(7, NULL, 0, &logger));
    EXPECT(PATTER_STATUS_CONFIG, patter_call_logger_new(PATTER_PERSIST_PATH, S(""), &logger));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_logger_new(PATTER_PERSIST_PATH, bad_utf8, sizeof bad_utf8, &logger));
    CHECK(logger == NULL);
    OK(patter_call_logger_new(PATTER_PERSIST_OFF, NULL, 0, &logger));
    EXPECT(NP, patter_call_logger_root(NULL, &str_out));
    EXPECT(NP, patter_call_logger_root(logger, NULL));
    OK(patter_call_logger_root(logger, &str_out));
    CHECK(str_out == NULL);
    EXPECT(NP, patter_call_logger_flush_timeout(NULL, 10, NULL));
    OK(patter_call_logger_flush_timeout(logger, 10, NULL));
    EXPECT(NP, patter_call_logger_stats_json(NULL, &str_out));
    EXPECT(NP, patter_call_logger_stats_json(logger, NULL));
    EXPECT(NP, patter_call_logger_sweep_now(NULL, NULL));
    OK(patter_call_logger_sweep_now(logger, &str_out));
    CHECK(str_out != NULL && strstr(str_out, "days_removed") != NULL);
    patter_string_free(str_out);
    str_out = NULL;
    OK(patter_call_logger_free(logger));
    OK(patter_call_logger_disabled(&logger));
    bool enabled = true;
    EXPECT(NP, patter_call_logger_enabled(NULL, &enabled));
    EXPECT(NP, patter_call_logger_enabled(logger, NULL));
    OK(patter_call_logger_enabled(logger, &enabled));
    CHECK(!enabled);
    EXPECT(NP, patter_call_logger_flush(NULL));
    OK(patter_call_logger_flush(logger));
    OK(patter_call_logger_free(logger));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_logger_free(logger));

    patter_pricing_t *pricing = NULL, *p2 = NULL;
    EXPECT(NP, patter_pricing_defaults(NULL));
    EXPECT(NP, patter_pricing_load(NULL, 0, NULL));
    EXPECT(NP, patter_pricing_with_overrides_json(NULL, NULL, HUGE, &p2));
    EXPECT(NP, patter_pricing_with_overrides_json(NULL, S("{}"), NULL));
    EXPECT(NP, patter_pricing_with_overrides_file(NULL, NULL, HUGE, &p2));
    EXPECT(NP, patter_pricing_with_overrides_file(NULL, S("/x"), NULL));
    EXPECT(NP, patter_pricing_from_json(NULL, HUGE, &p2));
    EXPECT(NP, patter_pricing_from_json(S("{}"), NULL));
    CHECK(p2 == NULL);
    OK(patter_pricing_defaults(&pricing));
    double usd = -1;
    EXPECT(NP, patter_pricing_to_json(NULL, &str_out));
    EXPECT(NP, patter_pricing_to_json(pricing, NULL));
    EXPECT(NP, patter_pricing_cost(NULL, PATTER_COST_TTS, S("elevenlabs"), NULL, 0, 0, 1000, &usd));
    EXPECT(NP, patter_pricing_cost(pricing, PATTER_COST_TTS, NULL, HUGE, NULL, 0, 0, 1000, &usd));
    EXPECT(NP, patter_pricing_cost(pricing, PATTER_COST_TTS, S("elevenlabs"), NULL, 0, 0, 1000, NULL));
    EXPECT(NP, patter_pricing_llm_cost(NULL, S("openai"), NULL, 0, 1, 1, 1, &usd));
    EXPECT(NP, patter_pricing_llm_cost(pricing, NULL, HUGE, NULL, 0, 1, 1, 1, &usd));
    EXPECT(NP, patter_pricing_llm_cost(pricing, S("openai"), NULL, 0, 1, 1, 1, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_pricing_cost(pricing, 99, S("elevenlabs"), NULL, 0, 0, 1000, &usd));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_pricing_cost(pricing, PATTER_COST_TELEPHONY, S("twilio"), NULL, 0, 7, 60, &usd));
    EXPECT(PATTER_STATUS_NOT_FOUND,
           patter_pricing_cost(pricing, PATTER_COST_TTS, S("no-such-tts"), NULL, 0, 0, 1000, &usd));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_pricing_cost(pricing, PATTER_COST_TTS, bad_utf8, sizeof bad_utf8, NULL, 0, 0, 1, &usd));
    CHECK(usd == -1);
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_pricing_with_overrides_json(pricing, bad_utf8, sizeof bad_utf8, &p2));
    patter_status st = patter_pricing_with_overrides_json(pricing, S("{\"tts\": 5"), &p2);
    CHECK(st == PATTER_STATUS_CORRUPT || st == PATTER_STATUS_CONFIG);
    st = patter_pricing_with_overrides_json(pricing, S("{\"tts\": {\"x\": {\"price\": -1}}}"), &p2);
    CHECK(st == PATTER_STATUS_CORRUPT || st == PATTER_STATUS_CONFIG);
    EXPECT(PATTER_STATUS_IO, patter_pricing_with_overrides_file(pricing, S("/nonexistent/p.json"), &p2));
    EXPECT(PATTER_STATUS_IO, patter_pricing_load(S("/nonexistent/p.json"), &p2));
    CHECK(p2 == NULL);
    EXPECT(PATTER_STATUS_INVALID_HANDLE,
           patter_pricing_with_overrides_json((patter_pricing_t *)store, S("{}"), &p2));
    CHECK(strlen(patter_pricing_version()) > 0);
    OK(patter_pricing_free(pricing));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_pricing_free(pricing));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_pricing_to_json(pricing, &str_out));
}

static void test_tracing(void) {
    patter_tracing_options_t *t = NULL;
    EXPECT(NP, patter_tracing_options_new(NULL));
    OK(patter_tracing_options_new(&t));
    EXPECT(NP, patter_tracing_options_set_service_name(NULL, S("x")));
    EXPECT(NP, patter_tracing_options_set_otlp_endpoint(NULL, S("http://127.0.0.1:9")));
    EXPECT(NP, patter_tracing_options_add_resource_attribute(NULL, S("k"), S("v")));
    EXPECT(NP, patter_tracing_options_add_resource_attribute(t, NULL, HUGE, S("v")));
    EXPECT(NP, patter_tracing_options_add_resource_attribute(t, S("k"), NULL, HUGE));
    EXPECT(NP, patter_tracing_options_add_header(NULL, S("k"), S("v")));
    EXPECT(NP, patter_tracing_options_add_header(t, NULL, HUGE, S("v")));
    EXPECT(NP, patter_tracing_options_add_header(t, S("k"), NULL, HUGE));
    EXPECT(NP, patter_tracing_options_set_console(NULL, true));
    EXPECT(NP, patter_tracing_options_set_file(NULL, S("/tmp/x")));
    EXPECT(NP, patter_tracing_options_set_disable_otlp(NULL, true));
    EXPECT(NP, patter_tracing_options_set_metrics(NULL, false));
    EXPECT(NP, patter_tracing_options_set_otel_logs(NULL, true));
    EXPECT(NP, patter_tracing_options_set_otel_log_texts(NULL, true));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_tracing_options_set_service_name(t, bad_utf8, sizeof bad_utf8));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_tracing_options_add_header(t, S("k"), bad_utf8, sizeof bad_utf8));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_tracing_options_add_header(t, S(""), S("v")));
    OK(patter_tracing_options_set_service_name(t, NULL, HUGE));
    OK(patter_tracing_options_set_file(t, NULL, HUGE));
    OK(patter_tracing_options_add_header(t, S("k"), S("v")));
    OK(patter_tracing_options_add_header(t, S("k"), S("w")));
    OK(patter_tracing_options_set_console(t, false));
    OK(patter_tracing_options_set_metrics(t, false));
    OK(patter_tracing_options_set_otel_logs(t, true));
    OK(patter_tracing_options_set_otel_log_texts(t, false));
    /* a malformed endpoint is a configuration error (only checked when tracing is enabled) */
    OK(patter_tracing_options_set_otlp_endpoint(t, S("localhost:4318")));
    patter_status st = patter_init_tracing(t, NULL);
    CHECK(st == PATTER_STATUS_CONFIG || (st == PATTER_STATUS_OK && !patter_is_enabled()));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_init_tracing((patter_tracing_options_t *)&t, NULL));
    OK(patter_tracing_options_free(t));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_tracing_options_free(t));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_init_tracing(t, NULL));

    EXPECT(NP, patter_tracing_stats_json(NULL));
    OK(patter_force_flush(100, NULL));
    EXPECT(NP, patter_attach_span_exporter(NULL, NULL, NULL, NULL, 0, NULL));
    {
        /* decode: garbage is an invalid argument, an empty batch decodes to no spans. */
        static const uint8_t garbage[] = {0xff, 0xff, 0xff};
        char *json = NULL;
        EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_decode_spans_json(garbage, sizeof garbage, &json));
        EXPECT(NP, patter_decode_spans_json(NULL, 3, &json));
        EXPECT(NP, patter_decode_spans_json(garbage, sizeof garbage, NULL));
        OK(patter_decode_spans_json(NULL, 0, &json));
        CHECK(strcmp(json, "{\"resourceSpans\":[]}") == 0);
        patter_string_free(json);
    }
    EXPECT(NP, patter_detach_span_exporter(NULL, NULL, NULL));
    bool detached = true;
    OK(patter_detach_span_exporter(never_called, NULL, &detached));
    CHECK(!detached);
}

static void test_call_and_spans(void) {
    patter_call_options_t *o = NULL;
    OK(patter_call_options_new(S("CA-bad-2"), PATTER_DIRECTION_INBOUND, S("pipeline"), &o));
    patter_call_t *c = NULL;
    EXPECT(NP, patter_call_start(o, NULL));
    EXPECT(NP, patter_call_start(NULL, &c));
    OK(patter_call_start(o, &c));
    OK(patter_call_options_free(o));

    patter_span_t *s = NULL;
    char *str = NULL;
    uint32_t n = 0;
    bool b = false;
    /* NULL call handle everywhere */
    EXPECT(NP, patter_call_start_turn(NULL, &n));
    EXPECT(NP, patter_call_end_turn(NULL));
    EXPECT(NP, patter_call_current_turn(NULL, &n));
    EXPECT(NP, patter_call_stt(NULL, S("deepgram"), NULL, 0, &s));
    EXPECT(NP, patter_call_endpoint(NULL, &s));
    EXPECT(NP, patter_call_llm(NULL, S("openai"), NULL, 0, 1, &s));
    EXPECT(NP, patter_call_tts(NULL, S("elevenlabs"), S("hi"), NULL, 0, &s));
    EXPECT(NP, patter_call_bargein(NULL, S("hi"), NULL, &s));
    EXPECT(NP, patter_call_tool(NULL, S("t"), S("handler"), NULL, 0, NULL, 0, &s));
    EXPECT(NP, patter_call_error(NULL, S("code"), NULL, 0, false));
    EXPECT(NP, patter_call_event(NULL, S("t"), NULL, 0));
    EXPECT(NP, patter_call_end(NULL, NULL, 0, &str));
    EXPECT(NP, patter_call_end_record_json(NULL, &str));
    EXPECT(NP, patter_call_cost_json(NULL, &str));
    EXPECT(NP, patter_call_usage_json(NULL, &str));
    EXPECT(NP, patter_call_trace_id(NULL, &str));
    EXPECT(NP, patter_call_traceparent(NULL, &str));
    EXPECT(NP, patter_call_side(NULL, &str));
    EXPECT(NP, patter_call_is_recording(NULL, &b));
    EXPECT(NP, patter_call_is_ended(NULL, &b));
    /* NULL out-pointers and NULL required strings (absurd lengths) */
    EXPECT(NP, patter_call_current_turn(c, NULL));
    EXPECT(NP, patter_call_stt(c, NULL, HUGE, NULL, 0, &s));
    EXPECT(NP, patter_call_stt(c, S("deepgram"), NULL, HUGE, NULL));
    EXPECT(NP, patter_call_endpoint(c, NULL));
    EXPECT(NP, patter_call_llm(c, NULL, HUGE, NULL, 0, 1, &s));
    EXPECT(NP, patter_call_llm(c, S("openai"), NULL, 0, 1, NULL));
    EXPECT(NP, patter_call_tts(c, NULL, HUGE, S("hi"), NULL, 0, &s));
    EXPECT(NP, patter_call_tts(c, S("elevenlabs"), NULL, HUGE, NULL, 0, &s));
    EXPECT(NP, patter_call_tts(c, S("elevenlabs"), S("hi"), NULL, 0, NULL));
    EXPECT(NP, patter_call_bargein(c, NULL, HUGE, NULL, NULL));
    EXPECT(NP, patter_call_tool(c, NULL, HUGE, S("handler"), NULL, 0, NULL, 0, &s));
    OK(patter_call_tool(c, S("t"), NULL, HUGE, NULL, 0, NULL, 0, &s)); /* NULL transport: the core's default */
    OK(patter_span_free(s));
    s = NULL;
    EXPECT(NP, patter_call_tool(c, S("t"), S("handler"), NULL, HUGE, NULL, 0, NULL));
    EXPECT(NP, patter_call_error(c, NULL, HUGE, NULL, HUGE, false));
    EXPECT(NP, patter_call_event(c, NULL, HUGE, NULL, HUGE));
    EXPECT(NP, patter_call_end_record_json(c, NULL));
    EXPECT(NP, patter_call_cost_json(c, NULL));
    EXPECT(NP, patter_call_usage_json(c, NULL));
    EXPECT(NP, patter_call_trace_id(c, NULL));
    EXPECT(NP, patter_call_traceparent(c, NULL));
    EXPECT(NP, patter_call_side(c, NULL));
    EXPECT(NP, patter_call_is_recording(c, NULL));
    EXPECT(NP, patter_call_is_ended(c, NULL));
    CHECK(s == NULL);
    /* invalid UTF-8 and invalid values */
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_call_stt(c, bad_utf8, sizeof bad_utf8, NULL, 0, &s));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_stt(c, S("deepgram"), truncated, sizeof truncated, &s));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_tts(c, S("elevenlabs"), overlong, sizeof overlong, NULL, 0, &s));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_call_bargein(c, bad_utf8, sizeof bad_utf8, NULL, &s));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_tool(c, S("t"), S("handler"), bad_utf8, sizeof bad_utf8, NULL, 0, &s));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_tool(c, S("t"), S("handler"), NULL, 0, bad_utf8, sizeof bad_utf8, &s));
    {
        /* The starters' options follow the core's rules: a NaN or negative audio_played_ms and an
         * empty tool_call_id are invalid arguments, and nothing starts. */
        const double nan_ms = NAN, negative_ms = -1;
        s = NULL;
        EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_bargein(c, S("x"), &nan_ms, &s));
        EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_bargein(c, S("x"), &negative_ms, &s));
        EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_tool(c, S("t"), NULL, 0, NULL, 0, "", 0, &s));
        CHECK(s == NULL);
    }
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_error(c, S("code"), bad_utf8, sizeof bad_utf8, false));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_call_event(c, S("t"), bad_utf8, sizeof bad_utf8));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_call_end(c, bad_utf8, sizeof bad_utf8, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_stt(c, S(""), NULL, 0, &s));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_event(c, S("t"), S("[1,2]")));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_event(c, S("t"), S("{\"a\":")));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_event(c, S(""), NULL, 0));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_call_end(c, S(""), NULL));
    CHECK(s == NULL);
    OK(patter_call_event(c, S("t"), S("{\"a\":\"x\\u0000y\"}")));

    /* spans: NULL handle, NULL args, wrong kind, wrong handle type */
    OK(patter_call_stt(c, S("deepgram"), NULL, 0, &s));
    EXPECT(NP, patter_span_transcript(NULL, S("hi"), &(double){0.5}, &(double){1.0}));
    EXPECT(NP, patter_span_transcript(s, NULL, HUGE, &(double){0.5}, &(double){1.0}));
    EXPECT(NP, patter_span_silence_ms(NULL, 1.0));
    EXPECT(NP, patter_span_first_token(NULL));
    EXPECT(NP, patter_span_usage(NULL, 1, 1, 1));
    EXPECT(NP, patter_span_first_byte(NULL));
    EXPECT(NP, patter_span_tool_result(NULL, S("r")));
    EXPECT(NP, patter_span_tool_result(s, NULL, HUGE));
    EXPECT(NP, patter_span_fail(NULL, S("code")));
    EXPECT(NP, patter_span_fail(s, NULL, HUGE));
    EXPECT(NP, patter_span_end(NULL));
    EXPECT(NP, patter_span_is_ended(NULL, &b));
    EXPECT(NP, patter_span_is_ended(s, NULL));
    int32_t kind = 0;
    EXPECT(NP, patter_span_get_kind(NULL, &kind));
    EXPECT(NP, patter_span_get_kind(s, NULL));
    EXPECT(NP, patter_span_turn(NULL, &n));
    EXPECT(NP, patter_span_turn(s, NULL));
    EXPECT(NP, patter_span_traceparent(NULL, &str));
    EXPECT(NP, patter_span_traceparent(s, NULL));
    EXPECT(NP, patter_span_audio_played_ms(NULL, 1.0));
    EXPECT(NP, patter_span_tool_call_id(NULL, S("id")));
    EXPECT(NP, patter_span_tool_call_id(s, NULL, HUGE));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_span_tool_call_id(s, bad_utf8, sizeof bad_utf8));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_audio_played_ms(s, 1.0));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_tool_call_id(s, S("id")));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_span_transcript(s, bad_utf8, sizeof bad_utf8, &(double){0.5}, &(double){1}));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_span_fail(s, truncated, sizeof truncated));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_silence_ms(s, 1.0));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_first_token(s));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_usage(s, 1, 1, 1));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_first_byte(s));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_tool_result(s, S("r")));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_span_end((patter_span_t *)c));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_end_turn((patter_call_t *)s));
    /* an embedded NUL is data, not a terminator */
    /* the core's rules: NaN, inf, negative or out-of-range numbers are invalid, nothing recorded */
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_transcript(s, S("x"), &(double){NAN}, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_transcript(s, S("x"), &(double){2.0}, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_transcript(s, S("x"), NULL, &(double){-3.0}));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_transcript(s, S("x"), NULL, &(double){INFINITY}));
    /* an embedded NUL is data, not a terminator; NULL numbers are omitted */
    OK(patter_span_transcript(s, "he\0llo", 6, NULL, NULL));
    OK(patter_span_fail(s, S("stt_error")));
    OK(patter_span_end(s));
    OK(patter_span_end(s));
    EXPECT(PATTER_STATUS_STATE, patter_span_transcript(s, S("again"), &(double){0.5}, &(double){1.0}));
    EXPECT(PATTER_STATUS_STATE, patter_span_fail(s, S("again")));
    OK(patter_span_free(s));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_span_free(s));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_span_end(s));

    patter_span_t *ep = NULL;
    OK(patter_call_endpoint(c, &ep));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_silence_ms(ep, -1.0));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT, patter_span_silence_ms(ep, INFINITY));
    OK(patter_span_free(ep));

    /* end with an error code, then everything is a STATE error */
    OK(patter_call_end(c, S("stt_connection"), &str));
    CHECK(strstr(str, "\"status\":\"failed\"") != NULL);
    CHECK(strstr(str, "\"error\":\"stt_connection\"") != NULL);
    patter_string_free(str);
    EXPECT(PATTER_STATUS_STATE, patter_call_endpoint(c, &s));
    EXPECT(PATTER_STATUS_STATE, patter_call_bargein(c, NULL, 0, NULL, &s));
    EXPECT(PATTER_STATUS_STATE, patter_call_tool(c, S("t"), S("handler"), NULL, 0, NULL, 0, &s));
    EXPECT(PATTER_STATUS_STATE, patter_call_llm(c, S("openai"), NULL, 0, 1, &s));
    EXPECT(PATTER_STATUS_STATE, patter_call_end(c, NULL, 0, NULL));
    OK(patter_call_free(c));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_free(c));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_end(c, NULL, 0, NULL));
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_is_ended(c, &b));
    /* Freeing a live call while a span is open: the span keeps working, and the call is
       recorded as abandoned when the span handle goes too. */
    patter_metrics_store_t *store = NULL;
    OK(patter_metrics_store_new(0, &store));
    OK(patter_call_options_new(S("CA-bad-3"), PATTER_DIRECTION_INBOUND, S("pipeline"), &o));
    OK(patter_call_options_set_store(o, store));
    OK(patter_call_start(o, &c));
    OK(patter_call_options_free(o));
    OK(patter_call_stt(c, S("deepgram"), NULL, 0, &s));
    OK(patter_call_free(c));
    OK(patter_span_transcript(s, S("still here"), &(double){0.9}, &(double){1.0}));
    size_t held = 0;
    OK(patter_metrics_store_len(store, &held, NULL));
    CHECK(held == 0);
    OK(patter_span_free(s));
    OK(patter_metrics_store_len(store, &held, NULL));
    CHECK(held == 1);
    OK(patter_metrics_store_get_call_json(store, S("CA-bad-3"), &str));
    CHECK(strstr(str, "\"status\":\"abandoned\"") != NULL);
    CHECK(strstr(str, "still here") != NULL);
    patter_string_free(str);
    OK(patter_metrics_store_free(store));

    /* a forged handle */
    EXPECT(PATTER_STATUS_INVALID_HANDLE, patter_call_end_turn((patter_call_t *)(uintptr_t)0x1234567));
}

/* patter_call_record_llm: every pointer NULL, bad UTF-8, bad numbers; a rejected call records
   nothing (the call's usage is unchanged), an accepted one records its usage once. */
static void test_record_llm(void) {
    patter_call_options_t *o = NULL;
    patter_metrics_store_t *store = NULL;
    OK(patter_metrics_store_new(0, &store));
    OK(patter_call_options_new(S("CA-bad-llm"), PATTER_DIRECTION_INBOUND, S("pipeline"), &o));
    OK(patter_call_options_set_store(o, store));
    patter_call_t *c = NULL;
    OK(patter_call_start(o, &c));
    OK(patter_call_options_free(o));
    const uint64_t in = 412, out = 36, hist = 3, huge = (uint64_t)1 << 53;
    const double ttft = 120.0, too_late = 900.0;

    EXPECT(NP, patter_call_record_llm(NULL, S("openai"), 500.0, NULL, 0, NULL, NULL, &in, &out, NULL));
    EXPECT(NP, patter_call_record_llm(c, NULL, HUGE, 500.0, NULL, 0, NULL, NULL, NULL, NULL, NULL));
    /* a NULL optional string is omitted, whatever its length says */
    OK(patter_call_record_llm(c, S("openai"), 500.0, NULL, HUGE, NULL, NULL, NULL, NULL, NULL));
    EXPECT(PATTER_STATUS_INVALID_UTF8,
           patter_call_record_llm(c, bad_utf8, sizeof bad_utf8, 500.0, NULL, 0, NULL, NULL, NULL, NULL, NULL));
    EXPECT(PATTER_STATUS_INVALID_UTF8, patter_call_record_llm(c, S("openai"), 500.0, truncated, sizeof truncated,
                                                              NULL, NULL, &in, &out, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_call_record_llm(c, S(""), 500.0, NULL, 0, NULL, NULL, &in, &out, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_call_record_llm(c, S("openai"), -1.0, NULL, 0, NULL, NULL, &in, &out, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_call_record_llm(c, S("openai"), NAN, NULL, 0, NULL, NULL, &in, &out, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_call_record_llm(c, S("openai"), INFINITY, NULL, 0, NULL, NULL, &in, &out, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_call_record_llm(c, S("openai"), 500.0, S("gpt-4o-mini"), &hist, &too_late, &in, &out, NULL));
    CHECK(strstr(patter_last_error(), "ttft_ms") != NULL);
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_call_record_llm(c, S("openai"), 500.0, NULL, 0, NULL, NULL, &huge, &out, NULL));
    EXPECT(PATTER_STATUS_INVALID_ARGUMENT,
           patter_call_record_llm(c, S("openai"), 500.0, NULL, 0, &huge, NULL, NULL, NULL, NULL));

    char *str = NULL;
    OK(patter_call_record_llm(c, S("openai"), 500.0, S("gpt-4o-mini"), &hist, &ttft, &in, &out, NULL));
    OK(patter_call_record_llm(c, S("openai"), 0.0, NULL, 0, NULL, NULL, NULL, NULL, NULL));
    OK(patter_call_end(c, NULL, 0, &str));
    CHECK(strstr(str, "\"status\":\"completed\"") != NULL);
    /* only the accepted iteration's usage: none of the rejected ones counted */
    CHECK(strstr(str, "\"llm_input_tokens\":412,") != NULL);
    CHECK(strstr(str, "\"llm_output_tokens\":36,") != NULL);
    patter_string_free(str);
    EXPECT(PATTER_STATUS_STATE, patter_call_record_llm(c, S("openai"), 1.0, NULL, 0, NULL, NULL, &in, &out, NULL));
    OK(patter_call_free(c));
    EXPECT(PATTER_STATUS_INVALID_HANDLE,
           patter_call_record_llm(c, S("openai"), 1.0, NULL, 0, NULL, NULL, &in, &out, NULL));
    OK(patter_metrics_store_free(store));
}

int main(void) {
    test_status_and_errors();
    test_options();
    test_small_handles();
    test_tracing();
    test_call_and_spans();
    test_record_llm();
    return check_done("test_bad_input");
}
