// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: sections (ntmm/section.c) and views (ntmm/view.c). The segment's
 * page records and commit state on their own; views with real faults in
 * an address space of the case's own (mm_ctx.h), where that exists.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/shmem_fs.h>

#include "mm_ctx.h"
#include "pe_image.h"
#include "../ntmm/pe.h"

#define SP(n)	((u64)(n) << PAGE_SHIFT)

static struct mm_section *new_section(struct kunit *test, u64 size, u32 protect,
				      u32 attributes)
{
	struct mm_section *section = NULL;

	KUNIT_ASSERT_EQ(test, mm_create_section(size, protect, attributes, &section),
			STATUS_SUCCESS);
	KUNIT_ASSERT_NOT_NULL(test, section);
	return section;
}

struct create_case {
	u64 size;
	u32 protect;
	u32 attributes;
	ntstatus_t status;
};

static const struct create_case create_cases[] = {
	{ SP(1), NT_PAGE_READWRITE, NT_SEC_COMMIT, STATUS_SUCCESS },
	{ SP(1), NT_PAGE_EXECUTE_WRITECOPY, NT_SEC_RESERVE | NT_SEC_NOCACHE, STATUS_SUCCESS },
	{ SP(1), NT_PAGE_READWRITE | NT_PAGE_NOCACHE, NT_SEC_COMMIT, STATUS_SUCCESS },
	{ SP(1), NT_PAGE_READWRITE, 0, STATUS_INVALID_PARAMETER_6 },
	{ SP(1), NT_PAGE_READWRITE, NT_SEC_COMMIT | NT_SEC_RESERVE, STATUS_INVALID_PARAMETER_6 },
	{ SP(1), NT_PAGE_READWRITE, NT_SEC_COMMIT | 0x1000, STATUS_INVALID_PARAMETER_6 },
	{ SP(1), NT_PAGE_NOACCESS, NT_SEC_COMMIT, STATUS_INVALID_PAGE_PROTECTION },
	{ SP(1), NT_PAGE_EXECUTE, NT_SEC_COMMIT, STATUS_INVALID_PAGE_PROTECTION },
	{ SP(1), NT_PAGE_READWRITE | NT_PAGE_GUARD, NT_SEC_COMMIT,
	  STATUS_INVALID_PAGE_PROTECTION },
	{ SP(1), NT_PAGE_READWRITE | NT_PAGE_NOCACHE | NT_PAGE_WRITECOMBINE, NT_SEC_COMMIT,
	  STATUS_INVALID_PAGE_PROTECTION },
	{ SP(1), NT_PAGE_READONLY | NT_PAGE_READWRITE, NT_SEC_COMMIT,
	  STATUS_INVALID_PAGE_PROTECTION },
	{ 0, NT_PAGE_READWRITE, NT_SEC_COMMIT, STATUS_INVALID_PARAMETER_4 },
	{ 0x800000000000ull, NT_PAGE_READWRITE, NT_SEC_RESERVE, STATUS_SECTION_TOO_BIG },
	{ ~0ull, NT_PAGE_READWRITE, NT_SEC_RESERVE, STATUS_SECTION_TOO_BIG },
};

static void create_desc(const struct create_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %#llx protect %#x attributes %#x",
		 c->size, c->protect, c->attributes);
}

KUNIT_ARRAY_PARAM(create, create_cases, create_desc);

static void create_section_arguments(struct kunit *test)
{
	const struct create_case *c = test->param_value;
	struct mm_section *section = NULL;
	long committed = mm_committed_pages();

	KUNIT_EXPECT_EQ(test, mm_create_section(c->size, c->protect, c->attributes, &section),
			c->status);
	if (!c->status) {
		KUNIT_ASSERT_NOT_NULL(test, section);
		ob_dereference(&section->ob);
	} else {
		KUNIT_EXPECT_NULL(test, section);
	}
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed);
}

