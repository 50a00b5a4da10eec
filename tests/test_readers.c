/* test_readers.c — every reader format, dtype, byte order and memory order,
 * and one test per bad input asserting the exact one-line message.
 *
 * usage: test_readers TMPDIR
 * Files are built here byte by byte (no numpy needed), independent of the
 * library's own .npy writer except where noted.
 */
#include <errno.h>
#include <hdf5.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dsesweep/categories.h"
#include "dsesweep/npy.h"
#include "dsesweep/score.h"
#include "dsesweep/source.h"

static char tmpdir[2048];

static const char *tpath(const char *name)
{
    static char buf[8][4096];
    static int slot;
    slot = (slot + 1) % 8;
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", tmpdir, name);
    return buf[slot];
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

/* Builds a .npy header of the given version around dict, padded to 64. */
static size_t npy_header(uint8_t *out, int version, const char *dict)
{
    size_t prefix = version == 1 ? 10 : 12, len = strlen(dict);
    size_t total = (prefix + len + 1 + 63) / 64 * 64, hl = total - prefix;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (uint8_t)version;
    out[7] = 0;
    for (size_t i = 0; i < (version == 1 ? 2u : 4u); ++i)
        out[8 + i] = (uint8_t)(hl >> (8 * i));
    memset(out + prefix, ' ', hl);
    memcpy(out + prefix, dict, len);
    out[total - 1] = '\n';
    return total;
}

/* Test-owned encoder: stores v as (kind, size, big-endian). */
static void encode(char kind, int size, int big, double v, uint8_t *out)
{
    uint64_t bits = 0;
    if (kind == 'f' && size == 4) {
        float f = (float)v;
        uint32_t b;
        memcpy(&b, &f, 4);
        bits = b;
    } else if (kind == 'f' && size == 8) {
        memcpy(&bits, &v, 8);
    } else if (kind == 'i') {
        bits = (uint64_t)(int64_t)v;
    } else {
        bits = (uint64_t)v;
    }
    for (int i = 0; i < size; ++i)
        out[i] = (uint8_t)(bits >> (8 * (big ? size - 1 - i : i)));
}

static double value_at(size_t i, size_t j, char kind)
{
    double v = (double)(i * 3 + j);
    if (kind == 'f') return v * 0.5 - 2.0;
    if (kind == 'i') return v - 4.0;
    return v;
}

/* 5 x 3 matrix in every numeric dtype, both byte orders, both memory orders, v1/v2/v3. */
static void test_npy_matrix(void)
{
    static const struct {
        char kind;
        int size;
    } types[] = {{'f', 4}, {'f', 8}, {'i', 1}, {'i', 2}, {'i', 4},
                 {'i', 8}, {'u', 1}, {'u', 2}, {'u', 4}, {'u', 8}};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; ++t)
        for (int big = 0; big < 2; ++big)
            for (int fortran = 0; fortran < 2; ++fortran)
                for (int version = 1; version <= 3; ++version) {
                    char kind = types[t].kind;
                    int size = types[t].size;
                    char descr[8], dict[200], name[64];
                    snprintf(descr, sizeof descr, "%c%c%d",
                             size == 1 ? '|'
                             : big     ? '>'
                                       : '<',
                             kind, size);
                    snprintf(dict, sizeof dict,
                             "{'descr': '%s', 'fortran_order': %s, 'shape': (5, 3), }", descr,
                             fortran ? "True" : "False");
                    uint8_t buf[512];
                    size_t off = npy_header(buf, version, dict);
                    for (size_t k = 0; k < 15; ++k) {
                        size_t i = fortran ? k % 5 : k / 3, j = fortran ? k / 5 : k % 3;
                        encode(kind, size, big, value_at(i, j, kind), buf + off + k * (size_t)size);
                    }
                    snprintf(name, sizeof name, "m_%c%d_%s_%s_v%d.npy", kind, size,
                             big ? "be" : "le", fortran ? "F" : "C", version);
                    write_bytes(tpath(name), buf, off + 15 * (size_t)size);
                    dse_matrix_t m;
                    dse_err_t err;
                    dse_err_clear(&err);
                    int rc = dse_matrix_load(tpath(name), &m, &err);
                    CHECK(rc == DSE_OK, "%s: %s", name, err.msg);
                    if (rc != DSE_OK) continue;
                    int same = m.rows == 5 && m.cols == 3;
                    for (size_t i = 0; same && i < 5; ++i)
                        for (size_t j = 0; j < 3; ++j)
                            same &= m.data[i * 3 + j] == value_at(i, j, kind);
                    CHECK(same, "%s: values differ", name);
                    CHECK(m.is_integer == (kind != 'f'), "%s: is_integer", name);
                    /* A row subset from the middle, through the sharded reader. */
                    dse_source_t *src;
                    CHECK(dse_source_open(tpath(name), &src, &err) == DSE_OK, "%s", err.msg);
                    size_t rows[2] = {1, 4};
                    double part[6];
                    CHECK(dse_source_read_rows(src, rows, 2, part, &err) == DSE_OK, "%s", err.msg);
                    CHECK(part[0] == value_at(1, 0, kind) && part[5] == value_at(4, 2, kind),
                          "%s: row subset", name);
                    dse_source_close(&src);
                    CHECK(src == NULL, "close sets the handle to NULL");
                    dse_matrix_free(&m);
                }
}

