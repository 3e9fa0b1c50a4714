// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the PE32+ image header validator (ntmm/pe.c).
 *
 * A small builder writes a minimal valid image; the table then changes one
 * field (or two, where one alone would break another rule first) and names
 * the status mm_pe_parse() must return. Every buffer handed to the parser
 * is an allocation of exactly the length it is told, so that KASAN catches
 * a read past it.
 *
 * The image (tests/pe_util.h writes the same one for user-space tests):
 *
 *   file     0x000  DOS header, e_lfanew 0x40
 *            0x040  "PE\0\0", file header, optional header (0xf0 bytes)
 *            0x148  3 section headers; SizeOfHeaders 0x200
 *            0x200  .text raw data (0x200 bytes): mov eax, 42; ret
 *            0x400  .rdata raw data (0x200)
 *            0x600  .data raw data (0x200); the file ends at 0x800
 *   memory   0x0000 headers            PAGE_READONLY
 *            0x1000 .text   vsize 6    PAGE_EXECUTE_READ (entry point)
 *            0x2000 .rdata  vsize 0x40 PAGE_READONLY
 *            0x3000 .data   vsize 0x1800, 0x200 from the file, the rest
 *                                      zero, PAGE_WRITECOPY
 *            0x5000 SizeOfImage; ImageBase 0x140000000
 */
#include <kunit/test.h>
#include <linux/pe.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../ntmm/pe.h"
#include "pe_image.h"

/* Store the low @width bytes of @value at @off (x86_64 is little-endian). */
static void t_poke(u8 *buf, size_t off, unsigned int width, u64 value)
{
	__le64 v = cpu_to_le64(value);

	memcpy(buf + off, &v, width);
}

/* Parse the first @len bytes of @image from a copy of exactly that size. */
static ntstatus_t t_parse(struct kunit *test, const u8 *image, size_t len,
			  u64 file_size, struct mm_image *img)
{
	u8 *copy = kunit_kmalloc(test, len ? len : 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, image, len);
	return mm_pe_parse(copy, len, file_size, img);
}

static void pe_valid_image(struct kunit *test)
{
	u8 *buf = t_build(test);
	struct mm_image img;
	u32 i;

	memset(&img, 0xcc, sizeof(img));
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, img.image_base, T_BASE);
	KUNIT_EXPECT_EQ(test, img.size_of_image, T_IMAGE_SIZE);
	KUNIT_EXPECT_EQ(test, img.size_of_headers, T_HEADERS);
	KUNIT_EXPECT_EQ(test, img.section_alignment, 0x1000u);
	KUNIT_EXPECT_EQ(test, img.file_alignment, 0x200u);
	KUNIT_EXPECT_EQ(test, img.entry_point, T_ENTRY);
	KUNIT_EXPECT_EQ(test, img.stack_reserve, 0x100000ull);
	KUNIT_EXPECT_EQ(test, img.stack_commit, 0x1000ull);
	KUNIT_EXPECT_EQ(test, img.subsystem, IMAGE_SUBSYSTEM_WINDOWS_CUI);
	KUNIT_EXPECT_EQ(test, img.subsystem_major, 6);
	KUNIT_EXPECT_EQ(test, img.subsystem_minor, 0);
	KUNIT_EXPECT_EQ(test, img.os_major, 6);
	KUNIT_EXPECT_EQ(test, img.os_minor, 0);
	KUNIT_EXPECT_EQ(test, img.characteristics, 0x23);
	KUNIT_EXPECT_EQ(test, img.dll_characteristics, 0x8100);
	KUNIT_EXPECT_EQ(test, img.machine, IMAGE_FILE_MACHINE_AMD64);
	KUNIT_EXPECT_EQ(test, img.loader_flags, 0u);
	KUNIT_EXPECT_EQ(test, img.checksum, 0u);
	KUNIT_EXPECT_TRUE(test, img.contains_code);
	KUNIT_EXPECT_FALSE(test, img.com_descriptor);
	KUNIT_ASSERT_EQ(test, img.nsections, 3u);
	KUNIT_ASSERT_NOT_NULL(test, img.sections);
	for (i = 0; i < 3; i++) {
		const struct section_header *sh = &t_sections[i];
		const struct mm_image_section *s = &img.sections[i];

		KUNIT_EXPECT_EQ(test, s->va, sh->virtual_address);
		KUNIT_EXPECT_EQ(test, s->vsize, sh->virtual_size);
		KUNIT_EXPECT_EQ(test, s->raw_offset, sh->data_addr);
		KUNIT_EXPECT_EQ(test, s->raw_size, sh->raw_data_size);
		KUNIT_EXPECT_EQ(test, s->characteristics, sh->flags);
	}
	KUNIT_EXPECT_EQ(test, img.sections[0].protect, NT_PAGE_EXECUTE_READ);
	KUNIT_EXPECT_EQ(test, img.sections[1].protect, NT_PAGE_READONLY);
	KUNIT_EXPECT_EQ(test, img.sections[2].protect, NT_PAGE_WRITECOPY);
	mm_pe_free(&img);
	KUNIT_EXPECT_NULL(test, img.sections);
	KUNIT_EXPECT_EQ(test, img.nsections, 0u);
	/* Freeing twice (or a zeroed image) is harmless. */
	mm_pe_free(&img);
}

