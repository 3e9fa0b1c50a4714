// SPDX-License-Identifier: GPL-2.0
/*
 * More NT memory than RAM: a process commits and writes twice the guest's
 * RAM (1 GiB in make check's 512 MiB guest) with a paging file, and every
 * byte reads back intact. Linux's OOM killer cannot see the module's pages,
 * so this passes only if the balance set manager pages out as fast as the
 * process writes: faults that need a page while memory is short wait for it
 * (throttled_faults), trimmed pages go to the paging file (pagefile_writes)
 * and come back by hard faults (page_reads).
 *
 * Needs a small guest: with more than 1 GiB of RAM it skips (make check
 * boots a 512 MiB guest for it, with NTEXEC_PAGEFILE_DIR on a disk-backed
 * share). As root it makes the paging file there; as an unprivileged user
 * it uses the one root made (the module keeps a paging file until it is
 * unloaded) and skips if there is none.
 */
#include <sys/stat.h>
#include <sys/sysinfo.h>

#include "vm_handle_util.h"

#define note(fmt, ...) do {						\
		printf("# " fmt "\n", ##__VA_ARGS__);			\
		fflush(stdout);						\
	} while (0)

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Each page's words: its own sequence, so that a page read back at the wrong
 * slot, a stale copy or a zero page all show.
 */
static void fill_page(uint64_t *w, uint64_t seed, uint64_t page)
{
	uint64_t x = mix(seed ^ (page << 12));

	for (size_t i = 0; i < PAGE / 8; i++, x += 0x632be59bd9b4e019ull)
		w[i] = x;
}

static int page_ok(const uint64_t *w, uint64_t seed, uint64_t page)
{
	uint64_t x = mix(seed ^ (page << 12));

	for (size_t i = 0; i < PAGE / 8; i++, x += 0x632be59bd9b4e019ull)
		if (w[i] != x)
			return 0;
	return 1;
}

TEST_TIMEOUT(more_nt_memory_than_ram, 1200)
{
	uint64_t seed = (uint64_t)mono_ns(), bad = 0, first_bad = 0;
	long reads0, writes0, throttled0, used0;
	unsigned long long ram;
	const char *dir;
	struct sysinfo si;
	char path[400];
	SIZE_T size, npages, p;
	uint64_t *mem;
	int64_t t0, t_write, t_read;

	nt_setup();
	ASSERT_EQ(sysinfo(&si), 0);
	ram = (unsigned long long)si.totalram * si.mem_unit;
	if (ram > (1ull << 30))
		SKIP("needs a guest with at most 1 GiB of RAM (make check boots one)");
	size = (SIZE_T)(2 * ram > (1ull << 30) ? 2 * ram : 1ull << 30);
	size = (size + MIB - 1) & ~(MIB - 1);
	npages = size / PAGE;

	if (module_param("pagefile_pages") < (long)(npages + npages / 4)) {
		dir = getenv("NTEXEC_PAGEFILE_DIR");
		if (ntt_unprivileged() || !dir)
			SKIP("no paging file big enough (root makes one in NTEXEC_PAGEFILE_DIR)");
		snprintf(path, sizeof(path), "%s/ntexec-pressure.pagefile", dir);
		unlink(path);
		ASSERT_STATUS(create_paging_file(path, (uint64_t)size + size / 2, (uint64_t)size + size / 2), STATUS_SUCCESS);
		/* The module holds the file open: the name can go. */
		ASSERT_EQ(unlink(path), 0);
	}
	reads0 = module_param("page_reads");
	writes0 = module_param("pagefile_writes");
	throttled0 = module_param("throttled_faults");
	used0 = steady_param("pagefile_used_pages");

	mem = (uint64_t *)xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_COMMIT,
				 PAGE_READWRITE);
	t0 = mono_ns();
	for (p = 0; p < npages; p++)
		fill_page(mem + p * (PAGE / 8), seed, p);
	t_write = ms_since(t0);
	t0 = mono_ns();
	for (p = 0; p < npages; p++) {
		if (!page_ok(mem + p * (PAGE / 8), seed, p) && !bad++)
			first_bad = p;
	}
	t_read = ms_since(t0);
	note("%zu MiB in %llu MiB of RAM: written in %lld ms, read back in %lld ms; "
	       "pages written to the paging file %ld, read back %ld, faults throttled %ld",
	       (size_t)(size >> 20), ram >> 20, (long long)t_write, (long long)t_read,
	       module_param("pagefile_writes") - writes0, module_param("page_reads") - reads0,
	       module_param("throttled_faults") - throttled0);
	EXPECT_EQ(bad, 0);
	if (bad)
		note("%llu bad pages, the first at page %llu", (unsigned long long)bad,
		       (unsigned long long)first_bad);
	/* Most of it went out and came back: it cannot all have stayed. */
	EXPECT_TRUE(module_param("page_reads") - reads0 >= (long)(npages - ram / PAGE));
	EXPECT_TRUE(module_param("pagefile_writes") - writes0 >= (long)(npages - ram / PAGE));
	xrelease(NtCurrentProcess(), mem, size);
	/* Released memory gives its slots back. */
	EXPECT_EQ(settle_param("pagefile_used_pages", used0), used0);
}
