/*
 * libpatter from C: one short call, traced and priced.
 *
 * Build against an installed libpatter:
 *     cc example.c $(pkg-config --cflags --libs patter) -Wl,-rpath,$PREFIX/lib -o example
 * Run (spans go to an OTLP/HTTP collector on localhost:4318 when tracing is enabled):
 *     PATTER_OTEL_ENABLED=1 ./example
 */
#include <patter.h>
#include <stdio.h>
#include <string.h>

/* Pointer + length of a string literal. */
#define S(lit) (lit), (sizeof(lit) - 1)

/* Prints the failure and jumps to cleanup. */
#define TRY(expr)                                                                           \
    do {                                                                                    \
        patter_status st_ = (expr);                                                         \
        if (st_ != PATTER_STATUS_OK) {                                                      \
            fprintf(stderr, "%s failed: %s: %s\n", #expr, patter_status_string(st_),        \
                    patter_last_error());                                                   \
            goto done;                                                                      \
        }                                                                                   \
    } while (0)

int main(void) {
    int rc = 1;
    patter_call_options_t *opts = NULL;
    patter_call_t *call = NULL;
    patter_span_t *span = NULL;
    char *end = NULL;

    if (patter_abi_version() != PATTER_ABI_VERSION) {
        fprintf(stderr, "libpatter ABI %u, header ABI %u\n", patter_abi_version(), PATTER_ABI_VERSION);
        return 1;
    }
    bool tracing = false;
    TRY(patter_init_tracing(NULL, &tracing));

    TRY(patter_call_options_new(S("CA-example-1"), PATTER_DIRECTION_INBOUND, S("pipeline"), &opts));
    TRY(patter_call_options_set_telephony_provider(opts, S("twilio")));
    TRY(patter_call_start(opts, &call));

    TRY(patter_call_stt(call, S("deepgram"), S("nova-3"), &span));
    TRY(patter_span_transcript(span, S("What time do you open tomorrow?"), &(double){0.97}, &(double){1.8}));
    TRY(patter_span_free(span)); /* freeing an open span ends it */
    span = NULL;

    TRY(patter_call_llm(call, S("openai"), S("gpt-4o-mini"), 2, &span));
    TRY(patter_span_first_token(span));
    TRY(patter_span_usage(span, 120, 18, 0));
    TRY(patter_span_free(span));
    span = NULL;

    TRY(patter_call_tts(call, S("elevenlabs"), S("We open at nine."), NULL, 0, &span));
    TRY(patter_span_first_byte(span));
    TRY(patter_span_free(span));
    span = NULL;

    TRY(patter_call_end(call, NULL, 0, &end));
    printf("tracing %s; call ended: %s\n", tracing ? "on" : "off", end);
    rc = 0;

done:
    patter_string_free(end);
    patter_span_free(span);
    patter_call_free(call);
    patter_call_options_free(opts);
    patter_shutdown_tracing();
    return rc;
}
