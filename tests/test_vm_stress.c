// SPDX-License-Identifier: GPL-2.0
/*
 * A multi-threaded stress run of the memory manager, in the calling process
 * and in another one at once, every result checked against a model. The
 * helpers are in vm_handle_util.h.
 */
#include <stdatomic.h>

#include "vm_handle_util.h"

/* ------------------------------------------------------------------------ */
/* Stress                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Four threads allocate, commit, protect, decommit, release, touch and query
 * regions of their own, each against a model of what every page should be;
 * a fifth does the same to a kid through a handle; a sixth reads and
 * queries everyone's regions (with the owner's lock: exact expectations;
 * without it: only plausible ones). Every status and every byte read back
 * is checked.
 */
#define ST_LOCAL	4
#define ST_OWNERS	(ST_LOCAL + 1)	/* the last one works on the kid */
#define ST_REGIONS	6
#define ST_PAGES	24
#define ST_SECONDS	5

struct st_region {
	pthread_mutex_t lock;
	char *_Atomic base;		/* NULL: no allocation */
	unsigned int npages;
	unsigned char committed[ST_PAGES];
	ULONG prot[ST_PAGES];
	unsigned char val[ST_PAGES];	/* every byte of the page */
};

struct st_owner {
	struct st_region r[ST_REGIONS];
	HANDLE process;
	struct vmk *kid;		/* the remote owner's kid */
	uint64_t rng;
	long ops;
};

static struct {
	struct st_owner own[ST_OWNERS];
	atomic_int errors;
	atomic_int stop;
	atomic_long reads, queries, faults;
} st_;

#define SERR(fmt, ...) do {						\
		if (atomic_fetch_add(&st_.errors, 1) < 20)		\
			fprintf(stderr, "# stress: " fmt "\n", ##__VA_ARGS__); \
	} while (0)

static __thread sigjmp_buf *st_jmp;
static __thread volatile sig_atomic_t st_armed;

static void st_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!st_armed) {
		signal(sig, SIG_DFL);
		return;
	}
	st_armed = 0;
	siglongjmp(*st_jmp, 1);
}

/* Write or read a whole page; 1 when it faulted. *@mismatch counts bytes other than @v read. */
static int st_access(volatile unsigned char *p, int write, unsigned char v, int *mismatch)
{
	sigjmp_buf jb;
	size_t i;

	st_jmp = &jb;
	if (sigsetjmp(jb, 1))
		return 1;
	st_armed = 1;
	if (write) {
		for (i = 0; i < PAGE; i += 8)
			*(volatile uint64_t *)(p + i) = 0x0101010101010101ull * v;
	} else {
		for (i = 0; i < PAGE; i += 512)
			if (p[i] != v)
				(*mismatch)++;
		if (p[PAGE - 1] != v)
			(*mismatch)++;
	}
	st_armed = 0;
	return 0;
}

static int st_readable(const struct st_region *r, unsigned int pg)
{
	return r->committed[pg] && (r->prot[pg] == PAGE_READWRITE || r->prot[pg] == PAGE_READONLY);
}

static int st_writable(const struct st_region *r, unsigned int pg)
{
	return r->committed[pg] && r->prot[pg] == PAGE_READWRITE;
}