/* Offsets of fields in the image t_build() writes. */
#define DOS(f)		offsetof(struct mz_hdr, f)
#define NT(f)		(T_LFANEW + offsetof(struct pe_hdr, f))
#define OPT(f)		(T_OPT + offsetof(struct pe32plus_opt_hdr, f))
#define DIR(i)		(T_DIRS + (i) * sizeof(struct data_dirent))
#define SEC(i, f)	(T_SECTIONS + (i) * sizeof(struct section_header) + \
			 offsetof(struct section_header, f))
#define TEXT		0
#define RDATA		1
#define DATA		2

struct pe_patch {
	u16 off;
	u8 width;
	u64 value;
};

/**
 * struct pe_bad_case - one malformation
 * @name: what it is
 * @patch: up to two fields changed (width 0: none)
 * @cut: hand the parser only @len bytes (a file of that size, unless
 *	@file_size says otherwise); else the whole image
 * @len: with @cut, the bytes handed over
 * @file_size: the file size passed, 0 for the length handed over
 * @status: the expected result
 */
struct pe_bad_case {
	const char *name;
	struct pe_patch patch[2];
	bool cut;
	u32 len;
	u64 file_size;
	ntstatus_t status;
};

/* The widths the table's P16/P32/P64 give the fields they change. */
static_assert(sizeof_field(struct mz_hdr, magic) == 2);
static_assert(sizeof_field(struct mz_hdr, peaddr) == 4);
static_assert(sizeof_field(struct pe_hdr, magic) == 4);
static_assert(sizeof_field(struct pe_hdr, machine) == 2);
static_assert(sizeof_field(struct pe_hdr, sections) == 2);
static_assert(sizeof_field(struct pe_hdr, opt_hdr_size) == 2);
static_assert(sizeof_field(struct pe_hdr, flags) == 2);
static_assert(sizeof_field(struct pe32plus_opt_hdr, magic) == 2);
static_assert(sizeof_field(struct pe32plus_opt_hdr, entry_point) == 4);
static_assert(sizeof_field(struct pe32plus_opt_hdr, image_base) == 8);
static_assert(sizeof_field(struct pe32plus_opt_hdr, section_align) == 4);
static_assert(sizeof_field(struct pe32plus_opt_hdr, file_align) == 4);
static_assert(sizeof_field(struct pe32plus_opt_hdr, image_size) == 4);
static_assert(sizeof_field(struct pe32plus_opt_hdr, header_size) == 4);
static_assert(sizeof_field(struct pe32plus_opt_hdr, data_dirs) == 4);
static_assert(sizeof_field(struct section_header, virtual_size) == 4);
static_assert(sizeof_field(struct section_header, virtual_address) == 4);
static_assert(sizeof_field(struct section_header, raw_data_size) == 4);
static_assert(sizeof_field(struct section_header, data_addr) == 4);