/* The page records: made once, shared, freed with the section. */
static void segment_pages_live_with_section(struct kunit *test)
{
	long committed = mm_committed_pages(), resident = mm_resident_pages();
	struct mm_section *section;
	struct mm_segment *seg;
	struct page *page;
	u8 *p;

	section = new_section(test, SP(8) - 5, NT_PAGE_READWRITE, NT_SEC_COMMIT);
	KUNIT_EXPECT_EQ(test, section->size, SP(8));
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed + 8);
	seg = section->segment;
	KUNIT_EXPECT_NULL(test, mm_segment_page(seg, 3, false));
	page = mm_segment_page(seg, 3, true);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_PTR_EQ(test, mm_segment_page(seg, 3, false), page);
	KUNIT_EXPECT_PTR_EQ(test, mm_segment_page(seg, 3, true), page);
	KUNIT_EXPECT_NULL(test, mm_segment_page(seg, 4, false));
	KUNIT_EXPECT_EQ(test, mm_resident_pages(), resident + 1);
	/* A new page is zeroed. */
	p = kmap_local_page(page);
	KUNIT_EXPECT_TRUE(test, is_zero(p, PAGE_SIZE));
	kunmap_local(p);
	KUNIT_EXPECT_TRUE(test, mm_segment_committed(seg, 7));

	ob_dereference(&section->ob);
	KUNIT_EXPECT_EQ(test, mm_resident_pages(), resident);
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed);
}

/*
 * A file's segment holds the file's own page-cache pages, read on demand,
 * charged while held, and lets them and the file go at its end; a write
 * is handed to the file system and flushed.
 */
static void file_segment_pages(struct kunit *test)
{
	long committed = mm_committed_pages(), resident = mm_resident_pages();
	struct mm_section *section = NULL;
	struct page *page, *cached;
	struct mm_segment *seg;
	char buf[8] = "ntexec!";
	struct file *file;
	loff_t pos;
	u8 *p;
	int i;

	file = shmem_file_setup("ntexec-kunit", SP(3), 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	pos = SP(1) + 16;
	KUNIT_ASSERT_EQ(test, kernel_write(file, buf, sizeof(buf), &pos), sizeof(buf));
	/* A read-only file handle gives no writable section. */
	KUNIT_EXPECT_EQ(test, mm_create_file_section(file, FILE_READ_DATA, 0, NT_PAGE_READWRITE,
						     NT_SEC_COMMIT, &section),
			STATUS_ACCESS_DENIED);
	KUNIT_ASSERT_EQ(test, mm_create_file_section(file, FILE_READ_DATA | FILE_WRITE_DATA,
						     SP(3) - 100, NT_PAGE_READWRITE,
						     NT_SEC_COMMIT, &section),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, section->size, SP(3) - 100);
	KUNIT_EXPECT_EQ(test, section->attributes, NT_SEC_FILE | NT_SEC_COMMIT);
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed);
	seg = section->segment;
	KUNIT_EXPECT_TRUE(test, mm_segment_committed(seg, 2));
	KUNIT_EXPECT_NULL(test, mm_segment_page(seg, 1, false));
	page = mm_segment_page(seg, 1, true);
	KUNIT_ASSERT_NOT_NULL(test, page);
	/* The file's own page, not a copy. */
	cached = shmem_read_mapping_page(file->f_mapping, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(cached));
	KUNIT_EXPECT_PTR_EQ(test, cached, page);
	put_page(cached);
	KUNIT_EXPECT_PTR_EQ(test, mm_segment_page(seg, 1, false), page);
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed + 1);
	KUNIT_EXPECT_EQ(test, mm_resident_pages(), resident + 1);
	p = kmap_local_page(page);
	KUNIT_EXPECT_EQ(test, memcmp(p + 16, buf, sizeof(buf)), 0);
	/* A write through a view: marked, handed over, flushed. */
	KUNIT_EXPECT_FALSE(test, mm_file_page_written(seg, 1));
	p[100] = 'w';
	kunmap_local(p);
	mm_file_written(seg, 1);
	KUNIT_EXPECT_TRUE(test, mm_file_page_written(seg, 1));
	KUNIT_EXPECT_EQ(test, mm_file_flush(seg, 0, 3), STATUS_SUCCESS);
	KUNIT_EXPECT_FALSE(test, xa_get_mark(&seg->pages, 1, MM_SEG_TO_SYNC));
	pos = SP(1) + 100;
	KUNIT_EXPECT_EQ(test, kernel_read(file, buf, 1, &pos), 1);
	KUNIT_EXPECT_EQ(test, buf[0], 'w');
	/* Past the end of the file: no page. */
	KUNIT_EXPECT_EQ(test, vfs_truncate(&file->f_path, SP(2)), 0);
	KUNIT_EXPECT_NULL(test, mm_segment_page(seg, 2, true));
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed + 1);

	/* Its end runs on the work queue: the pages and the file go. */
	ob_dereference(&section->ob);
	for (i = 0; i < 100 && (mm_resident_pages() != resident ||
			       file_count(file) != 1); i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, mm_resident_pages(), resident);
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed);
	KUNIT_EXPECT_EQ(test, file_count(file), 1);
	fput(file);
}

