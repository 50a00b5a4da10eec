/* npy_header.c — a strict parser of the .npy header dictionary.
 *
 * The header is a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (490, 32), }
 * Keys may come in any order; every key must appear exactly once.
 */
#include "dsesweep/npy.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *p, *end;
} cursor_t;

static void skip_space(cursor_t *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int accept(cursor_t *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* Reads a quoted Python string into out (cap bytes incl. NUL). */
static int read_string(cursor_t *c, char *out, size_t cap)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return 0;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (n + 1 >= cap) return 0;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end) return 0;
    c->p++;
    out[n] = '\0';
    return 1;
}

static int read_uint(cursor_t *c, uint64_t *out)
{
    skip_space(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return 0;
    uint64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        uint64_t digit = (uint64_t)(*c->p - '0');
        if (v > (UINT64_MAX - digit) / 10) return 0;
        v = v * 10 + digit;
        c->p++;
    }
    /* Python 2 era writers emit "490L". */
    if (c->p < c->end && *c->p == 'L') c->p++;
    *out = v;
    return 1;
}

static int read_word(cursor_t *c, const char *word)
{
    skip_space(c);
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return 0;
    c->p += n;
    return 1;
}

static int parse_descr(const char *s, dse_dtype_t *dt)
{
    char order = s[0];
    if (order != '<' && order != '>' && order != '|' && order != '=') return 0;
    const char *t = s + 1;
    static const struct {
        const char *code;
        dse_dtype_kind_t kind;
        int size;
    } table[] = {{"f2", DSE_DT_F16, 2}, {"f4", DSE_DT_F32, 4}, {"f8", DSE_DT_F64, 8},
                 {"i1", DSE_DT_I8, 1},  {"i2", DSE_DT_I16, 2}, {"i4", DSE_DT_I32, 4},
                 {"i8", DSE_DT_I64, 8}, {"u1", DSE_DT_U8, 1},  {"u2", DSE_DT_U16, 2},
                 {"u4", DSE_DT_U32, 4}, {"u8", DSE_DT_U64, 8}, {"b1", DSE_DT_BOOL, 1}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
        if (strcmp(t, table[i].code) == 0) {
            dt->kind = table[i].kind;
            dt->size = table[i].size;
            dt->big_endian = (order == '>');
            return 1;
        }
    }
    return 0;
}

/* The magic, the version and the header length: sets major, minor and
 * data_offset, and the dictionary's span in buf. */
static int parse_prefix(const uint8_t *buf, size_t len, const char *name, dse_npy_header_t *hdr,
                        cursor_t *dict, dse_err_t *err)
{
    static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (len < 10)
        return DSE_RAISE(err, DSE_EFORMAT,
                         "%s: truncated header (%zu bytes; a .npy needs at least 10)", name, len);
    if (memcmp(buf, magic, 6) != 0)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: not a .npy file (bad magic bytes)", name);
    hdr->major = buf[6];
    hdr->minor = buf[7];
    uint64_t header_len, prefix;
    if (hdr->major == 1) {
        header_len = (uint64_t)buf[8] | ((uint64_t)buf[9] << 8);
        prefix = 10;
    } else if (hdr->major == 2 || hdr->major == 3) {
        if (len < 12)
            return DSE_RAISE(err, DSE_EFORMAT,
                             "%s: truncated header (%zu bytes; version %d needs 12)", name, len,
                             hdr->major);
        header_len = (uint64_t)buf[8] | ((uint64_t)buf[9] << 8) | ((uint64_t)buf[10] << 16) |
                     ((uint64_t)buf[11] << 24);
        prefix = 12;
    } else {
        return DSE_RAISE(err, DSE_EFORMAT, "%s: unsupported .npy format version %d.%d", name,
                         hdr->major, hdr->minor);
    }
    if (prefix + header_len > len)
        return DSE_RAISE(err, DSE_EFORMAT,
                         "%s: truncated header (header claims %llu bytes, only %zu present)", name,
                         (unsigned long long)(prefix + header_len), len);
    hdr->data_offset = prefix + header_len;
    *dict = (cursor_t){(const char *)buf + prefix, (const char *)buf + prefix + header_len};
    return DSE_OK;
}

/* The 'shape' value: a tuple of non-negative integers. */
static int parse_shape(cursor_t *c, const char *name, dse_npy_header_t *hdr, dse_err_t *err)
{
    if (!accept(c, '('))
        return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (bad 'shape')", name);
    while (!accept(c, ')')) {
        if (hdr->ndim == DSE_NPY_MAX_DIMS)
            return DSE_RAISE(err, DSE_EFORMAT, "%s: more than %d dimensions", name,
                             DSE_NPY_MAX_DIMS);
        if (!read_uint(c, &hdr->shape[hdr->ndim]))
            return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (bad 'shape')", name);
        hdr->ndim++;
        if (!accept(c, ',')) {
            if (!accept(c, ')'))
                return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (bad 'shape')", name);
            break;
        }
    }
    return DSE_OK;
}