#define FMT		STATUS_INVALID_IMAGE_FORMAT
#define NOT_MZ		STATUS_INVALID_IMAGE_NOT_MZ
#define OK		STATUS_SUCCESS
#define P16(o, v)	{ .off = (o), .width = 2, .value = (v) }
#define P32(o, v)	{ .off = (o), .width = 4, .value = (v) }
#define P64(o, v)	{ .off = (o), .width = 8, .value = (v) }
#define ROW(n, st, p)		{ .name = n, .status = st, .patch = { p } }
#define ROW2(n, st, p1, p2)	{ .name = n, .status = st, .patch = { p1, p2 } }
#define CUT(n, l, st)		{ .name = n, .status = st, .cut = true, .len = l }

static const struct pe_bad_case pe_bad_cases[] = {
	/* Truncated at each header boundary (a file of that size). */
	CUT("empty file", 0, NOT_MZ),
	CUT("1 byte", 1, NOT_MZ),
	CUT("DOS header less a byte", sizeof(struct mz_hdr) - 1, NOT_MZ),
	CUT("DOS header only", sizeof(struct mz_hdr), FMT),
	CUT("signature only", T_LFANEW + 4, FMT),
	CUT("file header only", T_OPT, FMT),
	CUT("fixed optional header only", T_DIRS, FMT),
	CUT("data directories less a byte", T_SECTIONS - 1, FMT),
	CUT("no section table", T_SECTIONS, FMT),
	CUT("one section header of three", T_SECTIONS + 40, FMT),
	CUT("last section header less a byte", T_SECTIONS + 3 * 40 - 1, FMT),
	CUT("headers, file shorter than SizeOfHeaders", T_SECTIONS + 3 * 40,
	    FMT),
	CUT("SizeOfHeaders, no section data", T_HEADERS, FMT),
	CUT("last section's raw data less a byte", T_FILE_SIZE - 1, FMT),
	{ .name = "section table past the buffer, file longer", .status = FMT,
	  .cut = true, .len = T_SECTIONS + 40, .file_size = T_FILE_SIZE },
	/* DOS header. */
	ROW("\"ZM\"", NOT_MZ, P16(DOS(magic), 0x4d5a)),
	ROW("e_lfanew 0", FMT, P32(DOS(peaddr), 0)),
	ROW("e_lfanew not a multiple of 4", FMT, P32(DOS(peaddr), 0x42)),
	ROW("e_lfanew: NT headers end a byte past the file", FMT,
	    P32(DOS(peaddr), T_FILE_SIZE - 0x108 + 4)),
	ROW("e_lfanew at the end of the file", FMT,
	    P32(DOS(peaddr), T_FILE_SIZE)),
	ROW("e_lfanew huge", FMT, P32(DOS(peaddr), 0x7ffffff0)),
	ROW("e_lfanew negative", FMT, P32(DOS(peaddr), 0xfffffff0)),
	/* NT headers. */
	ROW("no PE signature", FMT, P32(NT(magic), 0x00014550)),
	ROW("NE signature", FMT, P32(NT(magic), 0x454e)),
	ROW("machine i386", FMT, P16(NT(machine), IMAGE_FILE_MACHINE_I386)),
	ROW("machine ARM64", FMT, P16(NT(machine), IMAGE_FILE_MACHINE_ARM64)),
	ROW("PE32 (0x10b)", FMT, P16(OPT(magic), PE_OPT_MAGIC_PE32)),
	ROW("ROM image (0x107)", FMT, P16(OPT(magic), PE_OPT_MAGIC_PE32_ROM)),
	ROW("not IMAGE_FILE_EXECUTABLE_IMAGE", FMT,
	    P16(NT(flags), IMAGE_FILE_LARGE_ADDRESS_AWARE)),
	ROW("a DLL", OK,
	    P16(NT(flags), IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL)),
	ROW("SizeOfOptionalHeader 0", FMT, P16(NT(opt_hdr_size), 0)),
	ROW("SizeOfOptionalHeader short of the fixed part", FMT,
	    P16(NT(opt_hdr_size), sizeof(struct pe32plus_opt_hdr) - 1)),
	ROW("SizeOfOptionalHeader short of 16 directories (PE32's 0xe0)", FMT,
	    P16(NT(opt_hdr_size), 0xe0)),
	ROW("SizeOfOptionalHeader 0xffff", FMT, P16(NT(opt_hdr_size), 0xffff)),
	ROW("NumberOfRvaAndSizes 17", FMT, P32(OPT(data_dirs), 17)),
	ROW("NumberOfRvaAndSizes 0xffffffff", FMT,
	    P32(OPT(data_dirs), 0xffffffff)),
	ROW("NumberOfRvaAndSizes 0", OK, P32(OPT(data_dirs), 0)),
	/* Section count. */
	ROW("NumberOfSections 0", FMT, P16(NT(sections), 0)),
	ROW("NumberOfSections 0xffff", FMT, P16(NT(sections), 0xffff)),
	ROW("NumberOfSections 97", FMT, P16(NT(sections), 97)),
	ROW("NumberOfSections 4: an empty section header", FMT,
	    P16(NT(sections), 4)),
	ROW("NumberOfSections 2: image larger than its sections", OK,
	    P16(NT(sections), 2)),
	/* Alignments. */
	ROW("SectionAlignment 0", FMT, P32(OPT(section_align), 0)),
	ROW("SectionAlignment 3", FMT, P32(OPT(section_align), 3)),
	ROW("SectionAlignment 0x1800", FMT, P32(OPT(section_align), 0x1800)),
	ROW("SectionAlignment 0x200 (low alignment)", FMT,
	    P32(OPT(section_align), 0x200)),
	ROW("SectionAlignment 0x800 (below a page)", FMT,
	    P32(OPT(section_align), 0x800)),
	ROW("SectionAlignment 0x2000: sections not aligned", FMT,
	    P32(OPT(section_align), 0x2000)),
	ROW("FileAlignment 0", FMT, P32(OPT(file_align), 0)),
	ROW("FileAlignment 3", FMT, P32(OPT(file_align), 3)),
	ROW("FileAlignment 0x300", FMT, P32(OPT(file_align), 0x300)),
	ROW("FileAlignment 0x100", FMT, P32(OPT(file_align), 0x100)),
	ROW("FileAlignment above SectionAlignment", FMT,
	    P32(OPT(file_align), 0x2000)),
	ROW("FileAlignment equal to SectionAlignment", OK,
	    P32(OPT(file_align), 0x1000)),
	/* Sizes and base. */
	ROW("SizeOfImage 0", FMT, P32(OPT(image_size), 0)),
	ROW("SizeOfImage above 0x77000000", FMT,
	    P32(OPT(image_size), 0x77001000)),
	ROW("SizeOfImage 0xffffffff", FMT, P32(OPT(image_size), 0xffffffff)),
	ROW("SizeOfImage 0x77000000", OK, P32(OPT(image_size), 0x77000000)),
	ROW("SizeOfImage short of .data", FMT, P32(OPT(image_size), 0x4000)),
	ROW("SizeOfImage rounds up to .data's end", OK,
	    P32(OPT(image_size), 0x4001)),
	ROW("ImageBase not a multiple of 64 KiB", FMT,
	    P64(OPT(image_base), T_BASE + 0x1000)),
	ROW2("ImageBase + SizeOfImage wraps", FMT,
	     P64(OPT(image_base), 0xffffffffffff0000ull),
	     P32(OPT(image_size), 0x20000)),
	ROW("SizeOfHeaders 0", FMT, P32(OPT(header_size), 0)),
	ROW("SizeOfHeaders above SizeOfImage", FMT,
	    P32(OPT(header_size), 0x6000)),
	ROW("SizeOfHeaders past the file", FMT,
	    P32(OPT(header_size), T_FILE_SIZE + 1)),
	ROW("SizeOfHeaders short of the section table", FMT,
	    P32(OPT(header_size), T_SECTIONS + 3 * 40 - 1)),
	ROW("SizeOfHeaders at the end of the section table", OK,
	    P32(OPT(header_size), T_SECTIONS + 3 * 40)),
	{ .name = "SizeOfHeaders 0x1001: .text inside the headers' pages",
	  .status = FMT, .file_size = 0x2000,
	  .patch = { P32(OPT(header_size), 0x1001) } },
	/* Entry point. */
	ROW("entry point at SizeOfImage", FMT,
	    P32(OPT(entry_point), T_IMAGE_SIZE)),
	ROW("entry point 0xffffffff", FMT, P32(OPT(entry_point), 0xffffffff)),
	ROW("entry point 0 (none)", OK, P32(OPT(entry_point), 0)),
	ROW("entry point on the image's last byte", OK,
	    P32(OPT(entry_point), T_IMAGE_SIZE - 1)),
	/* Section layout. */
	ROW(".text inside the headers", FMT,
	    P32(SEC(TEXT, virtual_address), 0)),
	ROW(".rdata overlaps .text", FMT,
	    P32(SEC(RDATA, virtual_address), 0x1000)),
	ROW2(".rdata and .data out of order", FMT,
	     P32(SEC(RDATA, virtual_address), 0x3000),
	     P32(SEC(DATA, virtual_address), 0x2000)),
	ROW(".rdata not aligned to SectionAlignment", FMT,
	    P32(SEC(RDATA, virtual_address), 0x2800)),
	ROW2("a gap before .data", FMT,
	     P32(SEC(DATA, virtual_address), 0x4000),
	     P32(OPT(image_size), 0x6000)),
	ROW(".data past SizeOfImage", FMT,
	    P32(SEC(DATA, virtual_size), 0x2001)),
	ROW(".data up to SizeOfImage", OK,
	    P32(SEC(DATA, virtual_size), 0x2000)),
	ROW2(".data of size 0", FMT,
	     P32(SEC(DATA, virtual_size), 0),
	     P32(SEC(DATA, raw_data_size), 0)),
	ROW(".data VirtualSize 0: SizeOfRawData counts", OK,
	    P32(SEC(DATA, virtual_size), 0)),
	ROW(".data va + vsize wraps 32 bits", FMT,
	    P32(SEC(DATA, virtual_size), 0xfffff000)),
	ROW(".data vsize rounds up past 32 bits", FMT,
	    P32(SEC(DATA, virtual_size), 0xffffffff)),
	/* Raw data. */
	ROW(".data raw data starts a byte later, past the file", FMT,
	    P32(SEC(DATA, data_addr), 0x601)),
	ROW(".data raw data a byte longer, past the file", FMT,
	    P32(SEC(DATA, raw_data_size), 0x201)),
	ROW(".data raw offset + size wraps 32 bits (offset)", FMT,
	    P32(SEC(DATA, data_addr), 0xffffff00)),
	ROW(".data raw offset + size wraps 32 bits (size)", FMT,
	    P32(SEC(DATA, raw_data_size), 0xfffffe00)),
	{ .name = ".data raw end rounds up past 32 bits", .status = FMT,
	  .file_size = 0x100000000ull,
	  .patch = { P32(SEC(DATA, data_addr), 0xfffffe00),
		     P32(SEC(DATA, raw_data_size), 0x1ff) } },
	ROW2(".data without raw data: offset ignored", OK,
	     P32(SEC(DATA, raw_data_size), 0),
	     P32(SEC(DATA, data_addr), 0xffffffff)),
};

