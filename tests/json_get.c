/* json_get.c — test helper: reads JSON on stdin and prints one value.
 *   json_get PATH      PATH like "n", "params.sigma", "results.3.value",
 *                      or "results[quantity=DSE,t=2].value"
 * Exits 1 when the input is not JSON or the path does not exist. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cJSON *find_in_array(const cJSON *arr, char *filter)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", filter);
        int match = 1;
        char *save = NULL;
        for (char *cond = strtok_r(buf, ",", &save); cond && match;
             cond = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(cond, '=');
            if (!eq) return NULL;
            *eq = '\0';
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, cond);
            if (cJSON_IsString(v))
                match = strcmp(v->valuestring, eq + 1) == 0;
            else if (cJSON_IsNumber(v))
                match = v->valuedouble == atof(eq + 1);
            else
                match = 0;
        }
        if (match) return it;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    static char text[1 << 22];
    size_t n = fread(text, 1, sizeof text - 1, stdin);
    text[n] = '\0';
    cJSON *root = cJSON_Parse(text);
    if (!root) {
        fprintf(stderr, "json_get: input is not JSON\n");
        return 1;
    }
    char path[512];
    snprintf(path, sizeof path, "%s", argv[1]);
    const cJSON *cur = root;
    char *save = NULL;
    for (char *part = strtok_r(path, ".", &save); part && cur; part = strtok_r(NULL, ".", &save)) {
        char *br = strchr(part, '[');
        if (br) {
            *br = '\0';
            char *end = strchr(br + 1, ']');
            if (end) *end = '\0';
            cur = cJSON_GetObjectItemCaseSensitive(cur, part);
            cur = cur ? find_in_array(cur, br + 1) : NULL;
        } else if (cJSON_IsArray(cur)) {
            cur = cJSON_GetArrayItem(cur, atoi(part));
        } else {
            cur = cJSON_GetObjectItemCaseSensitive(cur, part);
        }
    }
    if (!cur) {
        fprintf(stderr, "json_get: no %s\n", argv[1]);
        cJSON_Delete(root);
        return 1;
    }
    if (cJSON_IsNumber(cur))
        printf("%.17g\n", cur->valuedouble);
    else if (cJSON_IsString(cur))
        printf("%s\n", cur->valuestring);
    else {
        char *s = cJSON_PrintUnformatted(cur);
        printf("%s\n", s);
        free(s);
    }
    cJSON_Delete(root);
    return 0;
}
