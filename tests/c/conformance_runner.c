/*
 * Conformance runner for C: reads a scenario (a file in tests/conformance/scenarios/) and drives
 * libpatter's public C API step by step with a manual clock and seeded ids, exactly as the
 * Rust runner (core/examples/conformance_runner.rs) drives the core. Tracing, the call log and
 * their destinations come from the environment the harness sets.
 *
 * Usage: conformance_runner_c SCENARIO.json        (built by `make conformance-runner-c`)
 */
#include <math.h>
#include <stdio.h>

#include "json.h"
#include "patter.h"

#define MAX_SPANS 64

static const char *scenario_path = "";

static void die(const char *what, const char *detail) {
    fprintf(stderr, "conformance_runner_c: %s: %s: %s\n", scenario_path, what, detail);
    exit(1);
}

/* Runs a libpatter call and dies with its error if it fails. */
#define MUST(what, expr)                                                                       \
    do {                                                                                       \
        patter_status st_ = (expr);                                                            \
        if (st_ != PATTER_STATUS_OK) {                                                         \
            char msg_[512];                                                                    \
            snprintf(msg_, sizeof msg_, "%s: %s", patter_status_string(st_), patter_last_error()); \
            die(what, msg_);                                                                   \
        }                                                                                      \
    } while (0)

/* A required string member: pointer and length. */
static const char *req(const json *v, const char *key, size_t *len) {
    const char *s = json_str(v, key, len);
    if (s == NULL) {
        die("missing string", key);
    }
    return s;
}

struct named_span {
    char *name;
    patter_span_t *span;
};

static struct named_span spans[MAX_SPANS];

static patter_span_t *find_span(const json *ev) {
    size_t len;
    const char *name = req(ev, "span", &len);
    for (int i = 0; i < MAX_SPANS; i++) {
        if (spans[i].name != NULL && strcmp(spans[i].name, name) == 0) {
            return spans[i].span;
        }
    }
    die("unknown span", name);
    return NULL;
}

/* Registers a span under the event's name, replacing (and freeing) one of the same name. */
static void put_span(const json *ev, patter_span_t *span) {
    size_t len;
    const char *name = req(ev, "span", &len);
    int slot = -1;
    for (int i = 0; i < MAX_SPANS; i++) {
        if (spans[i].name != NULL && strcmp(spans[i].name, name) == 0) {
            patter_span_free(spans[i].span);
            spans[i].span = span;
            return;
        }
        if (spans[i].name == NULL && slot < 0) {
            slot = i;
        }
    }
    if (slot < 0) {
        die("too many spans", name);
    }
    spans[slot].name = malloc(len + 1);
    if (spans[slot].name == NULL) {
        die("out of memory", name);
    }
    memcpy(spans[slot].name, name, len + 1);
    spans[slot].span = span;
}

/* Ends the named span and forgets it (as the Rust runner drops it). */
static void end_span(const json *ev) {
    size_t len;
    const char *name = req(ev, "span", &len);
    for (int i = 0; i < MAX_SPANS; i++) {
        if (spans[i].name != NULL && strcmp(spans[i].name, name) == 0) {
            MUST("end", patter_span_end(spans[i].span));
            MUST("free span", patter_span_free(spans[i].span));
            free(spans[i].name);
            spans[i].name = NULL;
            spans[i].span = NULL;
            return;
        }
    }
    die("unknown span", name);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        die("cannot open", path);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL) {
        die("out of memory", path);
    }
    *len = n;
    return buf;
}

typedef patter_status (*string_setter)(patter_call_options_t *, const char *, size_t);

static void set_opt(patter_call_options_t *o, const json *obj, const char *key, string_setter set) {
    size_t len;
    const char *s = json_str(obj, key, &len);
    if (s != NULL) {
        MUST(key, set(o, s, len));
    }
}

/* A number field: a JSON number, or "NaN" / "inf" / "-inf" (what JSON cannot carry), the same
 * encoding in every runner. Returns NULL when the field is absent (the argument is omitted). */
static const double *opt_num(const json *ev, const char *key, double *out) {
    const json *v = json_get(ev, key);
    if (v == NULL) {
        return NULL;
    }
    if (v->type == JSON_NUMBER) {
        *out = v->number;
    } else if (v->type == JSON_STRING && strcmp(v->str, "NaN") == 0) {
        *out = NAN;
    } else if (v->type == JSON_STRING && strcmp(v->str, "inf") == 0) {
        *out = INFINITY;
    } else if (v->type == JSON_STRING && strcmp(v->str, "-inf") == 0) {
        *out = -INFINITY;
    } else {
        die("bad number", key);
    }
    return out;
}