static void pe_bad_case_desc(const struct pe_bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pe_bad, pe_bad_cases, pe_bad_case_desc);

static void pe_malformed(struct kunit *test)
{
	const struct pe_bad_case *c = test->param_value;
	u8 *buf = t_build(test);
	u32 len = c->cut ? c->len : T_FILE_SIZE;
	struct mm_image img;
	ntstatus_t status;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c->patch); i++)
		t_poke(buf, c->patch[i].off, c->patch[i].width, c->patch[i].value);
	memset(&img, 0xcc, sizeof(img));
	status = t_parse(test, buf, len, c->file_size ? c->file_size : len, &img);
	KUNIT_EXPECT_EQ_MSG(test, status, c->status, "%s", c->name);
	if (NT_SUCCESS(status)) {
		KUNIT_EXPECT_NOT_NULL(test, img.sections);
		mm_pe_free(&img);
	} else {
		/* A failure leaves the output alone. */
		KUNIT_EXPECT_EQ(test, img.image_base, 0xccccccccccccccccull);
		KUNIT_EXPECT_EQ(test, img.nsections, 0xccccccccu);
	}
}

/* test_section_access's table, with and without the CNT and SHARED bits. */
static void pe_section_protect(struct kunit *test)
{
	static const struct {
		u32 scn;
		u32 protect;
	} rows[] = {
		{ 0, NT_PAGE_NOACCESS },
		{ IMAGE_SCN_MEM_READ, NT_PAGE_READONLY },
		{ IMAGE_SCN_MEM_WRITE, NT_PAGE_WRITECOPY },
		{ IMAGE_SCN_MEM_EXECUTE, NT_PAGE_EXECUTE },
		{ IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE, NT_PAGE_WRITECOPY },
		{ IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_EXECUTE, NT_PAGE_EXECUTE_READ },
		{ IMAGE_SCN_MEM_WRITE | IMAGE_SCN_MEM_EXECUTE,
		  NT_PAGE_EXECUTE_WRITECOPY },
		{ IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE | IMAGE_SCN_MEM_EXECUTE,
		  NT_PAGE_EXECUTE_WRITECOPY },
	};
	static const u32 extra[] = {
		0, IMAGE_SCN_CNT_CODE, IMAGE_SCN_CNT_INITIALIZED_DATA,
		IMAGE_SCN_CNT_UNINITIALIZED_DATA, IMAGE_SCN_MEM_SHARED,
		IMAGE_SCN_MEM_DISCARDABLE | IMAGE_SCN_MEM_NOT_PAGED,
	};
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		for (j = 0; j < ARRAY_SIZE(extra); j++)
			KUNIT_EXPECT_EQ_MSG(test,
					    mm_pe_section_protect(rows[i].scn | extra[j]),
					    rows[i].protect, "characteristics %#x",
					    rows[i].scn | extra[j]);
}