/* NtQueryVirtualMemory of page @pg against the model. */
static void st_check_query(HANDLE h, const struct st_region *r, unsigned int pg, unsigned int off,
			   const char *who)
{
	MEMORY_BASIC_INFORMATION m;
	unsigned int end = pg + 1;
	char *base = r->base;
	NTSTATUS s;

	while (end < r->npages && r->committed[end] == r->committed[pg] &&
	       (!r->committed[pg] || r->prot[end] == r->prot[pg]))
		end++;
	s = NtQueryVirtualMemory(h, base + pg * PAGE + off, MemoryBasicInformation, &m, sizeof(m),
				 NULL);
	atomic_fetch_add(&st_.queries, 1);
	if (s != STATUS_SUCCESS) {
		SERR("%s: query %p: 0x%08x", who, base + pg * PAGE, (uint32_t)s);
		return;
	}
	if (m.BaseAddress != base + pg * PAGE || m.AllocationBase != base ||
	    m.AllocationProtect != PAGE_READWRITE || m.Type != MEM_PRIVATE ||
	    m.State != (r->committed[pg] ? MEM_COMMIT : MEM_RESERVE) ||
	    m.Protect != (r->committed[pg] ? r->prot[pg] : 0) ||
	    m.RegionSize != (end - pg) * PAGE)
		SERR("%s: query page %u of %p: base %p alloc %p/%x state %x prot %x size %zx, "
		     "expected state %x prot %x size %zx", who, pg, base, m.BaseAddress,
		     m.AllocationBase, m.AllocationProtect, m.State, m.Protect,
		     (size_t)m.RegionSize, r->committed[pg] ? MEM_COMMIT : MEM_RESERVE,
		     r->committed[pg] ? r->prot[pg] : 0, (size_t)(end - pg) * PAGE);
}

/* NtReadVirtualMemory of @len bytes from page @pg + @off against the model. */
static void st_check_read(HANDLE h, const struct st_region *r, unsigned int pg, unsigned int off,
			  size_t len, const char *who)
{
	static __thread unsigned char buf[3 * PAGE];
	size_t expect = 0, i;
	unsigned int p;
	SIZE_T n = NTT_POISON64;
	NTSTATUS s;

	if (len > sizeof(buf))
		len = sizeof(buf);
	if (pg * PAGE + off + len > r->npages * PAGE)
		len = r->npages * PAGE - pg * PAGE - off;
	/*
	 * Readable bytes from the start, up to the first unreadable page; the
	 * source of a read (one 64 KiB chunk here) counts whole or not at all.
	 */
	for (p = pg; p < r->npages && expect < len && st_readable(r, p); p++)
		expect = (p + 1) * PAGE - (pg * PAGE + off);
	if (expect > len)
		expect = len;
	if (expect < len)
		expect = 0;
	s = NtReadVirtualMemory(h, r->base + pg * PAGE + off, buf, len, &n);
	atomic_fetch_add(&st_.reads, 1);
	if (s != (expect == len ? STATUS_SUCCESS : STATUS_PARTIAL_COPY) || n != expect) {
		SERR("%s: read %zu at page %u+%u of %p: 0x%08x, %zu bytes; expected %zu",
		     who, len, pg, off, r->base, (uint32_t)s, (size_t)n, expect);
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned int q = (pg * PAGE + off + i) / PAGE;

		if (buf[i] != r->val[q]) {
			SERR("%s: read byte %zu of page %u of %p: %02x, expected %02x", who, i, q,
			     r->base, buf[i], r->val[q]);
			return;
		}
	}
}

static unsigned int st_rand(struct st_owner *o, unsigned int n)
{
	return (unsigned int)(ntt_rand(&o->rng) % n);
}