/* float16 from literal bit patterns (independent of any encoder). */
static void test_npy_float16(void)
{
    /* 1.0, -2.0, 0.5, 65504 (max), 2^-24 (smallest subnormal), -0.0 */
    const uint16_t bits[6] = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000};
    const double want[6] = {1.0, -2.0, 0.5, 65504.0, 5.9604644775390625e-08, -0.0};
    for (int big = 0; big < 2; ++big) {
        uint8_t buf[256];
        size_t off = npy_header(buf, 1,
                                big ? "{'descr': '>f2', 'fortran_order': False, 'shape': (3, 2), }"
                                    : "{'shape': (3, 2), 'fortran_order': False, 'descr': '<f2'}");
        for (int k = 0; k < 6; ++k) {
            buf[off + 2 * k + (big ? 1 : 0)] = (uint8_t)(bits[k] & 0xff);
            buf[off + 2 * k + (big ? 0 : 1)] = (uint8_t)(bits[k] >> 8);
        }
        const char *p = tpath(big ? "half_be.npy" : "half_le.npy");
        write_bytes(p, buf, off + 12);
        dse_matrix_t m;
        dse_err_t err;
        CHECK(dse_matrix_load(p, &m, &err) == DSE_OK, "%s", err.msg);
        for (int k = 0; k < 6 && m.data; ++k)
            CHECK(m.data[k] == want[k] && signbit(m.data[k]) == signbit(want[k]),
                  "float16 %04x: got %g want %g", bits[k], m.data[k], want[k]);
        dse_matrix_free(&m);
    }
    /* Big-endian float32 1.5 is 3F C0 00 00 (the header alone pads to 128 bytes). */
    uint8_t buf[256];
    size_t off = npy_header(buf, 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }");
    memcpy(buf + off, "\x3f\xc0\x00\x00", 4);
    write_bytes(tpath("be_literal.npy"), buf, off + 4);
    dse_matrix_t m;
    dse_err_t err;
    CHECK(dse_matrix_load(tpath("be_literal.npy"), &m, &err) == DSE_OK, "%s", err.msg);
    CHECK(m.rows == 1 && m.cols == 1 && m.data[0] == 1.5, "big-endian float32 literal");
    dse_matrix_free(&m);
}