/* Each section of a parsed image gets its protection. */
static void pe_section_protect_parsed(struct kunit *test)
{
	u8 *buf = t_build(test);
	struct mm_image img;

	t_poke(buf, SEC(TEXT, flags), 4, IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE);
	t_poke(buf, SEC(RDATA, flags), 4, 0);
	t_poke(buf, SEC(DATA, flags), 4, IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_WRITE |
	       IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_SHARED);
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, img.sections[0].protect, NT_PAGE_EXECUTE);
	KUNIT_EXPECT_EQ(test, img.sections[1].protect, NT_PAGE_NOACCESS);
	KUNIT_EXPECT_EQ(test, img.sections[2].protect, NT_PAGE_EXECUTE_WRITECOPY);
	KUNIT_EXPECT_EQ(test, img.sections[2].characteristics,
			(u32)(IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_WRITE |
			      IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_SHARED));
	mm_pe_free(&img);
}

static void pe_image_information(struct kunit *test)
{
	u8 *buf = t_build(test);
	struct nt_section_image_information info;
	struct mm_image img;

	t_poke(buf, OPT(subsys_minor), 2, 1);
	t_poke(buf, OPT(os_minor), 2, 2);
	t_poke(buf, OPT(csum), 4, 0x1234abcd);
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	memset(&info, 0xcc, sizeof(info));
	mm_pe_image_information(&img, T_FILE_SIZE, &info);
	KUNIT_EXPECT_EQ(test, info.transfer_address, T_BASE + T_ENTRY);
	KUNIT_EXPECT_EQ(test, info.zero_bits, 0u);
	KUNIT_EXPECT_EQ(test, info.pad, 0u);
	KUNIT_EXPECT_EQ(test, info.maximum_stack_size, 0x100000ull);
	KUNIT_EXPECT_EQ(test, info.committed_stack_size, 0x1000ull);
	KUNIT_EXPECT_EQ(test, info.subsystem_type, (u32)IMAGE_SUBSYSTEM_WINDOWS_CUI);
	KUNIT_EXPECT_EQ(test, info.subsystem_major_version, 6);
	KUNIT_EXPECT_EQ(test, info.subsystem_minor_version, 1);
	KUNIT_EXPECT_EQ(test, info.major_os_version, 6);
	KUNIT_EXPECT_EQ(test, info.minor_os_version, 2);
	KUNIT_EXPECT_EQ(test, info.image_characteristics, 0x23);
	KUNIT_EXPECT_EQ(test, info.dll_characteristics, 0x8100);
	KUNIT_EXPECT_EQ(test, info.machine, IMAGE_FILE_MACHINE_AMD64);
	KUNIT_EXPECT_EQ(test, info.image_contains_code, 1);
	KUNIT_EXPECT_EQ(test, info.image_flags, 0);
	KUNIT_EXPECT_EQ(test, info.loader_flags, 0u);
	/* The size of the file, not SizeOfImage. */
	KUNIT_EXPECT_EQ(test, info.image_file_size, T_FILE_SIZE);
	KUNIT_EXPECT_EQ(test, info.checksum, 0x1234abcdu);

	/* The layout, byte by byte where it matters. */
	KUNIT_EXPECT_EQ(test, *(u16 *)((u8 *)&info + 0x24), 1);
	KUNIT_EXPECT_EQ(test, *(u16 *)((u8 *)&info + 0x26), 6);
	KUNIT_EXPECT_EQ(test, *(u16 *)((u8 *)&info + 0x28), 6);
	KUNIT_EXPECT_EQ(test, *(u16 *)((u8 *)&info + 0x2a), 2);

	mm_pe_image_information(&img, 0x123456789ull, &info);
	KUNIT_EXPECT_EQ(test, info.image_file_size, 0xffffffffu);
	mm_pe_free(&img);
}

