/* libFuzzer harness for the shim's plan decoder, the trust boundary between the
 * TypeScript side and C: every byte string must either decode into a plan that
 * plan_free releases completely, or fail with a message, never read or write out of
 * bounds, leak, or hit undefined behaviour. Built with ASan + UBSan by `make fuzz`
 * (it lives outside native/ because every C file there is linked into the shim).
 * Seeds: test/fuzz/corpus/ (encoded plans from make-corpus.ts). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan p;
	char err[256];
	memset(err, 0x5a, sizeof(err));
	if (plan_decode(data, size, &p, err, sizeof(err)) == 0) {
		/* Touch every string the shim would use, so a missing NUL or a dangling
		 * pointer shows up under ASan here rather than in a container. */
		volatile size_t n = 0;
		for (size_t i = 0; i < p.n_args; i++) n += strlen(p.args[i]);
		for (size_t i = 0; i < p.n_env; i++) n += strlen(p.env[i]);
		for (size_t i = 0; i < p.n_mounts; i++) {
			const struct plan_mount *m = &p.mounts[i];
			if (m->source) n += strlen(m->source);
			if (m->dest) n += strlen(m->dest);
			if (m->fstype) n += strlen(m->fstype);
			if (m->data) n += strlen(m->data);
			for (size_t j = 0; j < m->n_propagation; j++) n += (size_t)m->propagation[j];
		}
		if (p.rootfs) n += strlen(p.rootfs);
		if (p.cwd) n += strlen(p.cwd);
		(void)n;
		plan_free(&p);
	} else {
		/* The error is a NUL-terminated message inside the buffer. */
		if (memchr(err, '\0', sizeof(err)) == NULL) __builtin_trap();
	}
	return 0;
}