/* One random operation on one of @o's regions; @r is locked. */
static void st_op(struct st_owner *o, struct st_region *r, const char *who)
{
	HANDLE h = o->process;
	unsigned int a, b, i, pg;
	NTSTATUS s;
	void *p;
	SIZE_T sz;
	ULONG old;

	if (!r->base) {
		int commit = ntt_rand(&o->rng) & 1;

		r->npages = 1 + st_rand(o, ST_PAGES);
		p = NULL;
		sz = r->npages * PAGE;
		s = vm_alloc(h, &p, &sz, MEM_RESERVE | (commit ? MEM_COMMIT : 0), PAGE_READWRITE);
		if (s != STATUS_SUCCESS || !p || pv(p) % GRANULE || sz != r->npages * PAGE) {
			SERR("%s: allocate %u pages: 0x%08x %p %zx", who, r->npages, (uint32_t)s,
			     p, (size_t)sz);
			return;
		}
		for (i = 0; i < r->npages; i++) {
			r->committed[i] = commit;
			r->prot[i] = commit ? PAGE_READWRITE : 0;
			r->val[i] = 0;
		}
		atomic_store(&r->base, (char *)p);
		return;
	}

	a = st_rand(o, r->npages);
	b = a + 1 + st_rand(o, r->npages - a);
	pg = a;
	switch (st_rand(o, 16)) {
	case 0:
	case 1:	/* commit [a, b) read-write, unless that would change a protection */
		for (i = a; i < b; i++)
			if (r->committed[i] && r->prot[i] != PAGE_READWRITE)
				return;
		p = r->base + a * PAGE;
		sz = (b - a) * PAGE;
		s = vm_alloc(h, &p, &sz, MEM_COMMIT, PAGE_READWRITE);
		if (s != STATUS_SUCCESS || p != r->base + a * PAGE || sz != (b - a) * PAGE) {
			SERR("%s: commit %u-%u of %p: 0x%08x", who, a, b, r->base, (uint32_t)s);
			return;
		}
		for (i = a; i < b; i++) {
			if (!r->committed[i])
				r->val[i] = 0;
			r->committed[i] = 1;
			r->prot[i] = PAGE_READWRITE;
		}
		break;
	case 2:	/* decommit [a, b); uncommitted pages in the range are fine */
		p = r->base + a * PAGE;
		sz = (b - a) * PAGE;
		s = NtFreeVirtualMemory(h, &p, &sz, MEM_DECOMMIT);
		if (s != STATUS_SUCCESS || p != r->base + a * PAGE || sz != (b - a) * PAGE) {
			SERR("%s: decommit %u-%u of %p: 0x%08x", who, a, b, r->base, (uint32_t)s);
			return;
		}
		for (i = a; i < b; i++) {
			r->committed[i] = 0;
			r->prot[i] = 0;
			r->val[i] = 0;
		}
		break;
	case 3:
	case 4: {	/* protect [a, b) */
		static const ULONG prots[] = { PAGE_READWRITE, PAGE_READONLY, PAGE_NOACCESS };
		ULONG np = prots[st_rand(o, 3)];
		int all = 1;

		for (i = a; i < b; i++)
			all &= r->committed[i];
		old = NTT_POISON32;
		s = vm_protect(h, r->base + a * PAGE, (b - a) * PAGE, np, &old);
		if (!all) {
			if (s != STATUS_NOT_COMMITTED)
				SERR("%s: protect %u-%u of %p (not all committed): 0x%08x", who,
				     a, b, r->base, (uint32_t)s);
			return;
		}
		if (s != STATUS_SUCCESS || old != r->prot[a]) {
			SERR("%s: protect %u-%u of %p: 0x%08x old %x expected %x", who, a, b,
			     r->base, (uint32_t)s, old, r->prot[a]);
			return;
		}
		for (i = a; i < b; i++)
			r->prot[i] = np;
		break;
	}
	case 5:
	case 6:
	case 7: {	/* write page pg */
		unsigned char v = (unsigned char)(1 + st_rand(o, 255));
		int faulted, mismatch = 0;

		if (o->kid) {
			SIZE_T n = NTT_POISON64;
			static __thread unsigned char page[PAGE];

			if (ntt_rand(&o->rng) & 1) {
				/* The kid writes it itself. */
				struct vmk_reply rep = vmk_call(o->kid, VMK_FILL, v,
								r->base + pg * PAGE, PAGE);

				if (rep.fault != !st_writable(r, pg) ||
				    (rep.fault && rep.fault_addr != pv(r->base + pg * PAGE)))
					SERR("%s: kid write page %u of %p: fault %u at %#llx", who,
					     pg, r->base, rep.fault,
					     (unsigned long long)rep.fault_addr);
				if (!rep.fault)
					r->val[pg] = v;
				break;
			}
			memset(page, v, PAGE);
			s = NtWriteVirtualMemory(h, r->base + pg * PAGE, page, PAGE, &n);
			if (st_writable(r, pg) ? (s != STATUS_SUCCESS || n != PAGE) :
			    (s != STATUS_PARTIAL_COPY || n != 0))
				SERR("%s: remote write page %u of %p: 0x%08x %zu", who, pg, r->base,
				     (uint32_t)s, (size_t)n);
			if (s == STATUS_SUCCESS)
				r->val[pg] = v;
			break;
		}
		faulted = st_access((volatile unsigned char *)r->base + pg * PAGE, 1, v, &mismatch);
		if (faulted)
			atomic_fetch_add(&st_.faults, 1);
		if (faulted != !st_writable(r, pg))
			SERR("%s: write page %u of %p: faulted %d, committed %u prot %x", who, pg,
			     r->base, faulted, r->committed[pg], r->prot[pg]);
		if (!faulted)
			r->val[pg] = v;
		break;
	}
	case 8:
	case 9: {	/* read page pg */
		int faulted, mismatch = 0;

		if (o->kid) {
			struct vmk_reply rep = vmk_call(o->kid, VMK_HASH, 0, r->base + pg * PAGE,
							PAGE);

			if (rep.fault != !st_readable(r, pg) ||
			    (!rep.fault && rep.value != fnv_fill(r->val[pg], PAGE)))
				SERR("%s: kid read page %u of %p: fault %u", who, pg, r->base,
				     rep.fault);
			break;
		}
		faulted = st_access((volatile unsigned char *)r->base + pg * PAGE, 0, r->val[pg],
				    &mismatch);
		if (faulted)
			atomic_fetch_add(&st_.faults, 1);
		if (faulted != !st_readable(r, pg) || mismatch)
			SERR("%s: read page %u of %p: faulted %d, %d bytes differ", who, pg,
			     r->base, faulted, mismatch);
		break;
	}
	case 10:
	case 11:
		st_check_query(h, r, pg, st_rand(o, PAGE), who);
		break;
	case 12:
	case 13:
		st_check_read(h, r, pg, st_rand(o, PAGE), 1 + st_rand(o, 2 * PAGE), who);
		break;
	default:	/* release */
		p = r->base;
		sz = 0;
		s = NtFreeVirtualMemory(h, &p, &sz, MEM_RELEASE);
		if (s != STATUS_SUCCESS || sz != r->npages * PAGE)
			SERR("%s: release %p: 0x%08x %zx", who, r->base, (uint32_t)s, (size_t)sz);
		atomic_store(&r->base, (char *)NULL);
		break;
	}
}