/* LoaderFlags reports a COM descriptor (test_Loader, query_image_section). */
static void pe_com_descriptor(struct kunit *test)
{
	u8 *buf = t_build(test);
	struct nt_section_image_information info;
	struct mm_image img;

	t_poke(buf, DIR(14), 4, 0x2000);
	t_poke(buf, DIR(14) + 4, 4, 0x48);
	t_poke(buf, OPT(loader_flags), 4, 0x55);
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, img.com_descriptor);
	KUNIT_EXPECT_EQ(test, img.loader_flags, 0x55u);
	mm_pe_image_information(&img, T_FILE_SIZE, &info);
	KUNIT_EXPECT_EQ(test, info.loader_flags, 1u);
	mm_pe_free(&img);

	/* A directory past NumberOfRvaAndSizes does not count. */
	t_poke(buf, OPT(data_dirs), 4, 14);
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	KUNIT_EXPECT_FALSE(test, img.com_descriptor);
	mm_pe_free(&img);

	/* Nor one of size 0. */
	t_poke(buf, OPT(data_dirs), 4, 16);
	t_poke(buf, DIR(14) + 4, 4, 0);
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	KUNIT_EXPECT_FALSE(test, img.com_descriptor);
	mm_pe_free(&img);
}

/* ImageContainsCode, as query_image_section expects of Windows 10. */
static void pe_contains_code(struct kunit *test)
{
	u8 *buf = t_build(test);
	struct mm_image img;

	/* An executable section is enough. */
	t_poke(buf, OPT(text_size), 4, 0);
	t_poke(buf, OPT(entry_point), 4, 0);
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, img.contains_code);
	mm_pe_free(&img);

	t_poke(buf, SEC(TEXT, flags), 4, T_SCN_RDATA);
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	KUNIT_EXPECT_FALSE(test, img.contains_code);
	mm_pe_free(&img);

	/* So is an entry point, or SizeOfCode. */
	t_poke(buf, OPT(entry_point), 4, 0x2000);
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, img.contains_code);
	mm_pe_free(&img);

	t_poke(buf, OPT(entry_point), 4, 0);
	t_poke(buf, OPT(text_size), 4, 1);
	KUNIT_ASSERT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, img.contains_code);
	mm_pe_free(&img);
}

