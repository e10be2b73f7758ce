/*
 * A full call through the C ABI: tracing from the environment (the test points it at a real
 * OTLP receiver), a custom C span exporter receiving OTLP-JSON and protobuf, a deterministic
 * clock and ids, every span kind, events, the end record as JSON, use after end, and an
 * abandoned call. Prints one JSON summary line on stdout for the Python side to check.
 *
 * Environment: PATTER_TEST_PB_OUT=<file> makes the exporter append each protobuf batch to it
 * as a 4-byte big-endian length followed by the bytes.
 */
#include <pthread.h>
#include <stdint.h>

#include "check.h"

#define EPOCH_MS 1776967332413ULL

struct sink {
    pthread_mutex_t lock;
    int batches;
    int json_spans;
    int call_spans;
    size_t protobuf_bytes;
    int released;
    FILE *pb_out;
};

static int count(const char *hay, size_t len, const char *needle) {
    int n = 0;
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= len; i++) {
        if (memcmp(hay + i, needle, nl) == 0) {
            n++;
        }
    }
    return n;
}

static int32_t on_batch(void *user_data, const uint8_t *pb, size_t pb_len) {
    struct sink *s = user_data;
    char *json = NULL;
    if (patter_decode_spans_json(pb, pb_len, &json) != PATTER_STATUS_OK) {
        return 1;
    }
    size_t json_len = strlen(json);
    pthread_mutex_lock(&s->lock);
    s->batches++;
    s->json_spans += count(json, json_len, "\"spanId\"");
    s->call_spans += count(json, json_len, "\"name\":\"getpatter.call\"");
    patter_string_free(json);
    if (pb != NULL) {
        s->protobuf_bytes += pb_len;
        if (s->pb_out != NULL) {
            unsigned char hdr[4] = {(unsigned char)(pb_len >> 24), (unsigned char)(pb_len >> 16),
                                    (unsigned char)(pb_len >> 8), (unsigned char)pb_len};
            fwrite(hdr, 1, 4, s->pb_out);
            fwrite(pb, 1, pb_len, s->pb_out);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static void on_release(void *user_data) {
    struct sink *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->released++;
    pthread_mutex_unlock(&s->lock);
}

int main(void) {
    CHECK(patter_abi_version() == PATTER_ABI_VERSION);
    CHECK(strlen(patter_version()) > 0);

    /* Tracing: explicit options on top of the environment. */
    patter_tracing_options_t *topts = NULL;
    OK(patter_tracing_options_new(&topts));
    OK(patter_tracing_options_set_service_name(topts, S("c-abi-test")));
    OK(patter_tracing_options_add_resource_attribute(topts, S("deployment.environment"), S("test")));
    bool enabled = false;
    OK(patter_init_tracing(topts, &enabled));
    OK(patter_tracing_options_free(topts));
    CHECK(enabled == patter_is_enabled());

    struct sink sink;
    memset(&sink, 0, sizeof sink);
    pthread_mutex_init(&sink.lock, NULL);
    const char *pb_path = getenv("PATTER_TEST_PB_OUT");
    if (pb_path != NULL) {
        sink.pb_out = fopen(pb_path, "wb");
        CHECK(sink.pb_out != NULL);
    }
    bool attached = false;
    OK(patter_attach_span_exporter(on_batch, on_release, &sink, S("uut"), &attached));
    CHECK(attached);
    OK(patter_attach_span_exporter(on_batch, on_release, &sink, NULL, 0, &attached));
    CHECK(!attached); /* same (fn, user_data): idempotent */

    /* A deterministic call. */
    patter_clock_t *clock = NULL;
    OK(patter_manual_clock_new(EPOCH_MS, &clock));
    patter_call_options_t *opts = NULL;
    OK(patter_call_options_new(S("CA-c-0001"), PATTER_DIRECTION_INBOUND, S("pipeline"), &opts));
    OK(patter_call_options_set_caller(opts, S("+15555550123")));
    OK(patter_call_options_set_callee(opts, S("+15555550100")));
    OK(patter_call_options_set_telephony_provider(opts, S("twilio")));
    OK(patter_call_options_set_agent_provider(opts, S("pipeline")));
    OK(patter_call_options_set_agent_model(opts, S("gpt-4o-mini")));
    OK(patter_call_options_set_agent_voice(opts, S("rachel")));
    OK(patter_call_options_set_agent_language(opts, S("en-US")));
    OK(patter_call_options_set_agent_stt_provider(opts, S("deepgram")));
    OK(patter_call_options_set_agent_tts_provider(opts, S("elevenlabs")));
    OK(patter_call_options_set_agent_llm_provider(opts, S("openai")));
    OK(patter_call_options_set_clock(opts, clock));
    OK(patter_call_options_set_sequential_ids(opts, 42));
    /* Pricing: the built-in rates with one override. */
    patter_pricing_t *pricing = NULL;
    OK(patter_pricing_with_overrides_json(NULL, S("{\"tts\": {\"elevenlabs\": {\"price\": 1000}}}"),
                                          &pricing));
    double usd = 0;
    OK(patter_pricing_cost(pricing, PATTER_COST_TTS, S("elevenlabs"), NULL, 0, 0, 1000, &usd));
    CHECK(usd == 1000.0);
    OK(patter_pricing_llm_cost(pricing, S("openai"), S("gpt-4o-mini"), 1000000, 0, 0, &usd));
    CHECK(usd > 0);
    OK(patter_call_options_set_pricing(opts, pricing));
    OK(patter_pricing_free(pricing)); /* the options keep the table */
    /* Persistence: a logger writing under $PATTER_TEST_LOG_DIR, and a store. */
    const char *log_dir = getenv("PATTER_TEST_LOG_DIR");
    CHECK(log_dir != NULL);
    patter_call_logger_t *logger = NULL;
    OK(patter_call_logger_new(PATTER_PERSIST_PATH, log_dir, log_dir ? strlen(log_dir) : 0, &logger));
    bool log_on = false;
    OK(patter_call_logger_enabled(logger, &log_on));
    CHECK(log_on);
    char *root = NULL;
    OK(patter_call_logger_root(logger, &root));
    CHECK(root != NULL && log_dir != NULL && strcmp(root, log_dir) == 0);
    patter_string_free(root);
    OK(patter_call_options_set_logger(opts, logger));
    patter_metrics_store_t *store = NULL;
    OK(patter_metrics_store_new(0, &store));
    OK(patter_call_options_set_store(opts, store));

    patter_call_t *call = NULL;
    OK(patter_call_start(opts, &call));
    OK(patter_call_options_free(opts));

    char *trace_id = NULL;
    OK(patter_call_trace_id(call, &trace_id));
    bool recording = false;
    OK(patter_call_is_recording(call, &recording));
    CHECK(recording);
    char *side = NULL;
    OK(patter_call_side(call, &side));
    CHECK(side != NULL && strcmp(side, "uut") == 0);
    patter_string_free(side);

    /* Turn 1: stt, endpoint, llm with a tool round, tts. */
    uint32_t turn = 0;
    OK(patter_call_start_turn(call, &turn));
    CHECK(turn == 1);
    patter_span_t *stt = NULL;
    OK(patter_call_stt(call, S("deepgram"), S("nova-3"), &stt));
    OK(patter_clock_advance_ms(clock, 250));
    const char utterance[] = "Hi, I'd like to check the balance on account 4111-2222. \xc3\xa9";
    OK(patter_span_transcript(stt, utterance, sizeof utterance - 1, &(double){0.94}, &(double){2.0}));
    OK(patter_span_end(stt));
    int32_t kind = -1;
    OK(patter_span_get_kind(stt, &kind));
    CHECK(kind == PATTER_SPAN_STT);
    uint32_t span_turn = 0;
    OK(patter_span_turn(stt, &span_turn));
    CHECK(span_turn == 1);
    bool ended = false;
    OK(patter_span_is_ended(stt, &ended));
    CHECK(ended);
    OK(patter_span_free(stt));

    patter_span_t *ep = NULL;
    OK(patter_call_endpoint(call, &ep));
    OK(patter_clock_advance_ms(clock, 120));
    OK(patter_span_silence_ms(ep, 120.0));
    OK(patter_span_free(ep)); /* free ends an open span */

    patter_span_t *llm = NULL;
    OK(patter_call_llm(call, S("openai"), S("gpt-4o-mini"), 2, &llm));
    OK(patter_clock_advance_ms(clock, 180));
    OK(patter_span_first_token(llm));
    OK(patter_span_usage(llm, 310, 28, 0));
    OK(patter_span_end(llm));
    OK(patter_span_free(llm));

    patter_span_t *tool = NULL;
    OK(patter_call_tool(call, S("lookup_balance"), S("handler"), S("{\"account\":\"4111-2222\"}"),
                        S("call_balance_1"), &tool));
    OK(patter_clock_advance_ms(clock, 90));
    OK(patter_span_tool_result(tool, S("{\"balance\":1234.56}")));
    OK(patter_span_end(tool));
    OK(patter_span_free(tool));

    patter_span_t *llm2 = NULL;
    OK(patter_call_llm(call, S("openai"), NULL, 0, 4, &llm2));
    OK(patter_clock_advance_ms(clock, 150));
    OK(patter_span_first_token(llm2));
    OK(patter_span_usage(llm2, 380, 22, 256));
    OK(patter_span_end(llm2));
    OK(patter_span_free(llm2));

    patter_span_t *tts = NULL;
    OK(patter_call_tts(call, S("elevenlabs"), S("Your balance is $1,234.56."), S("eleven_flash_v2_5"),
                       &tts));
    OK(patter_clock_advance_ms(clock, 90));
    OK(patter_span_first_byte(tts));
    OK(patter_clock_advance_ms(clock, 700));
    OK(patter_span_end(tts));
    OK(patter_span_free(tts));
    OK(patter_call_end_turn(call));
    OK(patter_call_current_turn(call, &turn));
    CHECK(turn == 0);

    /* Turn 2: the caller barges in on the agent. */
    OK(patter_clock_advance_ms(clock, 400));
    OK(patter_call_tts(call, S("elevenlabs"), S("Friday at 3 pm is free, shall I book it?"), NULL, 0,
                       &tts));
    OK(patter_call_current_turn(call, &turn));
    CHECK(turn == 2);
    OK(patter_clock_advance_ms(clock, 90));
    OK(patter_span_first_byte(tts));
    OK(patter_clock_advance_ms(clock, 400));
    patter_span_t *barge = NULL;
    const double heard_ms = 400;
    OK(patter_call_bargein(call, S("shall I book it?"), &heard_ms, &barge));
    OK(patter_clock_advance_ms(clock, 40));
    OK(patter_span_end(tts));
    OK(patter_span_end(barge));
    OK(patter_span_free(barge));
    OK(patter_span_free(tts));

    OK(patter_call_error(call, S("tts_timeout"), S("synthesis took too long"), false));
    OK(patter_call_event(call, S("dtmf"), S("{\"digit\":\"5\",\"n\":1}")));
    OK(patter_call_event(call, S("hold"), NULL, 0));

    char *active = NULL;
    OK(patter_metrics_store_get_active_calls_json(store, &active));
    CHECK(strstr(active, "CA-c-0001") != NULL);
    patter_string_free(active);

    char *cost = NULL, *usage = NULL;
    OK(patter_call_cost_json(call, &cost));
    OK(patter_call_usage_json(call, &usage));
    CHECK(strstr(usage, "\"llm_input_tokens\":690") != NULL);
    CHECK(strstr(cost, "\"total\"") != NULL);
    patter_string_free(cost);
    patter_string_free(usage);

    /* Span left open across the call's end: the end ends it. */
    patter_span_t *dangling = NULL;
    OK(patter_call_stt(call, S("deepgram"), NULL, 0, &dangling));

    EXPECT(PATTER_STATUS_STATE, patter_call_end_record_json(call, &cost));
    OK(patter_clock_advance_ms(clock, 1000));
    char *end_json = NULL;
    OK(patter_call_end(call, NULL, 0, &end_json));
    CHECK(end_json != NULL && strstr(end_json, "\"status\":\"completed\"") != NULL);
    CHECK(end_json != NULL && strstr(end_json, "\"turns\":3") != NULL);
    char *end_again = NULL;
    OK(patter_call_end_record_json(call, &end_again));
    CHECK(end_again != NULL && end_json != NULL && strcmp(end_json, end_again) == 0);
    patter_string_free(end_again);
    OK(patter_call_is_ended(call, &ended));
    CHECK(ended);

    /* Use after end: every operation is a STATE error, nothing changes. */
    EXPECT(PATTER_STATUS_STATE, patter_call_end(call, NULL, 0, NULL));
    EXPECT(PATTER_STATUS_STATE, patter_call_start_turn(call, NULL));
    EXPECT(PATTER_STATUS_STATE, patter_call_end_turn(call));
    patter_span_t *late = NULL;
    EXPECT(PATTER_STATUS_STATE, patter_call_stt(call, S("deepgram"), NULL, 0, &late));
    CHECK(late == NULL);
    EXPECT(PATTER_STATUS_STATE, patter_call_tts(call, S("x"), S("y"), NULL, 0, &late));
    EXPECT(PATTER_STATUS_STATE, patter_call_error(call, S("x"), NULL, 0, true));
    EXPECT(PATTER_STATUS_STATE, patter_call_event(call, S("x"), NULL, 0));
    EXPECT(PATTER_STATUS_STATE, patter_span_transcript(dangling, S("late"), &(double){0.5}, &(double){1.0}));
    OK(patter_span_end(dangling)); /* ending an ended span is a no-op */
    OK(patter_span_free(dangling));
    CHECK(strlen(patter_last_error()) > 0);

    /* A call dropped without end: recorded as abandoned. */
    OK(patter_call_options_new(S("CA-c-0002"), PATTER_DIRECTION_OUTBOUND, S("openai_realtime"),
                               &opts));
    OK(patter_call_options_set_realtime(opts, S("openai_realtime"), S("gpt-realtime")));
    OK(patter_call_options_set_clock(opts, clock));
    OK(patter_call_options_set_sequential_ids(opts, 43));
    OK(patter_call_options_set_logger(opts, logger));
    OK(patter_call_options_set_store(opts, store));
    patter_call_t *abandoned = NULL;
    OK(patter_call_start(opts, &abandoned));
    OK(patter_call_options_free(opts));
    OK(patter_clock_free(clock)); /* the call keeps its clock */
    OK(patter_call_free(abandoned));

    /* The records: flushed to disk, in the live store, and back from disk into a new store. */
    OK(patter_call_logger_flush(logger));
    bool flush_done = false;
    OK(patter_call_logger_flush_timeout(logger, 5000, &flush_done));
    CHECK(flush_done);
    char *log_stats = NULL;
    OK(patter_call_logger_stats_json(logger, &log_stats));
    CHECK(strstr(log_stats, "\"errors\":0") != NULL && strstr(log_stats, "\"dropped\":0") != NULL);
    patter_string_free(log_stats);
    size_t held = 0, cap = 0;
    OK(patter_metrics_store_len(store, &held, &cap));
    CHECK(held == 2 && cap == 500);
    char *live = NULL;
    OK(patter_metrics_store_get_call_json(store, S("CA-c-0001"), &live));
    EXPECT(PATTER_STATUS_NOT_FOUND, patter_metrics_store_get_call_json(store, S("CA-nope"), &active));
    patter_metrics_store_t *hydrated = NULL;
    OK(patter_metrics_store_new(10, &hydrated));
    size_t loaded = 0;
    char *report = NULL;
    OK(patter_metrics_store_hydrate(hydrated, log_dir, log_dir ? strlen(log_dir) : 0, &loaded, &report));
    CHECK(loaded == 2);
    OK(patter_metrics_store_hydrate(hydrated, log_dir, log_dir ? strlen(log_dir) : 0, &loaded, NULL));
    CHECK(loaded == 0); /* idempotent */
    char *calls = NULL, *from_disk = NULL, *aggregates = NULL;
    OK(patter_metrics_store_get_calls_json(hydrated, 10, 0, &calls));
    OK(patter_metrics_store_get_call_json(hydrated, S("CA-c-0001"), &from_disk));
    OK(patter_metrics_store_get_aggregates_json(hydrated, &aggregates));
    OK(patter_metrics_store_free(hydrated));
    OK(patter_metrics_store_free(store));
    OK(patter_call_logger_free(logger));

    bool flushed = false;
    OK(patter_force_flush(10000, &flushed));
    CHECK(flushed);
    char *stats = NULL;
    OK(patter_tracing_stats_json(&stats));
    OK(patter_shutdown_tracing());
    OK(patter_shutdown_tracing()); /* twice is fine */

    pthread_mutex_lock(&sink.lock);
    CHECK(sink.released == 1);
    CHECK(sink.batches > 0);
    CHECK(sink.protobuf_bytes > 0);
    printf("{\"enabled\":%s,\"trace_id\":\"%s\",\"callback_spans\":%d,\"callback_call_spans\":%d,"
           "\"released\":%d,\"end\":%s,\"stats\":%s,\"hydrate_report\":%s,\"calls\":%s,"
           "\"live_call\":%s,\"disk_call\":%s,\"aggregates\":%s}\n",
           enabled ? "true" : "false", trace_id ? trace_id : "", sink.json_spans, sink.call_spans,
           sink.released, end_json ? end_json : "null", stats ? stats : "null",
           report ? report : "null", calls ? calls : "null", live ? live : "null",
           from_disk ? from_disk : "null", aggregates ? aggregates : "null");
    pthread_mutex_unlock(&sink.lock);
    if (sink.pb_out != NULL) {
        fclose(sink.pb_out);
    }
    pthread_mutex_destroy(&sink.lock);
    patter_string_free(trace_id);
    patter_string_free(end_json);
    patter_string_free(stats);
    patter_string_free(report);
    patter_string_free(calls);
    patter_string_free(live);
    patter_string_free(from_disk);
    patter_string_free(aggregates);
    OK(patter_call_free(call));
    return check_done("test_full_call");
}
