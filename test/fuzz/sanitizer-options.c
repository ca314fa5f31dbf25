/* Linked only into the sanitizer build of the shim (`make native-asan`): the shim is
 * spawned with an empty environment, so ASAN_OPTIONS/UBSAN_OPTIONS cannot reach it;
 * these compiled-in defaults make every report fatal and visible on stderr. Leak
 * checking is off: the init replaces itself with execve and the monitor ends with
 * _exit, so there is no exit path for LeakSanitizer to check (the plan decoder's
 * leaks are covered by the fuzzer, which does check them). */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "detect_leaks=0:abort_on_error=0:exitcode=86:print_summary=1";
}

const char *__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=1:exitcode=87";
}