/* The library's writer round-trips every dtype, incl. float16, and 3-D arrays flatten. */
static void test_npy_writer_and_shapes(void)
{
    double data[24];
    for (int i = 0; i < 24; ++i)
        data[i] = i * 0.25 - 3;
    uint64_t shape3[3] = {2, 3, 4};
    dse_err_t err;
    dse_dtype_t f2 = {DSE_DT_F16, 2, 0};
    CHECK(dse_npy_write(tpath("cube.npy"), f2, 3, shape3, 0, data, &err) == DSE_OK, "%s", err.msg);
    dse_matrix_t m;
    CHECK(dse_matrix_load(tpath("cube.npy"), &m, &err) == DSE_OK, "%s", err.msg);
    CHECK(m.rows == 2 && m.cols == 12, "3-D array is N x prod(rest): %zu x %zu", m.rows, m.cols);
    int same = 1;
    for (int i = 0; i < 24 && m.data; ++i)
        same &= m.data[i] == data[i];
    CHECK(same, "float16 writer round trip");
    dse_matrix_free(&m);
    uint64_t shape1[1] = {6};
    dse_dtype_t i8 = {DSE_DT_I64, 8, 0};
    CHECK(dse_npy_write(tpath("labels1d.npy"), i8, 1, shape1, 0, data, &err) == DSE_OK, "%s",
          err.msg);
    CHECK(dse_matrix_load(tpath("labels1d.npy"), &m, &err) == DSE_OK, "%s", err.msg);
    CHECK(m.rows == 6 && m.cols == 1 && m.is_integer, "1-D labels are N x 1 integers");
    dse_matrix_free(&m);
}