/*
 * An image segment: the image as laid out in memory, made page by page
 * from the file, shared by every section of the file, charged while it
 * lives, and let go with the last section (and the file's write denial
 * with it).
 */
static void image_segment_pages(struct kunit *test)
{
	long committed = mm_committed_pages(), resident = mm_resident_pages();
	struct nt_section_image_information info;
	struct mm_section *a = NULL, *b = NULL;
	struct mm_segment *seg;
	struct file *file;
	struct page *page;
	loff_t pos = 0;
	u8 *img, *p;
	int i;

	file = shmem_file_setup("ntexec-kunit-image", T_FILE_SIZE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	img = t_build(test);
	KUNIT_ASSERT_EQ(test, kernel_write(file, img, T_FILE_SIZE, &pos), T_FILE_SIZE);
	KUNIT_ASSERT_EQ(test, mm_create_image_section(file, FILE_READ_DATA, NT_PAGE_READONLY,
						      NT_SEC_IMAGE, &a), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, a->size, (u64)T_IMAGE_SIZE);
	KUNIT_EXPECT_EQ(test, a->attributes, NT_SEC_FILE | NT_SEC_IMAGE);
	KUNIT_ASSERT_EQ(test, mm_create_image_section(file, FILE_READ_DATA, NT_PAGE_READONLY,
						      NT_SEC_IMAGE, &b), STATUS_SUCCESS);
	seg = a->segment;
	KUNIT_EXPECT_PTR_EQ(test, b->segment, seg);
	KUNIT_EXPECT_EQ(test, atomic_read(&file_inode(file)->i_writecount) < 0, true);
	KUNIT_EXPECT_EQ(test, mm_query_image(a, &info), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, info.transfer_address, T_BASE + T_ENTRY);
	KUNIT_EXPECT_EQ(test, info.image_file_size, T_FILE_SIZE);

	/* Nothing is made before it is asked for, then each page once. */
	KUNIT_EXPECT_NULL(test, mm_segment_page(seg, 3, false));
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed);
	page = mm_segment_page(seg, 3, true);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_PTR_EQ(test, mm_segment_page(seg, 3, true), page);
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed + 1);
	KUNIT_EXPECT_EQ(test, mm_resident_pages(), resident + 1);
	/* .data: 0x200 bytes of the file at 0x600, then zeros. */
	p = kmap_local_page(page);
	for (i = 0; i < 0x200; i++)
		if (p[i] != img[0x600 + i])
			break;
	KUNIT_EXPECT_EQ(test, i, 0x200);
	KUNIT_EXPECT_TRUE(test, is_zero(p + 0x200, PAGE_SIZE - 0x200));
	kunmap_local(p);
	/* The headers, and the code at its RVA. */
	page = mm_segment_page(seg, 0, true);
	KUNIT_ASSERT_NOT_NULL(test, page);
	p = kmap_local_page(page);
	KUNIT_EXPECT_EQ(test, memcmp(p, img, 0x200), 0);
	KUNIT_EXPECT_TRUE(test, is_zero(p + 0x200, PAGE_SIZE - 0x200));
	kunmap_local(p);
	page = mm_segment_page(seg, 1, true);
	KUNIT_ASSERT_NOT_NULL(test, page);
	p = kmap_local_page(page);
	KUNIT_EXPECT_EQ(test, memcmp(p, img + 0x200, 6), 0);
	kunmap_local(p);
	/* Past the image: nothing. */
	KUNIT_EXPECT_NULL(test, mm_segment_page(seg, 5, true));

	ob_dereference(&a->ob);
	KUNIT_EXPECT_EQ(test, mm_resident_pages(), resident + 3);
	ob_dereference(&b->ob);
	KUNIT_EXPECT_EQ(test, mm_resident_pages(), resident);
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed);
	KUNIT_EXPECT_EQ(test, atomic_read(&file_inode(file)->i_writecount) < 0, false);
	fput(file);
}

/* The part of the commit sections hold (Windows' shared commit). */
static unsigned long shared_pages(struct kunit *test)
{
	struct mm_system_memory m;

	mm_query_system_memory(&m);
	KUNIT_EXPECT_GE(test, m.commit_peak, m.committed);
	KUNIT_EXPECT_LE(test, m.shared_committed, m.committed);
	return m.shared_committed;
}

