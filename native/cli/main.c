/* runts, the command line: QuickJS-ng + the CLI's bytecode + the host module + the init
 * shim, in one static ELF. argv[1] naming one of the shim's modes runs the shim (its main,
 * native/main.c, is compiled in as runts_shim_main): the CLI spawns /proc/self/exe for
 * them, so there is one file to install. Everything else runs the TypeScript CLI.
 * Bytecode modules are embedded (modules.S, generated) and read only when imported: each
 * command's chunk is loaded when that command runs. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "host.h"

int runts_shim_main(int argc, char **argv, char **envp);

struct embedded { const char *name; const uint8_t *data; const uint8_t *end; };
extern const struct embedded runts_modules[];

/* A pathological config (a huge array, nesting deeper than the stack) fails with one
 * clear error from the engine ("out of memory", "Maximum call stack size exceeded"),
 * never a crash. The engine runs on a large, lazily committed stack of its own:
 * QuickJS's JSON.parse recurses per nesting level, and a config nested 100 000 levels
 * deep must still parse so that validation can name the field (hostile.test.ts), as on
 * Node. Only the pages a deep parse touches are ever committed. */
#define JS_MEMORY_LIMIT (256u << 20)
#define ENGINE_STACK (512ul << 20)
#define HEAP_PREFAULT (256u << 10)
#define JS_STACK_LIMIT (ENGINE_STACK - (16ul << 20))

static const struct embedded *find(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	for (const struct embedded *m = runts_modules; m->name; m++)
		if (!strcmp(m->name, base))
			return m;
	return NULL;
}

static char *normalize(JSContext *ctx, const char *base, const char *name, void *opaque)
{
	(void)base; (void)opaque;
	const char *b = strrchr(name, '/');
	return js_strdup(ctx, b ? b + 1 : name);
}

static JSModuleDef *load(JSContext *ctx, const char *name, void *opaque)
{
	(void)opaque;
	const struct embedded *m = find(name);
	if (!m) {
		JS_ThrowReferenceError(ctx, "module %s is not in this binary", name);
		return NULL;
	}
	int64_t t0 = timing_path() ? timing_now() : 0;
	JSValue v = JS_ReadObject(ctx, m->data, (size_t)(m->end - m->data), JS_READ_OBJ_BYTECODE);
	timing_span("bytecode", m->name, t0);
	if (JS_IsException(v))
		return NULL;
	JSModuleDef *d = JS_VALUE_GET_PTR(v);
	JS_FreeValue(ctx, v);
	return d;
}

static int shim_mode(int argc, char **argv)
{
	static const char *const modes[] = { "init", "bpf-devices", "criu-swrk", "notify-proxy", NULL };
	if (argc < 2)
		return 0;
	for (int i = 0; modes[i]; i++)
		if (!strcmp(argv[1], modes[i]))
			return 1;
	return argc == 2 && !strcmp(argv[1], "version");
}

static int g_argc;
static char **g_argv;
static int g_status = 1;
static int run_cli(int argc, char **argv);

static void cli_on_stack(void)
{
	g_status = run_cli(g_argc, g_argv);
}

#if defined(__SANITIZE_ADDRESS__)
#define RUNTS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUNTS_ASAN 1
#endif
#endif

#ifdef RUNTS_ASAN
/* ASan follows threads better than stack switches: the sanitized build keeps a thread. */
static void *cli_thread(void *unused)
{
	(void)unused;
	sigset_t none;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	cli_on_stack();
	return NULL;
}

static int run_on(void *stack)
{
	/* This thread only waits: with every signal blocked here, process-directed signals
	 * reach the engine's thread (its signalfd reads the ones it listens for). */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	pthread_attr_t attr;
	pthread_t t;
	if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, stack, ENGINE_STACK) ||
	    pthread_create(&t, &attr, cli_thread, NULL))
		return -1;
	pthread_join(t, NULL);
	return 0;
}
#else
/* The main thread switches to the large stack (makecontext) rather than starting a thread
 * on it: no clone, and no hand-over to another thread and back, which under load cost
 * `runts --version` ~1 ms of wall time (0.17 ms of CPU) here. */
static int run_on(void *stack)
{
	/* The signal mask starts empty, whatever the caller left blocked (as the thread's did). */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	static ucontext_t back, engine;
	if (getcontext(&engine) < 0)
		return -1;
	engine.uc_stack.ss_sp = stack;
	engine.uc_stack.ss_size = ENGINE_STACK;
	engine.uc_link = &back;
	makecontext(&engine, cli_on_stack, 0);
	return swapcontext(&back, &engine);
}
#endif