/* An optional count: NULL when the field is absent (the argument is omitted). */
static const uint64_t *opt_count(const json *ev, const char *key, uint64_t *out) {
    const json *v = json_get(ev, key);
    if (v == NULL) {
        return NULL;
    }
    if (v->type != JSON_NUMBER) {
        die("bad integer", key);
    }
    *out = (uint64_t)v->number;
    return out;
}

static double num(const json *ev, const char *key) {
    double v;
    if (opt_num(ev, key, &v) == NULL) {
        die("missing number", key);
    }
    return v;
}

/* Returns the status of a libpatter call from run_event when it fails. */
#define TRY(expr)                                                                              \
    do {                                                                                       \
        patter_status st_ = (expr);                                                            \
        if (st_ != PATTER_STATUS_OK) {                                                         \
            return st_;                                                                        \
        }                                                                                      \
    } while (0)

static patter_call_options_t *call_options = NULL;
static const json *scenario = NULL;

static patter_status run_event(patter_call_t *call, const json *ev) {
    size_t l1, l2, l3, l4;
    const char *op = req(ev, "op", &l1);
    const char *a, *b, *c;
    patter_span_t *s = NULL;
    if (strcmp(op, "start_duplicate") == 0) {
        patter_call_t *dup = NULL;
        TRY(patter_call_start(call_options, &dup));
        patter_call_free(dup);
    } else if (strcmp(op, "start_other") == 0) {
        /* Options of another call with the scenario call's direction and mode; the setters check
         * the headers as patter_call_start does (the same core rule, the same message). */
        patter_call_options_t *other = NULL;
        patter_call_t *started = NULL;
        const json *call_json = json_get(scenario, "call");
        a = req(ev, "call_id", &l1);
        b = req(call_json, "provider_mode", &l2);
        c = req(call_json, "direction", &l3);
        patter_status st = patter_call_options_new(a, l1, strcmp(c, "inbound") == 0 ? PATTER_DIRECTION_INBOUND
                                                                                   : PATTER_DIRECTION_OUTBOUND,
                                                   b, l2, &other);
        if (st == PATTER_STATUS_OK && (a = json_str(ev, "traceparent", &l1)) != NULL) {
            st = patter_call_options_set_traceparent(other, a, l1);
        }
        if (st == PATTER_STATUS_OK && (a = json_str(ev, "tracestate", &l1)) != NULL) {
            st = patter_call_options_set_tracestate(other, a, l1);
        }
        if (st == PATTER_STATUS_OK) {
            st = patter_call_start(other, &started);
        }
        patter_call_free(started);
        patter_call_options_free(other);
        TRY(st);
    } else if (strcmp(op, "traceparent") == 0) {
        char *header = NULL;
        const char *of = json_str(ev, "span", &l1);
        if (of == NULL) {
            of = "call";
            TRY(patter_call_traceparent(call, &header));
        } else {
            TRY(patter_span_traceparent(find_span(ev), &header));
        }
        char data[512];
        int n = header == NULL ? snprintf(data, sizeof data, "{\"of\":\"%s\",\"traceparent\":null}", of)
                               : snprintf(data, sizeof data, "{\"of\":\"%s\",\"traceparent\":\"%s\"}", of, header);
        patter_string_free(header);
        TRY(patter_call_event(call, "traceparent", strlen("traceparent"), data, (size_t)n));
    } else if (strcmp(op, "audio_played") == 0) {
        TRY(patter_span_audio_played_ms(find_span(ev), num(ev, "ms")));
    } else if (strcmp(op, "start_turn") == 0) {
        TRY(patter_call_start_turn(call, NULL));
    } else if (strcmp(op, "end_turn") == 0) {
        TRY(patter_call_end_turn(call));
    } else if (strcmp(op, "stt") == 0) {
        a = req(ev, "provider", &l1);
        b = json_str(ev, "model", &l2);
        TRY(patter_call_stt(call, a, l1, b, l2, &s));
        put_span(ev, s);
    } else if (strcmp(op, "endpoint") == 0) {
        TRY(patter_call_endpoint(call, &s));
        put_span(ev, s);
    } else if (strcmp(op, "llm") == 0) {
        a = req(ev, "provider", &l1);
        b = json_str(ev, "model", &l2);
        TRY(patter_call_llm(call, a, l1, b, l2, (uint64_t)json_num(ev, "history_size", 0), &s));
        put_span(ev, s);
    } else if (strcmp(op, "record_llm") == 0) {
        double ttft;
        uint64_t history, input, output, cached;
        a = req(ev, "provider", &l1);
        b = json_str(ev, "model", &l2);
        TRY(patter_call_record_llm(call, a, l1, num(ev, "duration_ms"), b, l2, opt_count(ev, "history_size", &history),
                                   opt_num(ev, "ttft_ms", &ttft), opt_count(ev, "input_tokens", &input),
                                   opt_count(ev, "output_tokens", &output),
                                   opt_count(ev, "cached_input_tokens", &cached)));
    } else if (strcmp(op, "tts") == 0) {
        a = req(ev, "provider", &l1);
        b = req(ev, "text", &l2);
        c = json_str(ev, "model", &l3);
        TRY(patter_call_tts(call, a, l1, b, l2, c, l3, &s));
        put_span(ev, s);
    } else if (strcmp(op, "bargein") == 0) {
        double played;
        a = req(ev, "cancelled_text", &l1);
        TRY(patter_call_bargein(call, a, l1, opt_num(ev, "audio_played_ms", &played), &s));
        put_span(ev, s);
    } else if (strcmp(op, "tool") == 0) {
        a = req(ev, "name", &l1);
        b = json_str(ev, "transport", &l2);
        c = json_str(ev, "arguments", &l3);
        const char *id = json_str(ev, "tool_call_id", &l4);
        TRY(patter_call_tool(call, a, l1, b, l2, c, l3, id, l4, &s));
        put_span(ev, s);
    } else if (strcmp(op, "transcript") == 0) {
        double conf, secs;
        a = req(ev, "text", &l1);
        TRY(patter_span_transcript(find_span(ev), a, l1, opt_num(ev, "confidence", &conf),
                                   opt_num(ev, "audio_seconds", &secs)));
    } else if (strcmp(op, "silence") == 0) {
        TRY(patter_span_silence_ms(find_span(ev), num(ev, "ms")));
    } else if (strcmp(op, "first_token") == 0) {
        TRY(patter_span_first_token(find_span(ev)));
    } else if (strcmp(op, "first_byte") == 0) {
        TRY(patter_span_first_byte(find_span(ev)));
    } else if (strcmp(op, "usage") == 0) {
        /* C has no optional integers: an omitted count is 0, the core's default. */
        TRY(patter_span_usage(find_span(ev), (uint64_t)json_num(ev, "input_tokens", 0),
                              (uint64_t)json_num(ev, "output_tokens", 0),
                              (uint64_t)json_num(ev, "cached_input_tokens", 0)));
    } else if (strcmp(op, "tool_result") == 0) {
        a = req(ev, "result", &l1);
        TRY(patter_span_tool_result(find_span(ev), a, l1));
    } else if (strcmp(op, "fail") == 0) {
        a = req(ev, "code", &l1);
        TRY(patter_span_fail(find_span(ev), a, l1));
    } else if (strcmp(op, "end") == 0) {
        end_span(ev);
    } else if (strcmp(op, "error") == 0) {
        a = req(ev, "code", &l1);
        b = req(ev, "message", &l2);
        const json *fatal = json_get(ev, "fatal");
        TRY(patter_call_error(call, a, l1, b, l2, fatal != NULL && fatal->type == JSON_BOOL && fatal->boolean));
    } else if (strcmp(op, "end_call") == 0) {
        a = req(ev, "outcome", &l1);
        if (strcmp(a, "completed") == 0) {
            TRY(patter_call_end(call, NULL, 0, NULL));
        } else {
            b = req(ev, "error", &l2);
            TRY(patter_call_end(call, b, l2, NULL));
        }
    } else {
        die("unknown op", op);
    }
    return PATTER_STATUS_OK;
}