static void *st_owner_thread(void *arg)
{
	struct st_owner *o = arg;
	char who[32];

	snprintf(who, sizeof(who), "%s %d", o->kid ? "remote" : "local", (int)(o - st_.own));
	while (!atomic_load(&st_.stop)) {
		struct st_region *r = &o->r[st_rand(o, ST_REGIONS)];

		pthread_mutex_lock(&r->lock);
		st_op(o, r, who);
		pthread_mutex_unlock(&r->lock);
		o->ops++;
	}
	return NULL;
}

/* Reads and queries the owners' regions. */
static void *st_reader_thread(void *arg)
{
	uint64_t rng = (uint64_t)(uintptr_t)arg;

	ntt_rand(&rng);
	while (!atomic_load(&st_.stop)) {
		struct st_owner *o = &st_.own[ntt_rand(&rng) % ST_OWNERS];
		struct st_region *r = &o->r[ntt_rand(&rng) % ST_REGIONS];
		unsigned int pg, off = ntt_rand(&rng) % PAGE;

		if (ntt_rand(&rng) % 4) {
			/* Under the owner's lock: the model is exact. */
			pthread_mutex_lock(&r->lock);
			if (r->base) {
				pg = ntt_rand(&rng) % r->npages;
				if (ntt_rand(&rng) & 1)
					st_check_query(o->process, r, pg, off, "reader");
				else
					st_check_read(o->process, r, pg, off,
						      1 + ntt_rand(&rng) % (2 * PAGE), "reader");
			}
			pthread_mutex_unlock(&r->lock);
		} else {
			/* Racing the owner: the answer must only be plausible. */
			static __thread unsigned char buf[2 * PAGE];
			char *base = atomic_load(&r->base);
			MEMORY_BASIC_INFORMATION m;
			SIZE_T n = NTT_POISON64;
			NTSTATUS s;

			if (!base)
				continue;
			s = NtReadVirtualMemory(o->process, base + off, buf, sizeof(buf), &n);
			if ((s != STATUS_SUCCESS && s != STATUS_PARTIAL_COPY) || n > sizeof(buf) ||
			    (s == STATUS_SUCCESS && n != sizeof(buf)))
				SERR("racy read %p: 0x%08x %zu", base + off, (uint32_t)s, (size_t)n);
			s = NtQueryVirtualMemory(o->process, base + off, MemoryBasicInformation, &m,
						 sizeof(m), NULL);
			if (s != STATUS_SUCCESS ||
			    (m.State != MEM_FREE && m.State != MEM_RESERVE && m.State != MEM_COMMIT) ||
			    m.BaseAddress != base || !m.RegionSize || m.RegionSize % PAGE)
				SERR("racy query %p: 0x%08x state %x base %p size %zx", base + off,
				     (uint32_t)s, m.State, m.BaseAddress, (size_t)m.RegionSize);
		}
	}
	return NULL;
}

