/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit: a minimal valid PE32+ image, for the header validator's suite
 * (pe_test.c) and the image sections' (section_test.c). The layout is at
 * the top of pe_test.c; tests/pe_util.h writes the same image for user
 * space.
 */
#ifndef _NTEXEC_KUNIT_PE_IMAGE_H
#define _NTEXEC_KUNIT_PE_IMAGE_H

#include <kunit/test.h>
#include <linux/pe.h>
#include <linux/string.h>

#define T_FILE_SIZE	0x800u
#define T_LFANEW	0x40u
#define T_OPT		(T_LFANEW + sizeof(struct pe_hdr))
#define T_DIRS		(T_OPT + sizeof(struct pe32plus_opt_hdr))
#define T_SECTIONS	(T_DIRS + sizeof(struct data_directory))
#define T_HEADERS	0x200u
#define T_IMAGE_SIZE	0x5000u
#define T_BASE		0x140000000ull
#define T_ENTRY		0x1000u

#define T_SCN_TEXT	(IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_READ)
#define T_SCN_RDATA	(IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ)
#define T_SCN_DATA	(IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | \
			 IMAGE_SCN_MEM_WRITE)

static const u8 t_code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

static const struct section_header t_sections[] = {
	{ .name = ".text", .virtual_size = sizeof(t_code),
	  .virtual_address = 0x1000, .raw_data_size = 0x200,
	  .data_addr = 0x200, .flags = T_SCN_TEXT },
	{ .name = ".rdata", .virtual_size = 0x40,
	  .virtual_address = 0x2000, .raw_data_size = 0x200,
	  .data_addr = 0x400, .flags = T_SCN_RDATA },
	{ .name = ".data", .virtual_size = 0x1800,
	  .virtual_address = 0x3000, .raw_data_size = 0x200,
	  .data_addr = 0x600, .flags = T_SCN_DATA },
};

static_assert(T_SECTIONS == 0x148);
static_assert(T_SECTIONS + sizeof(t_sections) <= T_HEADERS);

/*
 * Write the image into @buf (T_FILE_SIZE zeroed bytes) with its NT headers
 * at @lfanew and BaseOfCode @code_base. The NT headers are written after
 * the DOS header, so that where they overlap it (@lfanew below 64) they
 * win, as in test_Loader's tiny images.
 */
static inline void t_build_at(u8 *buf, u32 lfanew, u32 code_base)
{
	struct mz_hdr dos = { .magic = MZ_MAGIC, .peaddr = lfanew };
	struct pe_hdr nt = {
		.magic = PE_MAGIC,
		.machine = IMAGE_FILE_MACHINE_AMD64,
		.sections = ARRAY_SIZE(t_sections),
		.opt_hdr_size = sizeof(struct pe32plus_opt_hdr) +
				sizeof(struct data_directory),
		.flags = IMAGE_FILE_RELOCS_STRIPPED |
			 IMAGE_FILE_EXECUTABLE_IMAGE |
			 IMAGE_FILE_LARGE_ADDRESS_AWARE,
	};
	struct pe32plus_opt_hdr opt = {
		.magic = PE_OPT_MAGIC_PE32PLUS,
		.ld_major = 14,
		.text_size = 0x200,
		.data_size = 0x400,
		.entry_point = T_ENTRY,
		.code_base = code_base,
		.image_base = T_BASE,
		.section_align = 0x1000,
		.file_align = 0x200,
		.os_major = 6,
		.subsys_major = 6,
		.image_size = T_IMAGE_SIZE,
		.header_size = T_HEADERS,
		.subsys = IMAGE_SUBSYSTEM_WINDOWS_CUI,
		.dll_flags = IMAGE_DLL_CHARACTERISTICS_NX_COMPAT |
			     IMAGE_DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE,
		.stack_size_req = 0x100000,
		.stack_size = 0x1000,
		.heap_size_req = 0x100000,
		.heap_size = 0x1000,
		.data_dirs = 16,
	};
	u32 i;

	memcpy(buf, &dos, sizeof(dos));
	memcpy(buf + lfanew, &nt, sizeof(nt));
	memcpy(buf + lfanew + sizeof(nt), &opt, sizeof(opt));
	/* The data directories stay zero. */
	memcpy(buf + lfanew + sizeof(nt) + sizeof(opt) +
	       sizeof(struct data_directory), t_sections, sizeof(t_sections));
	memcpy(buf + 0x200, t_code, sizeof(t_code));
	memcpy(buf + 0x400, "ntexec .rdata", 14);
	for (i = 0; i < 0x200; i++)
		buf[0x600 + i] = i % 255 + 1;
}

static inline u8 *t_build(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, T_FILE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	t_build_at(buf, T_LFANEW, T_ENTRY);
	return buf;
}

#endif /* _NTEXEC_KUNIT_PE_IMAGE_H */