/* Appends `s` to `out` as a JSON string body (quotes, backslashes, control characters escaped). */
static size_t json_escape(char *out, size_t cap, const char *s) {
    size_t n = 0;
    for (; *s != '\0' && n + 7 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[n++] = '\\';
            out[n++] = (char)ch;
        } else if (ch < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", ch);
        } else {
            out[n++] = (char)ch;
        }
    }
    out[n] = '\0';
    return n;
}

/* The canonical name of a status, as every runner writes it. */
static const char *code_of(patter_status st) {
    switch (st) {
    case PATTER_STATUS_INVALID_ARGUMENT:
        return "invalid_argument";
    case PATTER_STATUS_STATE:
        return "state";
    default:
        return "other";
    }
}

/* Runs one event; an event with `expect_error` must fail with that code, recorded as an
 * `expected_error` event (op, code, message) exactly as the other runners record it. */
static void run_checked(patter_call_t *call, patter_clock_t *clock, uint64_t start_ms, const json *ev) {
    MUST("clock", patter_clock_set_ms(clock, start_ms + (uint64_t)json_num(ev, "at", 0)));
    size_t l1, l2;
    const char *op = req(ev, "op", &l1);
    const char *want = json_str(ev, "expect_error", &l2);
    patter_status st = run_event(call, ev);
    if (st == PATTER_STATUS_OK && want == NULL) {
        return;
    }
    if (st == PATTER_STATUS_OK) {
        die("succeeded; expected", want);
    }
    if (want == NULL || strcmp(code_of(st), want) != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s", patter_status_string(st), patter_last_error());
        die(op, msg);
    }
    char data[2048], message[1024];
    json_escape(message, sizeof message, patter_last_error());
    int n = snprintf(data, sizeof data, "{\"op\":\"%s\",\"code\":\"%s\",\"message\":\"%s\"}", op, want, message);
    MUST("expected_error", patter_call_event(call, "expected_error", strlen("expected_error"), data, (size_t)n));
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: conformance_runner_c SCENARIO.json\n");
        return 2;
    }
    scenario_path = argv[1];
    size_t len;
    char *text = read_file(argv[1], &len);
    json sc;
    const char *err = json_parse(text, len, &sc);
    free(text);
    if (err != NULL) {
        die("scenario is not JSON", err);
    }
    const json *start = json_get(&sc, "start_ms");
    if (start == NULL || start->type != JSON_NUMBER) {
        die("missing number", "start_ms");
    }
    uint64_t start_ms = (uint64_t)start->number;

    patter_clock_t *clock = NULL;
    MUST("clock", patter_manual_clock_new(start_ms, &clock));
    MUST("init_tracing", patter_init_tracing(NULL, NULL));
    patter_call_logger_t *logger = NULL;
    MUST("logger", patter_call_logger_from_env(&logger));

    scenario = &sc;
    const json *c = json_get(&sc, "call");
    size_t l1, l2, l3;
    const char *id = req(c, "call_id", &l1);
    const char *dir = req(c, "direction", &l2);
    const char *mode = req(c, "provider_mode", &l3);
    int32_t direction = strcmp(dir, "inbound") == 0    ? PATTER_DIRECTION_INBOUND
                        : strcmp(dir, "outbound") == 0 ? PATTER_DIRECTION_OUTBOUND
                                                       : -1;
    patter_call_options_t *o = NULL;
    MUST("options", patter_call_options_new(id, l1, direction, mode, l3, &o));
    call_options = o;
    set_opt(o, c, "side", patter_call_options_set_side);
    set_opt(o, c, "caller", patter_call_options_set_caller);
    set_opt(o, c, "callee", patter_call_options_set_callee);
    set_opt(o, c, "telephony_provider", patter_call_options_set_telephony_provider);
    set_opt(o, c, "traceparent", patter_call_options_set_traceparent);
    set_opt(o, c, "tracestate", patter_call_options_set_tracestate);
    const json *rt = json_get(c, "realtime");
    if (rt != NULL) {
        const char *p = req(rt, "provider", &l1);
        const char *m = json_str(rt, "model", &l2);
        MUST("realtime", patter_call_options_set_realtime(o, p, l1, m, l2));
    }
    const json *agent = json_get(c, "agent");
    if (agent != NULL) {
        set_opt(o, agent, "provider", patter_call_options_set_agent_provider);
        set_opt(o, agent, "model", patter_call_options_set_agent_model);
        set_opt(o, agent, "voice", patter_call_options_set_agent_voice);
        set_opt(o, agent, "language", patter_call_options_set_agent_language);
        set_opt(o, agent, "stt_provider", patter_call_options_set_agent_stt_provider);
        set_opt(o, agent, "tts_provider", patter_call_options_set_agent_tts_provider);
        set_opt(o, agent, "llm_provider", patter_call_options_set_agent_llm_provider);
    }
    MUST("clock", patter_call_options_set_clock(o, clock));
    MUST("ids", patter_call_options_set_sequential_ids(o, (uint64_t)json_num(&sc, "seed", 1)));
    MUST("logger", patter_call_options_set_logger(o, logger));
    patter_call_t *call = NULL;
    MUST("start call", patter_call_start(o, &call));

    const json *events = json_get(&sc, "events");
    if (events == NULL || events->type != JSON_ARRAY) {
        die("missing array", "events");
    }
    for (size_t i = 0; i < events->n; i++) {
        run_checked(call, clock, start_ms, &events->items[i]);
    }
    MUST("free options", patter_call_options_free(o));

    MUST("shutdown_tracing", patter_shutdown_tracing());
    MUST("flush logger", patter_call_logger_flush(logger));
    for (int i = 0; i < MAX_SPANS; i++) {
        if (spans[i].name != NULL) {
            patter_span_free(spans[i].span);
            free(spans[i].name);
        }
    }
    MUST("free call", patter_call_free(call));
    MUST("free logger", patter_call_logger_free(logger));
    MUST("free clock", patter_clock_free(clock));
    json_free(&sc);
    return 0;
}
