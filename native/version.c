/* `runts-init version`: the versions of the native parts runts links, for
 * `runts --version` (the Makefile records it in runts-init.version; the static CLI,
 * which links this shim, reports the same from native/cli/proc.c). */
#include <seccomp.h>
#include <stdio.h>

#include "shim.h"

int version_main(void)
{
	const struct scmp_version *v = seccomp_version();
	printf("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
	return 0;
}