int main(int argc, char **argv, char **envp)
{
	if (shim_mode(argc, argv))
		return runts_shim_main(argc, argv, envp);
	timing_init();
	/* A write to a pipe nobody reads (a hook that ignores its stdin) is EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
	g_argc = argc;
	g_argv = argv;
	/* One malloc arena (a thread would otherwise get one of its own, grown a page at a time:
	 * an mprotect and a fault per 4 KiB), grown in large steps. The process is
	 * short-lived: nothing is trimmed. */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_TOP_PAD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	/* The first 256 KiB of the heap are made present in one call: a page fault per 4 KiB
	 * (the heap's first touches were most of a `run`'s faults) costs more than filling them
	 * in a batch, but zeroing a page costs more than either here (~2 us), so no page
	 * `--version` does not use is filled: it uses ~330 KiB of heap, `state` ~900 KiB, `run`
	 * ~1.1 MiB. Measured side by side: --version 1.33 (nothing filled) / 1.27 (256 KiB) /
	 * 1.35 ms (512 KiB); run and state within noise. */
	{
		void *first = malloc(16);
		void *volatile grow = malloc(HEAP_PREFAULT); /* the heap's first sbrk is smaller */
		free(grow);
		uintptr_t base = (uintptr_t)first & ~(uintptr_t)4095;
		(void)madvise((void *)base, HEAP_PREFAULT, MADV_POPULATE_WRITE); /* best effort */
		free(first);
	}
	void *stack = mmap(NULL, ENGINE_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED || run_on(stack) < 0) {
		dprintf(2, "runts: cannot start the JS engine on its stack\n");
		return 1;
	}
	return g_status;
}

static int run_cli(int argc, char **argv)
{
	JSRuntime *rt = JS_NewRuntime();
	JSContext *ctx = rt ? JS_NewContext(rt) : NULL;
	if (!ctx) {
		dprintf(2, "runts: cannot create the JS engine\n");
		return 1;
	}
	JS_SetMemoryLimit(rt, JS_MEMORY_LIMIT);
	JS_SetMaxStackSize(rt, JS_STACK_LIMIT);
	/* Reference counting frees almost everything at once; the cycle collector's first runs
	 * (from 256 KiB of heap on) only cost a short-lived CLI time: `run` -3% CPU, the same
	 * peak RSS (3.5 MiB). A large config still meets JS_MEMORY_LIMIT, not this. */
	JS_SetGCThreshold(rt, 8u << 20);
	JS_SetCanBlock(rt, true); /* Atomics.wait: short sync sleeps */
	JS_SetModuleLoaderFunc(rt, normalize, load, NULL);
	JSValue global = JS_GetGlobalObject(ctx);
	JSValue host = JS_NewObject(ctx);
	host_fs_init(ctx, host);
	host_proc_init(ctx, host, argc, argv);
	host_loop_init(ctx, host);
	JS_SetPropertyStr(ctx, host, "exitCode", JS_NewInt32(ctx, 0));
	JS_SetPropertyStr(ctx, global, "__runtsHost", JS_DupValue(ctx, host));
	JS_FreeValue(ctx, global);

	timing_mark("cli:engine");
	const struct embedded *entry = find("entry.js");
	int status = 1;
	int64_t t0 = timing_path() ? timing_now() : 0;
	JSValue mod = entry ? JS_ReadObject(ctx, entry->data, (size_t)(entry->end - entry->data), JS_READ_OBJ_BYTECODE) : JS_ThrowReferenceError(ctx, "no entry module");
	timing_span("bytecode", "entry.js", t0);
	if (!JS_IsException(mod) && JS_ResolveModule(ctx, mod) < 0) {
		JS_FreeValue(ctx, mod);
		mod = JS_EXCEPTION;
	}
	JSValue r = JS_IsException(mod) ? mod : JS_EvalFunction(ctx, mod);
	if (JS_IsException(r)) {
		JSValue e = JS_GetException(ctx);
		host_report(ctx, e);
		JS_FreeValue(ctx, e);
	} else {
		JS_FreeValue(ctx, r);
		if (host_loop_run(ctx) == 0) {
			JSValue c = JS_GetPropertyStr(ctx, host, "exitCode");
			int32_t code = 0;
			JS_ToInt32(ctx, &code, c);
			JS_FreeValue(ctx, c);
			status = code & 0xff;
		}
	}
	timing_mark("cli:js-done");
	timing_flush();
	/* No teardown of the engine: the kernel frees it all at once, faster. */
	return status;
}
