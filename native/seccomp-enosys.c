/* The ENOSYS prefix of the seccomp filter: a syscall numbered above the largest one the
 * profile names (on the caller's architecture) fails with ENOSYS, as on a kernel that
 * predates it, instead of meeting the profile's default action. A newer libc then falls
 * back (clone3 -> clone, faccessat2 -> faccessat) where EPERM would have been fatal.
 * TypeScript decides whether a profile gets the prefix and sends the names (see
 * enosysNames in src/plan/seccomp.ts); here libseccomp turns them into numbers.
 *
 * The prefix is a few classic-BPF instructions put before libseccomp's program, which
 * starts by loading the architecture itself, so its jumps (relative) stay valid:
 *
 *   ld  arch
 *   per architecture A with a bound:    jeq A ? section : next
 *     section:  ld nr; [x86_64: jset X32_BIT ...]; jgt MAX ? ENOSYS : FILTER
 *   ja FILTER                            (an architecture without a bound)
 *   ENOSYS:  ret ERRNO(ENOSYS)
 *   FILTER:  libseccomp's program
 *
 * x32 shares AUDIT_ARCH_X86_64 with x86_64 and marks its calls with bit 30 of the
 * number, so that architecture's section tells the two apart and uses each one's bound
 * (a mode without a bound goes straight to the filter). */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "shim.h"

#define X32_BIT 0x40000000U
#define MAX_ARCHS 32

/* Jump targets of the prefix, resolved once its length is known. */
enum target { T_NEXT, T_ENOSYS, T_FILTER, T_SKIP1 };

struct stub {
	struct sock_filter insn[8 * MAX_ARCHS + 8];
	uint8_t jt[8 * MAX_ARCHS + 8], jf[8 * MAX_ARCHS + 8]; /* enum target, or a literal offset */
	size_t n;
};

/* The largest number a name list has on one libseccomp architecture (0: none known). */
static uint32_t largest(const struct plan_seccomp *sc, uint32_t arch)
{
	uint32_t max = 0;
	for (size_t i = 0; i < sc->n_enosys_names; i++) {
		int nr = seccomp_syscall_resolve_name_arch(arch, sc->enosys_names[i]);
		if (nr >= 0 && (uint32_t)nr > max)
			max = (uint32_t)nr;
	}
	return max;
}

static void emit(struct stub *s, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	s->insn[s->n] = (struct sock_filter)BPF_JUMP(code, k, 0, 0);
	s->jt[s->n] = jt;
	s->jf[s->n] = jf;
	s->n++;
}

/* One architecture's section: entered with the number not yet loaded. Targets are
 * symbolic; T_SKIP1 skips one instruction. */
static void emit_section(struct stub *s, uint32_t audit, uint32_t max, uint32_t max_x32)
{
	emit(s, BPF_LD | BPF_W | BPF_ABS, 0 /* seccomp_data.nr */, 0, 0);
	if (audit == AUDIT_ARCH_X86_64) {
		if (max && max_x32) { /* x32 (bit set): the second comparison */
			emit(s, BPF_JMP | BPF_JSET | BPF_K, X32_BIT, T_SKIP1, T_NEXT);
		} else if (max) { /* x32 calls: the filter decides */
			emit(s, BPF_JMP | BPF_JSET | BPF_K, X32_BIT, T_FILTER, T_NEXT);
		} else { /* only x32 has a bound: x86_64 calls go to the filter */
			emit(s, BPF_JMP | BPF_JSET | BPF_K, X32_BIT, T_NEXT, T_FILTER);
			max = max_x32;
			max_x32 = 0;
		}
	}
	if (max)
		emit(s, BPF_JMP | BPF_JGT | BPF_K, max, T_ENOSYS, T_FILTER);
	if (max_x32)
		emit(s, BPF_JMP | BPF_JGT | BPF_K, max_x32, T_ENOSYS, T_FILTER);
}