/* Where the NT headers may start. */
static void pe_lfanew_placement(struct kunit *test)
{
	static const struct {
		u32 lfanew;
		ntstatus_t status;
	} rows[] = {
		{ 0x44, STATUS_SUCCESS },
		{ 0x80, STATUS_SUCCESS },	/* the table ends at SizeOfHeaders */
		{ 0x84, STATUS_INVALID_IMAGE_FORMAT },	/* past it */
		{ 0x42, STATUS_INVALID_IMAGE_FORMAT },
		{ 0x41, STATUS_INVALID_IMAGE_FORMAT },
	};
	struct mm_image img;
	unsigned int i;
	ntstatus_t status;
	u8 *buf;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		buf = kunit_kzalloc(test, T_FILE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		t_build_at(buf, rows[i].lfanew, T_ENTRY);
		status = t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img);
		KUNIT_EXPECT_EQ_MSG(test, status, rows[i].status,
				    "e_lfanew %#x", rows[i].lfanew);
		if (NT_SUCCESS(status))
			mm_pe_free(&img);
	}

	/*
	 * NT headers inside the DOS header, as test_Loader's tiny images have
	 * them: e_lfanew (at 0x3c) is then BaseOfCode of the optional header.
	 */
	buf = kunit_kzalloc(test, T_FILE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	t_build_at(buf, 0x10, 0x10);
	KUNIT_EXPECT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE, &img),
			STATUS_SUCCESS);
	mm_pe_free(&img);
}

