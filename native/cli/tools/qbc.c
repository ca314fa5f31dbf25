/* qbc SRC OUT NAME: compile one ES module to QuickJS-ng bytecode (build time only).
 * Unlike `qjsc -b`, imports are not followed: each chunk of the bundle becomes its own
 * bytecode object, which the CLI's module loader (native/cli/main.c) reads on import.
 * The source text is stripped; line numbers stay for error messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quickjs.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *src = malloc((size_t)n + 1);
	if (!src || fread(src, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(src);
		return NULL;
	}
	src[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return src;
}

static char dir[4096];

/* Imports are compiled (the engine links them while compiling) but not written out. */
static JSModuleDef *loader(JSContext *ctx, const char *name, void *opaque)
{
	(void)opaque;
	char path[8192];
	const char *base = strrchr(name, '/');
	snprintf(path, sizeof(path), "%s/%s", dir, base ? base + 1 : name);
	size_t n;
	char *src = slurp(path, &n);
	if (!src) {
		JS_ThrowReferenceError(ctx, "could not load module '%s'", path);
		return NULL;
	}
	JSValue v = JS_Eval(ctx, src, n, name, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
	free(src);
	if (JS_IsException(v))
		return NULL;
	JSModuleDef *m = JS_VALUE_GET_PTR(v);
	JS_FreeValue(ctx, v);
	return m;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: qbc SRC OUT NAME\n");
		return 2;
	}
	size_t n;
	char *src = slurp(argv[1], &n);
	if (!src) {
		perror(argv[1]);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	JSRuntime *rt = JS_NewRuntime();
	JSContext *ctx = JS_NewContext(rt);
	JS_SetModuleLoaderFunc(rt, NULL, loader, NULL);
	JSValue obj = JS_Eval(ctx, src, n, argv[3], JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
	if (JS_IsException(obj)) {
		JSValue e = JS_GetException(ctx);
		const char *m = JS_ToCString(ctx, e);
		fprintf(stderr, "%s: %s\n", argv[1], m ? m : "compile error");
		return 1;
	}
	size_t len;
	uint8_t *out = JS_WriteObject(ctx, &len, obj, JS_WRITE_OBJ_BYTECODE | JS_WRITE_OBJ_STRIP_SOURCE);
	/* Bytes 1-4 are a checksum that every read recomputes over the whole object (~0.6% of
	 * a `run`'s CPU); the bytecode sits in the binary's own read-only data, as trusted as
	 * its machine code, so it carries the engine's "do not check" value (all ones). */
	if (out && len > 5)
		memset(out + 1, 0xff, 4);
	FILE *o = out ? fopen(argv[2], "wb") : NULL;
	if (!o || fwrite(out, 1, len, o) != len || fclose(o) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