TEST_TIMEOUT(stress_vm, 120)
{
	pthread_t th[ST_OWNERS + 1];
	struct sigaction sa;
	struct vmk k;
	uint64_t seed;
	long ops = 0;
	int i, j;

	nt_setup();
	memset(&st_, 0, sizeof(st_));
	seed = ntt_seed();
	/* Forked by this (the main) thread, which outlives the others: PR_SET_PDEATHSIG. */
	k = vmk_spawn();

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = st_fault;
	sa.sa_flags = SA_SIGINFO;
	ASSERT_EQ(sigaction(SIGSEGV, &sa, NULL), 0);
	ASSERT_EQ(sigaction(SIGBUS, &sa, NULL), 0);

	for (i = 0; i < ST_OWNERS; i++) {
		struct st_owner *o = &st_.own[i];

		for (j = 0; j < ST_REGIONS; j++)
			pthread_mutex_init(&o->r[j].lock, NULL);
		o->rng = seed ^ ((uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull);
		ntt_rand(&o->rng);
		o->process = NtCurrentProcess();
		if (i == ST_LOCAL) {
			o->process = xopen_process(VM_RIGHTS, k.pid);
			o->kid = &k;
		}
	}
	for (i = 0; i < ST_OWNERS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, st_owner_thread, &st_.own[i]), 0);
	ASSERT_EQ(pthread_create(&th[ST_OWNERS], NULL, st_reader_thread,
				 (void *)(uintptr_t)(seed | 1)), 0);
	sleep_ms(ST_SECONDS * 1000 * (ntt_long() ? 10 : 1));
	atomic_store(&st_.stop, 1);
	for (i = 0; i <= ST_OWNERS; i++)
		pthread_join(th[i], NULL);

	/* Whatever is left is released, and then the address is free. */
	for (i = 0; i < ST_OWNERS; i++) {
		struct st_owner *o = &st_.own[i];

		for (j = 0; j < ST_REGIONS; j++) {
			char *base = o->r[j].base;

			if (!base)
				continue;
			st_check_query(o->process, &o->r[j], 0, 0, "final");
			xrelease(o->process, base, o->r[j].npages * PAGE);
			expect_free(o->process, base);
		}
		ops += o->ops;
	}
	fprintf(stderr, "# stress: %ld operations, %ld reads, %ld queries, %ld expected faults\n",
		ops, atomic_load(&st_.reads), atomic_load(&st_.queries), atomic_load(&st_.faults));
	EXPECT_EQ(atomic_load(&st_.errors), 0);
	EXPECT_GT(ops, 100);
	xclose(st_.own[ST_LOCAL].process);
	vmk_kill(&k);
}