/* One 'key': value pair of the dictionary; seen[] marks descr, fortran_order, shape. */
static int parse_entry(cursor_t *c, const char *name, dse_npy_header_t *hdr, char *descr,
                       size_t descr_cap, int seen[3], dse_err_t *err)
{
    char key[32];
    if (!read_string(c, key, sizeof key) || !accept(c, ':'))
        return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (expected 'key': value)", name);
    if (strcmp(key, "descr") == 0 && !seen[0]) {
        if (!read_string(c, descr, descr_cap)) {
            skip_space(c);
            if (c->p < c->end && *c->p == '[')
                return DSE_RAISE(err, DSE_EDTYPE,
                                 "%s: unsupported dtype (structured array); need a plain "
                                 "float or integer array",
                                 name);
            return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (bad 'descr')", name);
        }
        seen[0] = 1;
    } else if (strcmp(key, "fortran_order") == 0 && !seen[1]) {
        if (read_word(c, "True"))
            hdr->fortran_order = 1;
        else if (read_word(c, "False"))
            hdr->fortran_order = 0;
        else
            return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (bad 'fortran_order')", name);
        seen[1] = 1;
    } else if (strcmp(key, "shape") == 0 && !seen[2]) {
        DSE_TRY(parse_shape(c, name, hdr, err));
        seen[2] = 1;
    } else {
        return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (unexpected key '%s')", name, key);
    }
    return DSE_OK;
}

/* Element count and data bytes from shape and dtype, refusing 64-bit overflow. */
static int set_sizes(const char *name, dse_npy_header_t *hdr, dse_err_t *err)
{
    uint64_t count = 1;
    for (int i = 0; i < hdr->ndim; ++i) {
        if (hdr->shape[i] != 0 && count > UINT64_MAX / hdr->shape[i])
            return DSE_RAISE(err, DSE_EFORMAT, "%s: shape overflows 64 bits", name);
        count *= hdr->shape[i];
    }
    if (count > UINT64_MAX / (uint64_t)hdr->dtype.size)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: shape overflows 64 bits", name);
    hdr->count = count;
    hdr->data_bytes = count * (uint64_t)hdr->dtype.size;
    return DSE_OK;
}

int dse_npy_parse_header(const uint8_t *buf, size_t len, const char *name, dse_npy_header_t *hdr,
                         dse_err_t *err)
{
    memset(hdr, 0, sizeof *hdr);
    cursor_t c = {NULL, NULL};
    DSE_TRY(parse_prefix(buf, len, name, hdr, &c, err));
    char descr[64] = "";
    int seen[3] = {0, 0, 0};
    if (!accept(&c, '{')) return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (no '{')", name);
    while (!accept(&c, '}')) {
        DSE_TRY(parse_entry(&c, name, hdr, descr, sizeof descr, seen, err));
        if (!accept(&c, ',')) {
            if (!accept(&c, '}'))
                return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (expected ',' or '}')",
                                 name);
            break;
        }
    }
    if (!seen[0] || !seen[1] || !seen[2])
        return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (missing %s)", name,
                         !seen[0]   ? "'descr'"
                         : !seen[1] ? "'fortran_order'"
                                    : "'shape'");
    if (!parse_descr(descr, &hdr->dtype))
        return DSE_RAISE(
            err, DSE_EDTYPE,
            "%s: unsupported dtype '%s' (need float16/32/64, int8-64, uint8-64 or bool)", name,
            descr);
    return set_sizes(name, hdr, err);
}

void dse_npy_shape_string(const dse_npy_header_t *hdr, char *out, size_t cap)
{
    size_t n = 0;
    n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "(");
    for (int i = 0; i < hdr->ndim; ++i)
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%llu", i ? ", " : "",
                              (unsigned long long)hdr->shape[i]);
    snprintf(out + n, n < cap ? cap - n : 0, hdr->ndim == 1 ? ",)" : ")");
}

int dse_npy_check_size(const dse_npy_header_t *hdr, uint64_t file_size, const char *name,
                       dse_err_t *err)
{
    uint64_t have = file_size > hdr->data_offset ? file_size - hdr->data_offset : 0;
    if (hdr->data_bytes > have) {
        char shape[256];
        dse_npy_shape_string(hdr, shape, sizeof shape);
        return DSE_RAISE(err, DSE_EFORMAT,
                         "%s: shape %s needs %llu bytes of data but the file holds %llu", name,
                         shape, (unsigned long long)hdr->data_bytes, (unsigned long long)have);
    }
    return DSE_OK;
}