static void h5_write(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                     hid_t memtype, const void *data)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dset = H5Dcreate2(file, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(dset >= 0 && H5Dwrite(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0,
          "writing %s", name);
    H5Dclose(dset);
    H5Sclose(space);
    H5Pclose(lcpl);
}

static void test_hdf5(void)
{
    const char *p = tpath("emb.h5");
    hid_t file = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    float f32[15];
    double f64[15];
    int64_t lab[5] = {3, 1, 3, 2, 1};
    for (int i = 0; i < 15; ++i)
        f64[i] = f32[i] = (float)(i * 0.5 - 2);
    hsize_t d2[2] = {5, 3}, d1[1] = {5}, d3[3] = {5, 1, 3};
    h5_write(file, "/emb", H5T_IEEE_F32LE, 2, d2, H5T_NATIVE_FLOAT, f32);
    h5_write(file, "/group/layer3", H5T_IEEE_F64BE, 2, d2, H5T_NATIVE_DOUBLE, f64);
    h5_write(file, "/cube", H5T_IEEE_F32BE, 3, d3, H5T_NATIVE_FLOAT, f32);
    h5_write(file, "/labels", H5T_STD_I64LE, 1, d1, H5T_NATIVE_INT64, lab);
    H5Fclose(file);
    const char *specs[3] = {"emb.h5:/emb", "emb.h5:/group/layer3", "emb.h5:/cube"};
    for (int s = 0; s < 3; ++s) {
        dse_matrix_t m;
        dse_err_t err;
        CHECK(dse_matrix_load(tpath(specs[s]), &m, &err) == DSE_OK, "%s: %s", specs[s], err.msg);
        int same = m.rows == 5 && m.cols == 3;
        for (int i = 0; same && i < 15; ++i)
            same &= m.data[i] == f64[i];
        CHECK(same && !m.is_integer, "%s values", specs[s]);
        dse_matrix_free(&m);
    }
    dse_matrix_t y;
    dse_err_t err;
    CHECK(dse_matrix_load(tpath("emb.h5:/labels"), &y, &err) == DSE_OK, "%s", err.msg);
    CHECK(y.rows == 5 && y.cols == 1 && y.is_integer && y.data[0] == 3 && y.data[4] == 1,
          "HDF5 int64 labels");
    dse_matrix_free(&y);
    /* A file with exactly one dataset needs no name. */
    const char *single = tpath("single.h5");
    file = H5Fcreate(single, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    h5_write(file, "/only", H5T_IEEE_F64LE, 2, d2, H5T_NATIVE_DOUBLE, f64);
    H5Fclose(file);
    CHECK(dse_matrix_load(single, &y, &err) == DSE_OK && y.rows == 5, "single dataset: %s",
          err.msg);
    dse_matrix_free(&y);
}

/* safetensors built by hand: header JSON padded to 8, then data. */
static void write_safetensors(const char *path, const char *json, const void *data, size_t len)
{
    size_t jl = strlen(json), padded = (jl + 7) / 8 * 8;
    uint8_t *buf = calloc(1, 8 + padded + len);
    for (int i = 0; i < 8; ++i)
        buf[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    memset(buf + 8, ' ', padded);
    memcpy(buf + 8, json, jl);
    memcpy(buf + 8 + padded, data, len);
    write_bytes(path, buf, 8 + padded + len);
    free(buf);
}

static void test_safetensors(void)
{
    uint8_t data[60 + 40 + 12];
    for (int k = 0; k < 15; ++k)
        encode('f', 4, 0, value_at((size_t)k / 3, (size_t)k % 3, 'f'), data + 4 * k);
    for (int k = 0; k < 5; ++k)
        encode('i', 8, 0, k % 2, data + 60 + 8 * k);
    /* bfloat16 1.0 = 0x3F80, -2.5 = 0xC020; float16 0.5 = 0x3800 */
    const uint8_t halfs[12] = {0x80, 0x3F, 0x20, 0xC0, 0x80, 0x3F,
                               0x00, 0x38, 0x00, 0x38, 0x00, 0x3C};
    memcpy(data + 100, halfs, 12);
    write_safetensors(tpath("m.safetensors"),
                      "{\"__metadata__\":{\"format\":\"pt\"},"
                      "\"emb\":{\"dtype\":\"F32\",\"shape\":[5,3],\"data_offsets\":[0,60]},"
                      "\"lab\":{\"dtype\":\"I64\",\"shape\":[5],\"data_offsets\":[60,100]},"
                      "\"bf\":{\"dtype\":\"BF16\",\"shape\":[3,1],\"data_offsets\":[100,106]},"
                      "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[106,112]}}",
                      data, sizeof data);
    dse_matrix_t m;
    dse_err_t err;
    CHECK(dse_matrix_load(tpath("m.safetensors:emb"), &m, &err) == DSE_OK, "%s", err.msg);
    int same = m.rows == 5 && m.cols == 3;
    for (size_t k = 0; same && k < 15; ++k)
        same &= m.data[k] == value_at(k / 3, k % 3, 'f');
    CHECK(same, "safetensors F32 values");
    dse_matrix_free(&m);
    CHECK(dse_matrix_load(tpath("m.safetensors:lab"), &m, &err) == DSE_OK, "%s", err.msg);
    CHECK(m.rows == 5 && m.cols == 1 && m.is_integer && m.data[1] == 1 && m.data[2] == 0,
          "safetensors I64 labels");
    dse_matrix_free(&m);
    CHECK(dse_matrix_load(tpath("m.safetensors:bf"), &m, &err) == DSE_OK, "%s", err.msg);
    CHECK(m.rows == 3 && m.data[0] == 1.0 && m.data[1] == -2.5, "bfloat16 values");
    dse_matrix_free(&m);
    CHECK(dse_matrix_load(tpath("m.safetensors:h"), &m, &err) == DSE_OK, "%s", err.msg);
    CHECK(m.rows == 3 && m.data[0] == 0.5 && m.data[2] == 1.0, "safetensors float16 values");
    dse_matrix_free(&m);
}

/* Loads `file` and expects failure with exactly `want` (a format with %s = full path). */
static void expect_error(const char *file, const char *want_fmt, int want_code)
{
    char want[4096];
    const char *p = tpath(file);
    snprintf(want, sizeof want, want_fmt, p, p); /* formats use the path once or twice */
    dse_matrix_t m;
    dse_err_t err;
    dse_err_clear(&err);
    int rc = dse_matrix_load(tpath(file), &m, &err);
    CHECK(rc == want_code, "%s: status %d, want %d (%s)", file, rc, want_code, err.msg);
    CHECK_STR(err.msg, want, file);
    CHECK(strchr(err.msg, '\n') == NULL, "%s: message is one line", file);
}

static void write_npy_dict(const char *name, const char *dict, size_t data_bytes, double fill)
{
    uint8_t *buf = calloc(1, 256 + data_bytes);
    size_t off = npy_header(buf, 1, dict);
    for (size_t k = 0; k + 4 <= data_bytes; k += 4)
        encode('f', 4, 0, fill, buf + off + k);
    write_bytes(tpath(name), buf, off + data_bytes);
    free(buf);
}

static void test_bad_inputs(void)
{
    write_bytes(tpath("short.npy"), "\x93NUMP", 5);
    expect_error("short.npy", "%s: truncated header (5 bytes; a .npy needs at least 10)",
                 DSE_EFORMAT);
    write_bytes(tpath("magic.npy"), "PK\x03\x04 this is a zip file", 24);
    expect_error("magic.npy", "%s: not a .npy file (bad magic bytes)", DSE_EFORMAT);
    uint8_t buf[256];
    size_t off = npy_header(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }");
    write_bytes(tpath("cut_header.npy"), buf, 40);
    char want[128];
    snprintf(want, sizeof want, "%%s: truncated header (header claims %zu bytes, only 40 present)",
             off);
    expect_error("cut_header.npy", want, DSE_EFORMAT);
    write_npy_dict("corrupt.npy", "{'descr': '<f4' 'fortran_order': False, 'shape': (4, 2), }", 32,
                   1);
    expect_error("corrupt.npy", "%s: corrupt header (expected ',' or '}')", DSE_EFORMAT);
    write_npy_dict("noshape.npy", "{'descr': '<f4', 'fortran_order': False, }", 32, 1);
    expect_error("noshape.npy", "%s: corrupt header (missing 'shape')", DSE_EFORMAT);
    write_npy_dict("short_data.npy",
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 32), }", 10 * 32 * 4,
                   1);
    expect_error("short_data.npy",
                 "%s: shape (1000, 32) needs 128000 bytes of data but the file holds 1280",
                 DSE_EFORMAT);
    write_npy_dict("huge.npy",
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 32), }", 64,
                   1);
    expect_error("huge.npy",
                 "%s: shape (1099511627776, 32) needs 140737488355328 bytes of data but the file "
                 "holds 64",
                 DSE_EFORMAT);
    write_npy_dict("complex.npy", "{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }",
                   64, 1);
    expect_error("complex.npy",
                 "%s: unsupported dtype '<c16' (need float16/32/64, int8-64, uint8-64 or bool)",
                 DSE_EDTYPE);
    write_npy_dict(
        "struct.npy",
        "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", 16, 1);
    expect_error("struct.npy",
                 "%s: unsupported dtype (structured array); need a plain float or integer array",
                 DSE_EDTYPE);
    write_npy_dict("nan.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", 32, 1);
    {
        /* Poke a NaN at row 2, column 1 and an Inf file. */
        FILE *f = fopen(tpath("nan.npy"), "r+b");
        fseek(f, (long)(off + (2 * 2 + 1) * 4), SEEK_SET);
        fwrite("\x00\x00\xc0\x7f", 1, 4, f);
        fclose(f);
    }
    expect_error("nan.npy", "%s: NaN at row 2, column 1", DSE_EVALUE);
    write_npy_dict("inf.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", 32,
                   INFINITY);
    expect_error("inf.npy", "%s: Inf at row 0, column 0", DSE_EVALUE);
    write_npy_dict("n0.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 8), }", 0, 1);
    expect_error("n0.npy", "%s: no samples (N = 0)", DSE_EVALUE);
    write_npy_dict("d0.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 0), }", 0, 1);
    expect_error("d0.npy", "%s: no features (D = 0)", DSE_EVALUE);
    write_npy_dict("scalar.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4, 1);
    expect_error("scalar.npy", "%s: a 0-d array is not a sample matrix", DSE_EFORMAT);
    mkdir(tpath("adir.npy"), 0755);
    expect_error("adir.npy", "%s: is a directory, expected a file", DSE_EIO);
    expect_error("missing.npy", "%s: cannot open: No such file or directory", DSE_EIO);
    write_bytes(tpath("data.csv"), "1,2\n", 4);
    expect_error("data.csv", "%s: unknown file type (expected .npy, .h5/.hdf5 or .safetensors)",
                 DSE_EUSAGE);
    if (geteuid() != 0) { /* root reads everything; permission is tested where it applies */
        write_npy_dict("noperm.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                       16, 1);
        chmod(tpath("noperm.npy"), 0);
        expect_error("noperm.npy", "%s: cannot open: Permission denied", DSE_EIO);
    }
    /* HDF5 */
    write_bytes(tpath("fake.h5"), "not hdf5 at all", 15);
    expect_error("fake.h5", "%s: not an HDF5 file (or a corrupt one)", DSE_EFORMAT);
    expect_error("emb.h5:/nope", "%s: no dataset '/nope'", DSE_EFORMAT);
    expect_error("emb.h5", "%s: holds 3 datasets at the root; name one as %s:DATASET", DSE_EUSAGE);
    /* safetensors */
    write_bytes(tpath("cut.safetensors"), "\x10\x00\x00", 3);
    expect_error("cut.safetensors", "%s: truncated header (3 bytes; safetensors needs 8)",
                 DSE_EFORMAT);
    write_safetensors(tpath("past.safetensors"),
                      "{\"x\":{\"dtype\":\"F32\",\"shape\":[4,4],\"data_offsets\":[0,64]}}", "abcd",
                      4);
    expect_error("past.safetensors",
                 "%s: tensor 'x' needs bytes up to 64 of the data but the file holds 4",
                 DSE_EFORMAT);
    write_safetensors(tpath("cplx.safetensors"),
                      "{\"x\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}",
                      "abcdefgh", 8);
    expect_error("cplx.safetensors", "%s: unsupported dtype 'C64' in tensor 'x'", DSE_EDTYPE);
    write_safetensors(tpath("json.safetensors"), "{\"x\": [1, 2", "", 0);
    expect_error("json.safetensors", "%s: corrupt header (not a JSON object)", DSE_EFORMAT);
    expect_error("m.safetensors:zz", "%s: no tensor named 'zz'", DSE_EFORMAT);
}

static void test_label_checks(void)
{
    double z[10] = {0};
    uint64_t shape[2] = {5, 2}, four[1] = {4};
    dse_dtype_t f4 = {DSE_DT_F32, 4, 0}, i8 = {DSE_DT_I64, 8, 0};
    dse_err_t err;
    CHECK(dse_npy_write(tpath("five.npy"), f4, 2, shape, 0, z, &err) == DSE_OK, "%s", err.msg);
    CHECK(dse_npy_write(tpath("four_labels.npy"), i8, 1, four, 0, z, &err) == DSE_OK, "%s",
          err.msg);
    dse_params_t p = dse_params_default();
    dse_categories_t cat;
    int rc = dse_categories_load(tpath("four_labels.npy"), 5, tpath("five.npy"), p.n_clusters, &cat,
                                 &err);
    char want[4096];
    snprintf(want, sizeof want, "%s: 4 labels but %s has 5 rows", tpath("four_labels.npy"),
             tpath("five.npy"));
    CHECK(rc == DSE_EVALUE, "label count mismatch status %d", rc);
    CHECK_STR(err.msg, want, "label count mismatch message");
    double bad[3] = {1, 2.5, 3};
    rc = dse_categories_from_labels(bad, 3, "y.npy", &cat, &err);
    CHECK(rc == DSE_EVALUE, "non-integral label");
    CHECK_STR(err.msg, "y.npy: label 1 is 2.5, not an integer", "non-integral label message");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_readers TMPDIR\n");
        return 2;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s", argv[1]);
    mkdir(tmpdir, 0755);
    test_npy_matrix();
    test_npy_float16();
    test_npy_writer_and_shapes();
    test_hdf5();
    test_safetensors();
    test_bad_inputs();
    test_label_checks();
    return check_summary("test_readers");
}
