/*
 * A minimal JSON reader for the C conformance runner (scenario files only): objects, arrays,
 * strings (all escapes, \u0000 and surrogate pairs included, kept with their byte length),
 * numbers, booleans and null. Not a general-purpose parser: inputs are trusted test files, but
 * malformed input is still reported, never read out of bounds.
 */
#ifndef PATTER_TEST_JSON_H
#define PATTER_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json {
    json_type type;
    bool boolean;
    double number;
    char *str; /* JSON_STRING: bytes (NUL-terminated, may contain NUL), length in len */
    size_t len;
    size_t n;           /* JSON_ARRAY / JSON_OBJECT: number of items */
    struct json *items; /* the values */
    char **keys;        /* JSON_OBJECT: the keys (NUL-terminated) */
} json;

typedef struct {
    const char *p;
    const char *end;
    const char *error;
} json_parser;

static void json_free(json *v) {
    if (v == NULL) {
        return;
    }
    free(v->str);
    for (size_t i = 0; i < v->n; i++) {
        json_free(&v->items[i]);
        if (v->keys != NULL) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

static void json_ws(json_parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) {
        ps->p++;
    }
}

static int json_hex4(json_parser *ps, uint32_t *out) {
    if (ps->end - ps->p < 4) {
        return -1;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = ps->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (uint32_t)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (uint32_t)(c - 'A' + 10);
        } else {
            return -1;
        }
    }
    ps->p += 4;
    *out = v;
    return 0;
}

static size_t json_utf8(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Parses a string (the opening quote is at ps->p) into a malloc'd buffer. */
static int json_string(json_parser *ps, char **out, size_t *out_len) {
    ps->p++; /* opening quote */
    /* The decoded string is never longer than its source. */
    const char *q = ps->p;
    while (q < ps->end && *q != '"') {
        q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
    }
    if (q >= ps->end) {
        ps->error = "unterminated string";
        return -1;
    }
    char *buf = malloc((size_t)(q - ps->p) + 1);
    if (buf == NULL) {
        ps->error = "out of memory";
        return -1;
    }
    size_t n = 0;
    while (ps->p < q) {
        char c = *ps->p++;
        if (c != '\\') {
            buf[n++] = c;
            continue;
        }
        char e = *ps->p++;
        uint32_t cp;
        switch (e) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u':
            if (json_hex4(ps, &cp) != 0) {
                goto bad;
            }
            if (cp >= 0xd800 && cp < 0xdc00) {
                uint32_t lo;
                if (q - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                    goto bad;
                }
                ps->p += 2;
                if (json_hex4(ps, &lo) != 0 || lo < 0xdc00 || lo >= 0xe000) {
                    goto bad;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            n += json_utf8(cp, buf + n); /* \uXXXX: 6 source bytes, at most 4 out */
            break;
        default:
            goto bad;
        }
    }
    ps->p = q + 1;
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
bad:
    free(buf);
    ps->error = "bad escape in string";
    return -1;
}

static int json_value(json_parser *ps, json *v, int depth);

static int json_push(json_parser *ps, json *v, size_t *cap, bool with_key) {
    if (v->n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        json *items = realloc(v->items, c * sizeof *items);
        if (items == NULL) {
            ps->error = "out of memory";
            return -1;
        }
        v->items = items;
        if (with_key) {
            char **keys = realloc(v->keys, c * sizeof *keys);
            if (keys == NULL) {
                ps->error = "out of memory";
                return -1;
            }
            v->keys = keys;
        }
        *cap = c;
    }
    memset(&v->items[v->n], 0, sizeof v->items[v->n]);
    if (with_key) {
        v->keys[v->n] = NULL;
    }
    v->n++;
    return 0;
}

static int json_value(json_parser *ps, json *v, int depth) {
    memset(v, 0, sizeof *v);
    if (depth > 64) {
        ps->error = "too deep";
        return -1;
    }
    json_ws(ps);
    if (ps->p >= ps->end) {
        ps->error = "unexpected end";
        return -1;
    }
    char c = *ps->p;
    if (c == '"') {
        v->type = JSON_STRING;
        return json_string(ps, &v->str, &v->len);
    }
    if (c == '{' || c == '[') {
        bool obj = c == '{';
        v->type = obj ? JSON_OBJECT : JSON_ARRAY;
        ps->p++;
        size_t cap = 0;
        json_ws(ps);
        if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
            ps->p++;
            return 0;
        }
        for (;;) {
            if (json_push(ps, v, &cap, obj) != 0) {
                return -1;
            }
            if (obj) {
                json_ws(ps);
                size_t klen;
                if (ps->p >= ps->end || *ps->p != '"' ||
                    json_string(ps, &v->keys[v->n - 1], &klen) != 0) {
                    if (ps->error == NULL) {
                        ps->error = "expected a key";
                    }
                    return -1;
                }
                json_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') {
                    ps->error = "expected ':'";
                    return -1;
                }
                ps->p++;
            }
            if (json_value(ps, &v->items[v->n - 1], depth + 1) != 0) {
                return -1;
            }
            json_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
                ps->p++;
                return 0;
            }
            ps->error = "expected ',' or a closing bracket";
            return -1;
        }
    }
    if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0) {
        v->type = JSON_BOOL;
        v->boolean = true;
        ps->p += 4;
        return 0;
    }
    if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0) {
        v->type = JSON_BOOL;
        ps->p += 5;
        return 0;
    }
    if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
        v->type = JSON_NULL;
        ps->p += 4;
        return 0;
    }
    char num[64];
    size_t k = 0;
    while (ps->p + k < ps->end && k < sizeof num - 1 && strchr("+-0123456789.eE", ps->p[k]) != NULL) {
        num[k] = ps->p[k];
        k++;
    }
    num[k] = '\0';
    char *endp = NULL;
    v->type = JSON_NUMBER;
    v->number = strtod(num, &endp);
    if (k == 0 || endp != num + k) {
        ps->error = "bad value";
        return -1;
    }
    ps->p += k;
    return 0;
}

/* Parses `len` bytes of `text` into `out`; returns NULL on success, else the error. */
static const char *json_parse(const char *text, size_t len, json *out) {
    json_parser ps = {text, text + len, NULL};
    if (json_value(&ps, out, 0) != 0) {
        json_free(out);
        return ps.error ? ps.error : "parse error";
    }
    json_ws(&ps);
    if (ps.p != ps.end) {
        json_free(out);
        return "trailing data";
    }
    return NULL;
}

/* The member `key` of object `v`, or NULL. */
static const json *json_get(const json *v, const char *key) {
    if (v == NULL || v->type != JSON_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < v->n; i++) {
        if (strcmp(v->keys[i], key) == 0) {
            return &v->items[i];
        }
    }
    return NULL;
}

/* The string member `key` of `v`, or NULL (with its length in *len). */
static const char *json_str(const json *v, const char *key, size_t *len) {
    const json *m = json_get(v, key);
    if (m == NULL || m->type != JSON_STRING) {
        *len = 0;
        return NULL;
    }
    *len = m->len;
    return m->str;
}

/* The number member `key` of `v`, or `dflt`. */
static double json_num(const json *v, const char *key, double dflt) {
    const json *m = json_get(v, key);
    return (m != NULL && m->type == JSON_NUMBER) ? m->number : dflt;
}

#endif