/* 96 sections are allowed, 97 are not. */
static ntstatus_t t_parse_many(struct kunit *test, u32 n)
{
	const u32 headers = 0x1200, file_size = headers;
	struct section_header sh = {
		.name = ".bss",
		.virtual_size = 0x1000,
		.flags = IMAGE_SCN_CNT_UNINITIALIZED_DATA | IMAGE_SCN_MEM_READ |
			 IMAGE_SCN_MEM_WRITE,
	};
	struct mm_image img;
	ntstatus_t status;
	u8 *buf;
	u32 i;

	buf = kunit_kzalloc(test, file_size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	t_build_at(buf, T_LFANEW, T_ENTRY);
	memset(buf + T_SECTIONS, 0, file_size - T_SECTIONS);
	t_poke(buf, NT(sections), 2, n);
	t_poke(buf, OPT(header_size), 4, headers);
	t_poke(buf, OPT(image_size), 4, 0x2000 + n * 0x1000);
	t_poke(buf, OPT(entry_point), 4, 0);
	KUNIT_ASSERT_LE(test, T_SECTIONS + n * sizeof(sh), headers);
	for (i = 0; i < n; i++) {
		sh.virtual_address = 0x2000 + i * 0x1000;
		memcpy(buf + T_SECTIONS + i * sizeof(sh), &sh, sizeof(sh));
	}
	status = t_parse(test, buf, file_size, file_size, &img);
	if (NT_SUCCESS(status)) {
		KUNIT_EXPECT_EQ(test, img.nsections, n);
		KUNIT_EXPECT_EQ(test, img.sections[n - 1].va, 0x2000 + (n - 1) * 0x1000);
		KUNIT_EXPECT_EQ(test, img.sections[n - 1].raw_size, 0u);
		mm_pe_free(&img);
	}
	return status;
}

static void pe_section_count(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, t_parse_many(test, 1), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, t_parse_many(test, 96), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, t_parse_many(test, 97), STATUS_INVALID_IMAGE_FORMAT);
}

/* The caller's length: within the file, and only the first 64 KiB count. */
static void pe_buffer_length(struct kunit *test)
{
	const size_t big = MM_PE_HEADERS_MAX + 0x1000;
	struct mm_image img;
	u8 *buf = t_build(test);
	u8 *large;

	KUNIT_EXPECT_EQ(test, t_parse(test, buf, T_FILE_SIZE, T_FILE_SIZE - 1, &img),
			STATUS_INVALID_PARAMETER);

	large = kunit_kzalloc(test, big, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, large);
	memcpy(large, buf, T_FILE_SIZE);
	KUNIT_ASSERT_EQ(test, mm_pe_parse(large, big, big, &img), STATUS_SUCCESS);
	mm_pe_free(&img);

	/* NT headers that start inside the first 64 KiB but end past it. */
	t_poke(large, DOS(peaddr), 4, MM_PE_HEADERS_MAX - 0x100);
	KUNIT_EXPECT_EQ(test, mm_pe_parse(large, big, big, &img),
			STATUS_INVALID_IMAGE_FORMAT);
}

static struct kunit_case pe_test_cases[] = {
	KUNIT_CASE(pe_valid_image),
	KUNIT_CASE_PARAM(pe_malformed, pe_bad_gen_params),
	KUNIT_CASE(pe_section_protect),
	KUNIT_CASE(pe_section_protect_parsed),
	KUNIT_CASE(pe_image_information),
	KUNIT_CASE(pe_com_descriptor),
	KUNIT_CASE(pe_contains_code),
	KUNIT_CASE(pe_lfanew_placement),
	KUNIT_CASE(pe_section_count),
	KUNIT_CASE(pe_buffer_length),
	{}
};

static struct kunit_suite pe_test_suite = {
	.name = "ntexec_pe",
	.test_cases = pe_test_cases,
};

kunit_test_suite(pe_test_suite);
