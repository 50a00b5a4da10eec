/* safetensors.c — header checks for .safetensors files (JSON through cJSON). */
#include "dsesweep/safetensors.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

int dse_safetensors_header_size(const uint8_t *first8, size_t len, uint64_t file_size,
                                const char *name, uint64_t *header_size, dse_err_t *err)
{
    if (len < 8)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: truncated header (%zu bytes; safetensors needs 8)",
                         name, len);
    uint64_t h = 0;
    for (int i = 7; i >= 0; --i)
        h = (h << 8) | first8[i];
    if (h > DSE_SAFETENSORS_MAX_HEADER)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (claims %llu bytes of JSON)", name,
                         (unsigned long long)h);
    if (8 + h > file_size)
        return DSE_RAISE(err, DSE_EFORMAT,
                         "%s: truncated header (header claims %llu bytes, file has %llu)", name,
                         (unsigned long long)(8 + h), (unsigned long long)file_size);
    *header_size = h;
    return DSE_OK;
}

static int parse_dtype(const char *s, dse_dtype_t *dt)
{
    static const struct {
        const char *code;
        dse_dtype_kind_t kind;
        int size;
    } table[] = {{"F16", DSE_DT_F16, 2},  {"BF16", DSE_DT_BF16, 2}, {"F32", DSE_DT_F32, 4},
                 {"F64", DSE_DT_F64, 8},  {"I8", DSE_DT_I8, 1},     {"I16", DSE_DT_I16, 2},
                 {"I32", DSE_DT_I32, 4},  {"I64", DSE_DT_I64, 8},   {"U8", DSE_DT_U8, 1},
                 {"U16", DSE_DT_U16, 2},  {"U32", DSE_DT_U32, 4},   {"U64", DSE_DT_U64, 8},
                 {"BOOL", DSE_DT_BOOL, 1}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i)
        if (strcmp(s, table[i].code) == 0) {
            dt->kind = table[i].kind;
            dt->size = table[i].size;
            dt->big_endian = 0;
            return 1;
        }
    return 0;
}

/* A JSON number that is an exact non-negative integer below 2^53. */
static int json_uint(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsNumber(item)) return 0;
    double v = item->valuedouble;
    if (!(v >= 0.0) || v > 9007199254740992.0 || floor(v) != v) return 0;
    *out = (uint64_t)v;
    return 1;
}

int dse_safetensors_find(const char *json, size_t json_len, uint64_t header_size,
                         uint64_t file_size, const char *name, const char *tensor,
                         dse_safetensors_tensor_t *out, dse_err_t *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(json, json_len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header (not a JSON object)", name);
    }
    int rc = DSE_OK;
    const cJSON *entry = NULL;
    if (tensor) {
        entry = cJSON_GetObjectItemCaseSensitive(root, tensor);
        if (!entry || strcmp(tensor, "__metadata__") == 0) {
            rc = DSE_RAISE(err, DSE_EFORMAT, "%s: no tensor named '%s'", name, tensor);
            goto done;
        }
    } else {
        int found = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, root)
        {
            if (it->string && strcmp(it->string, "__metadata__") == 0) continue;
            entry = it;
            found++;
        }
        if (found != 1) {
            rc = DSE_RAISE(err, DSE_EUSAGE, "%s: holds %d tensors; name one as %s:TENSOR", name,
                           found, name);
            goto done;
        }
        tensor = entry->string;
    }
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(entry, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs) ||
        cJSON_GetArraySize(offs) != 2) {
        rc = DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt header for tensor '%s'", name, tensor);
        goto done;
    }
    if (!parse_dtype(dtype->valuestring, &out->dtype)) {
        rc = DSE_RAISE(err, DSE_EDTYPE, "%s: unsupported dtype '%s' in tensor '%s'", name,
                       dtype->valuestring, tensor);
        goto done;
    }
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > DSE_SAFETENSORS_MAX_DIMS) {
        rc = DSE_RAISE(err, DSE_EFORMAT, "%s: tensor '%s' has more than %d dimensions", name,
                       tensor, DSE_SAFETENSORS_MAX_DIMS);
        goto done;
    }
    out->ndim = ndim;
    uint64_t count = 1;
    for (int i = 0; i < ndim; ++i) {
        uint64_t dim;
        if (!json_uint(cJSON_GetArrayItem(shape, i), &dim)) {
            rc = DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt shape in tensor '%s'", name, tensor);
            goto done;
        }
        if (dim != 0 && count > UINT64_MAX / dim / 8) {
            rc = DSE_RAISE(err, DSE_EFORMAT, "%s: shape overflows 64 bits", name);
            goto done;
        }
        out->shape[i] = dim;
        count *= dim;
    }
    uint64_t begin, end;
    if (!json_uint(cJSON_GetArrayItem(offs, 0), &begin) ||
        !json_uint(cJSON_GetArrayItem(offs, 1), &end) || end < begin) {
        rc = DSE_RAISE(err, DSE_EFORMAT, "%s: corrupt data_offsets in tensor '%s'", name, tensor);
        goto done;
    }
    out->count = count;
    out->data_bytes = count * (uint64_t)out->dtype.size;
    if (end - begin != out->data_bytes) {
        rc = DSE_RAISE(
            err, DSE_EFORMAT, "%s: tensor '%s' shape needs %llu bytes but data_offsets span %llu",
            name, tensor, (unsigned long long)out->data_bytes, (unsigned long long)(end - begin));
        goto done;
    }
    uint64_t data_start = 8 + header_size;
    uint64_t have = file_size - data_start;
    if (end > have) {
        rc = DSE_RAISE(err, DSE_EFORMAT,
                       "%s: tensor '%s' needs bytes up to %llu of the data but the file holds %llu",
                       name, tensor, (unsigned long long)end, (unsigned long long)have);
        goto done;
    }
    out->data_offset = data_start + begin;
done:
    cJSON_Delete(root);
    return rc;
}