static uint8_t resolve(const struct stub *s, size_t i, uint8_t t)
{
	size_t enosys = s->n - 1, filter = s->n; /* the ret is the prefix's last instruction */
	size_t to = t == T_ENOSYS ? enosys : t == T_FILTER ? filter : t == T_SKIP1 ? i + 2 : i + 1;
	return (uint8_t)(to - i - 1);
}

/* Prepends the prefix to c->bpf when the plan asks for it. archs are the libseccomp
 * architecture tokens the filter was built for (the native one included). */
void secfilter_enosys(struct ctx *c, const uint32_t *archs, size_t n_archs)
{
	const struct plan_seccomp *sc = c->plan->seccomp;
	if (!sc->n_enosys_names)
		return;
	if (c->bpf_len < 1 || c->bpf[0].code != (BPF_LD | BPF_W | BPF_ABS) || c->bpf[0].k != 4)
		die("seccomp", NULL, NULL, EPROTO, "libseccomp's program does not start by loading the architecture");
	/* Bounds per kernel architecture (AUDIT_ARCH_*); x32's is kept apart. */
	uint32_t audit[MAX_ARCHS], max[MAX_ARCHS] = { 0 }, max_x32[MAX_ARCHS] = { 0 };
	size_t na = 0;
	for (size_t i = 0; i < n_archs; i++) {
		uint32_t a = archs[i] == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : archs[i];
		size_t j = 0;
		while (j < na && audit[j] != a)
			j++;
		if (j == na) {
			if (na == MAX_ARCHS)
				break;
			audit[na++] = a;
		}
		/* libseccomp numbers x32's calls with the bit set, as the kernel sees them */
		if (archs[i] == SCMP_ARCH_X32)
			max_x32[j] = largest(sc, archs[i]);
		else
			max[j] = largest(sc, archs[i]);
	}
	struct stub *s = calloc(1, sizeof(*s));
	if (!s)
		die("seccomp", NULL, NULL, ENOMEM, "ENOSYS prefix");
	emit(s, BPF_LD | BPF_W | BPF_ABS, 4 /* seccomp_data.arch */, 0, 0);
	for (size_t j = 0; j < na; j++) {
		if (!max[j] && !max_x32[j])
			continue;
		size_t check = s->n;
		emit(s, BPF_JMP | BPF_JEQ | BPF_K, audit[j], T_NEXT, 0);
		emit_section(s, audit[j], max[j], max_x32[j]);
		/* not this architecture: past its section (which always jumps away), to the next
		 * check, with the architecture still loaded */
		s->jf[check] = (uint8_t)(s->n - check - 1);
	}
	emit(s, BPF_JMP | BPF_JA | BPF_K, 1, 0, 0); /* unbounded architecture: to the filter */
	emit(s, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, 0, 0);
	for (size_t i = 0; i < s->n; i++)
		if (BPF_CLASS(s->insn[i].code) == BPF_JMP && BPF_OP(s->insn[i].code) != BPF_JA) {
			bool literal_jf = BPF_OP(s->insn[i].code) == BPF_JEQ;
			s->insn[i].jt = resolve(s, i, s->jt[i]);
			s->insn[i].jf = literal_jf ? s->jf[i] : resolve(s, i, s->jf[i]);
		}
	if (s->n + c->bpf_len > BPF_MAXINSNS)
		die("seccomp", NULL, NULL, E2BIG, "filter of %zu instructions with the ENOSYS prefix (at most %d)",
		    s->n + c->bpf_len, BPF_MAXINSNS);
	struct sock_filter *all = malloc((s->n + c->bpf_len) * sizeof(*all));
	if (!all)
		die("seccomp", NULL, NULL, ENOMEM, "ENOSYS prefix");
	memcpy(all, s->insn, s->n * sizeof(*all));
	memcpy(all + s->n, c->bpf, c->bpf_len * sizeof(*all));
	free(c->bpf);
	c->bpf = all;
	c->bpf_len = (uint16_t)(s->n + c->bpf_len);
	free(s);
}