/* SEC_RESERVE: pages are charged once, as they are committed, as shared. */
static void segment_reserve_commit(struct kunit *test)
{
	long committed = mm_committed_pages();
	unsigned long shared = shared_pages(test);
	struct mm_section *section;
	struct mm_segment *seg;
	bool state;

	section = new_section(test, SP(32), NT_PAGE_READWRITE, NT_SEC_RESERVE);
	seg = section->segment;
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed);
	KUNIT_EXPECT_EQ(test, mm_segment_committed_run(seg, 0, 32, &state), 32ul);
	KUNIT_EXPECT_FALSE(test, state);

	KUNIT_EXPECT_EQ(test, mm_segment_commit(seg, 4, 4), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed + 4);
	KUNIT_EXPECT_EQ(test, shared_pages(test), shared + 4);
	KUNIT_EXPECT_FALSE(test, mm_segment_committed(seg, 3));
	KUNIT_EXPECT_TRUE(test, mm_segment_committed(seg, 4));
	KUNIT_EXPECT_TRUE(test, mm_segment_committed(seg, 7));
	KUNIT_EXPECT_FALSE(test, mm_segment_committed(seg, 8));
	KUNIT_EXPECT_EQ(test, mm_segment_committed_run(seg, 0, 32, &state), 4ul);
	KUNIT_EXPECT_FALSE(test, state);
	KUNIT_EXPECT_EQ(test, mm_segment_committed_run(seg, 5, 32, &state), 8ul);
	KUNIT_EXPECT_TRUE(test, state);
	KUNIT_EXPECT_EQ(test, mm_segment_committed_run(seg, 5, 6, &state), 6ul);

	/* Committing over committed pages charges only the new ones. */
	KUNIT_EXPECT_EQ(test, mm_segment_commit(seg, 6, 4), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed + 6);
	KUNIT_EXPECT_EQ(test, shared_pages(test), shared + 6);
	KUNIT_EXPECT_EQ(test, mm_segment_committed_run(seg, 4, 32, &state), 10ul);

	ob_dereference(&section->ob);
	KUNIT_EXPECT_EQ(test, mm_committed_pages(), committed);
	KUNIT_EXPECT_EQ(test, shared_pages(test), shared);
}

#ifdef NTX_HAVE_KUNIT_VM_MMAP

static u64 map(struct mm_ctx *c, struct mm_section *section, u32 access, u64 base,
	       u64 offset, u64 size, u32 type, u32 protect, ntstatus_t expect)
{
	struct mm_view_args args = {
		.base = base, .offset = offset, .size = size,
		.inherit = NT_VIEW_SHARE, .type = type, .protect = protect,
	};

	KUNIT_EXPECT_EQ(c->test, mm_map_view(&c->process->vm, c->mm, section, access, &args),
			expect);
	return expect ? 0 : args.base;
}

