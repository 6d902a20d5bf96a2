/* memlock_shim.so: LD_PRELOADed into crun, and only into crun, by bench.py
 * for the cgroups-on benchmarks.
 *
 * crun 1.8.1 raises RLIMIT_MEMLOCK to infinity before it loads its eBPF
 * device filter (cgroup v2) and exits with "setrlimit (RLIM_MEMLOCK):
 * Operation not permitted" when that fails, which it does wherever root lacks
 * CAP_SYS_RESOURCE (this benchmark's host). Kernels since 5.11 charge BPF
 * memory to the memory cgroup, not to RLIMIT_MEMLOCK, so the raise is not
 * needed: this shim makes setting RLIMIT_MEMLOCK a successful no-op and
 * passes every other resource through. It changes nothing else crun does.
 *
 * Built by bench.py at run time: cc -O2 -shared -fPIC -o memlock_shim.so memlock_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* RLIMIT_MEMLOCK: pretend it was set. Every other resource: the real call. */
#define SHIM(name, setting, ...) \
	if (resource == RLIMIT_MEMLOCK && (setting)) \
		return 0; \
	return ((__typeof__(&name))dlsym(RTLD_NEXT, #name))(__VA_ARGS__)

int setrlimit(__rlimit_resource_t resource, const struct rlimit *limit)
{
	SHIM(setrlimit, 1, resource, limit);
}

int setrlimit64(__rlimit_resource_t resource, const struct rlimit64 *limit)
{
	SHIM(setrlimit64, 1, resource, limit);
}

/* prlimit(pid, MEMLOCK, new, old) with old != NULL would also read the limit
 * back; crun does not do that, and old is left untouched here. */
int prlimit(pid_t pid, __rlimit_resource_t resource, const struct rlimit *limit, struct rlimit *old)
{
	SHIM(prlimit, limit != NULL, pid, resource, limit, old);
}

int prlimit64(pid_t pid, __rlimit_resource_t resource, const struct rlimit64 *limit, struct rlimit64 *old)
{
	SHIM(prlimit64, limit != NULL, pid, resource, limit, old);
}
