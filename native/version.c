/* `runts-init version`: the versions of the native parts runts links, for
 * `runts --version` (scripts/build-cli.sh records the output at build time). */
#include <seccomp.h>
#include <stdio.h>

#include "shim.h"

int version_main(void)
{
	const struct scmp_version *v = seccomp_version();
	printf("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
	return 0;
}