/* Views in one address space share the section's pages, through real faults. */
static void views_share_pages(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	struct mm_section *section;
	u64 a, b, w;

	section = new_section(test, SP(16), NT_PAGE_READWRITE, NT_SEC_COMMIT);
	a = map(c, section, SECTION_ALL_ACCESS, 0, 0, 0, 0, NT_PAGE_READWRITE, STATUS_SUCCESS);
	b = map(c, section, SECTION_ALL_ACCESS, 0, 0, 0, 0, NT_PAGE_READONLY, STATUS_SUCCESS);
	w = map(c, section, SECTION_MAP_READ, 0, 0, 0, 0, NT_PAGE_WRITECOPY, STATUS_SUCCESS);
	KUNIT_ASSERT_NE(test, a, 0ull);
	KUNIT_ASSERT_NE(test, b, 0ull);
	KUNIT_ASSERT_NE(test, w, 0ull);
	/* The views hold the section: our reference may go. */
	ob_dereference(&section->ob);

	fill(c->kbuf, 1);
	KUNIT_EXPECT_EQ(test, uwrite(a + SP(5), c->kbuf, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, b + SP(5), PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	/* A read-only view refuses the write. */
	KUNIT_EXPECT_EQ(test, uwrite(b + SP(6), c->kbuf, 8), 8ul);
	/* The write-copy view reads the section until it writes its copy. */
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, w + SP(5), PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	fill(c->kbuf2, 2);
	KUNIT_EXPECT_EQ(test, uwrite(w + SP(5), c->kbuf2, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, a + SP(5), PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);

	KUNIT_EXPECT_EQ(test, mm_unmap_view(&c->process->vm, c->mm, a + SP(3)), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, a, 8), 8ul);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, b + SP(5), PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, mm_unmap_view(&c->process->vm, c->mm, a),
			STATUS_NOT_MAPPED_VIEW);
	KUNIT_EXPECT_EQ(test, mm_unmap_view(&c->process->vm, c->mm, b), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, mm_unmap_view(&c->process->vm, c->mm, w), STATUS_SUCCESS);
}

/* Where a view goes, and where it may not. */
static void view_placement(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	struct mm_section *section;
	u64 base, low, high, priv;

	section = new_section(test, SP(32), NT_PAGE_READWRITE, NT_SEC_COMMIT);
	/* A free range: reserved, then released. */
	base = nt_alloc(c, 0, SP(64), NT_MEM_RESERVE, NT_PAGE_READWRITE);
	KUNIT_ASSERT_EQ(test, nt_free(c, base, 0, NT_MEM_RELEASE), STATUS_SUCCESS);

	KUNIT_EXPECT_EQ(test, map(c, section, SECTION_ALL_ACCESS, base, 0, SP(16), 0,
				  NT_PAGE_READWRITE, STATUS_SUCCESS), base);
	/* Over the view, in it, or at an unaligned base or offset. */
	map(c, section, SECTION_ALL_ACCESS, base, 0, SP(1), 0, NT_PAGE_READWRITE,
	    STATUS_CONFLICTING_ADDRESSES);
	map(c, section, SECTION_ALL_ACCESS, base + SP(1), 0, SP(1), 0, NT_PAGE_READWRITE,
	    STATUS_MAPPED_ALIGNMENT);
	map(c, section, SECTION_ALL_ACCESS, 0, SP(1), SP(1), 0, NT_PAGE_READWRITE,
	    STATUS_MAPPED_ALIGNMENT);
	/* Past the section, or larger than what is left of it. */
	map(c, section, SECTION_ALL_ACCESS, 0, SP(32), 0, 0, NT_PAGE_READWRITE,
	    STATUS_INVALID_VIEW_SIZE);
	map(c, section, SECTION_ALL_ACCESS, 0, SP(16), SP(17), 0, NT_PAGE_READWRITE,
	    STATUS_INVALID_VIEW_SIZE);
	/* The handle's rights and the section's protection. */
	map(c, section, SECTION_MAP_READ, 0, 0, 0, 0, NT_PAGE_READWRITE, STATUS_ACCESS_DENIED);
	map(c, section, SECTION_ALL_ACCESS, 0, 0, 0, 0, NT_PAGE_EXECUTE_READ,
	    STATUS_SECTION_PROTECTION);
	/* Top-down above bottom-up. */
	low = map(c, section, SECTION_ALL_ACCESS, 0, SP(16), 0, 0, NT_PAGE_READONLY,
		  STATUS_SUCCESS);
	high = map(c, section, SECTION_ALL_ACCESS, 0, SP(16), 0, NT_MEM_TOP_DOWN,
		   NT_PAGE_READONLY, STATUS_SUCCESS);
	KUNIT_EXPECT_GT(test, high, low);
	/* Private memory is no view. */
	priv = nt_alloc(c, 0, SP(1), NT_MEM_RESERVE | NT_MEM_COMMIT, NT_PAGE_READWRITE);
	KUNIT_EXPECT_EQ(test, mm_unmap_view(&c->process->vm, c->mm, priv),
			STATUS_NOT_MAPPED_VIEW);
	/* And a view is no private memory. */
	KUNIT_EXPECT_EQ(test, nt_free(c, base, 0, NT_MEM_RELEASE),
			STATUS_UNABLE_TO_DELETE_SECTION);
	KUNIT_EXPECT_EQ(test, nt_free(c, base, SP(1), NT_MEM_DECOMMIT),
			STATUS_UNABLE_TO_DELETE_SECTION);
	ob_dereference(&section->ob);
	/* The case's address space goes with its views. */
}

#endif /* NTX_HAVE_KUNIT_VM_MMAP */

static struct kunit_case section_test_cases[] = {
	KUNIT_CASE_PARAM(create_section_arguments, create_gen_params),
	KUNIT_CASE(segment_pages_live_with_section),
	KUNIT_CASE(segment_reserve_commit),
	KUNIT_CASE(file_segment_pages),
	KUNIT_CASE(image_segment_pages),
#ifdef NTX_HAVE_KUNIT_VM_MMAP
	KUNIT_CASE(views_share_pages),
	KUNIT_CASE(view_placement),
#endif
	{}
};

static struct kunit_suite section_test_suite = {
	.name = "ntexec_section",
	.test_cases = section_test_cases,
};
kunit_test_suite(section_test_suite);
