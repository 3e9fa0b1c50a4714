/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal valid PE32+ x86_64 image, for the user-space tests of image
 * sections (NtCreateSection with SEC_IMAGE): written into a caller's buffer
 * or to a file descriptor, with helpers to read and corrupt single fields.
 * Static inline, C11, no dependency but libc.
 *
 * The layout is the one kunit/pe_test.c builds for the kernel's header
 * validator (ntmm/pe.c), duplicated on purpose: the KUnit builder writes
 * the kernel's <linux/pe.h> structures, this one writes bytes at fixed
 * offsets, and both are small. Change one, change the other.
 *
 *   file     0x000  DOS header, e_lfanew 0x40
 *            0x040  "PE\0\0", file header, optional header (0xf0 bytes)
 *            0x148  3 section headers; SizeOfHeaders 0x200
 *            0x200  .text raw data (0x200 bytes): the caller's code
 *            0x400  .rdata raw data (0x200): "ntexec .rdata"
 *            0x600  .data raw data (0x200): pe_data_byte(0), (1), ...
 *                   the file ends at 0x800
 *   memory   0x0000 headers            PAGE_READONLY
 *            0x1000 .text   vsize: the code's size, PAGE_EXECUTE_READ;
 *                   the entry point is .text + entry_offset
 *            0x2000 .rdata  vsize 0x40 PAGE_READONLY
 *            0x3000 .data   vsize 0x1800: 0x200 bytes from the file, then
 *                   zeros to the end of the section, PAGE_WRITECOPY
 *            0x5000 SizeOfImage
 *
 * ImageBase (0x140000000 unless chosen), SectionAlignment 0x1000,
 * FileAlignment 0x200, subsystem console 6.0, no data directories (so no
 * relocations: IMAGE_FILE_RELOCS_STRIPPED), a stack of 1 MiB reserved,
 * 4 KiB committed.
 */
#ifndef NTEXEC_TESTS_PE_UTIL_H
#define NTEXEC_TESTS_PE_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* The file. */
#define PE_FILE_SIZE			0x800u
#define PE_LFANEW			0x40u
#define PE_OFF_FILE_HEADER		(PE_LFANEW + 4)
#define PE_OFF_OPTIONAL_HEADER		(PE_LFANEW + 24)
#define PE_OPTIONAL_HEADER_SIZE		0xf0u
#define PE_OFF_DATA_DIRECTORIES		(PE_OFF_OPTIONAL_HEADER + 112)
#define PE_OFF_SECTIONS			(PE_OFF_OPTIONAL_HEADER + PE_OPTIONAL_HEADER_SIZE)
#define PE_SECTION_HEADER_SIZE		40u
#define PE_NSECTIONS			3u
#define PE_SIZE_OF_HEADERS		0x200u
#define PE_RAW_SIZE			0x200u	/* of each section */
#define PE_MAX_CODE			PE_RAW_SIZE

/* The image. */
#define PE_DEFAULT_IMAGE_BASE		0x140000000ull
#define PE_SECTION_ALIGNMENT		0x1000u
#define PE_FILE_ALIGNMENT		0x200u
#define PE_SIZE_OF_IMAGE		0x5000u
#define PE_STACK_RESERVE		0x100000u
#define PE_STACK_COMMIT			0x1000u

/* The sections, by index in the table, with their RVAs and sizes. */
#define PE_TEXT				0
#define PE_RDATA			1
#define PE_DATA				2
#define PE_TEXT_RVA			0x1000u
#define PE_TEXT_RAW			0x200u
#define PE_RDATA_RVA			0x2000u
#define PE_RDATA_RAW			0x400u
#define PE_RDATA_VSIZE			0x40u
#define PE_RDATA_STRING			"ntexec .rdata"
#define PE_DATA_RVA			0x3000u
#define PE_DATA_RAW			0x600u
#define PE_DATA_VSIZE			0x1800u

/* Field offsets in the file, for pe_peek() and pe_poke(): the DOS header. */
#define PE_DOS_MAGIC			0x00u	/* 2 bytes, "MZ" */
#define PE_DOS_LFANEW			0x3cu	/* 4 */
/* The NT signature and the file header. */
#define PE_NT_SIGNATURE			PE_LFANEW			/* 4 */
#define PE_FH_MACHINE			(PE_OFF_FILE_HEADER + 0)	/* 2 */
#define PE_FH_NUMBER_OF_SECTIONS	(PE_OFF_FILE_HEADER + 2)	/* 2 */
#define PE_FH_TIME_DATE_STAMP		(PE_OFF_FILE_HEADER + 4)	/* 4 */
#define PE_FH_SIZE_OF_OPTIONAL_HEADER	(PE_OFF_FILE_HEADER + 16)	/* 2 */
#define PE_FH_CHARACTERISTICS		(PE_OFF_FILE_HEADER + 18)	/* 2 */
/* The optional header (PE32+). */
#define PE_OH(off)			(PE_OFF_OPTIONAL_HEADER + (off))
#define PE_OH_MAGIC			PE_OH(0)	/* 2 */
#define PE_OH_SIZE_OF_CODE		PE_OH(4)	/* 4 */
#define PE_OH_ADDRESS_OF_ENTRY_POINT	PE_OH(16)	/* 4 */
#define PE_OH_BASE_OF_CODE		PE_OH(20)	/* 4 */
#define PE_OH_IMAGE_BASE		PE_OH(24)	/* 8 */
#define PE_OH_SECTION_ALIGNMENT		PE_OH(32)	/* 4 */
#define PE_OH_FILE_ALIGNMENT		PE_OH(36)	/* 4 */
#define PE_OH_MAJOR_OS_VERSION		PE_OH(40)	/* 2 */
#define PE_OH_MINOR_OS_VERSION		PE_OH(42)	/* 2 */
#define PE_OH_MAJOR_SUBSYSTEM_VERSION	PE_OH(48)	/* 2 */
#define PE_OH_MINOR_SUBSYSTEM_VERSION	PE_OH(50)	/* 2 */
#define PE_OH_SIZE_OF_IMAGE		PE_OH(56)	/* 4 */
#define PE_OH_SIZE_OF_HEADERS		PE_OH(60)	/* 4 */
#define PE_OH_CHECKSUM			PE_OH(64)	/* 4 */
#define PE_OH_SUBSYSTEM			PE_OH(68)	/* 2 */
#define PE_OH_DLL_CHARACTERISTICS	PE_OH(70)	/* 2 */
#define PE_OH_SIZE_OF_STACK_RESERVE	PE_OH(72)	/* 8 */
#define PE_OH_SIZE_OF_STACK_COMMIT	PE_OH(80)	/* 8 */
#define PE_OH_LOADER_FLAGS		PE_OH(104)	/* 4 */
#define PE_OH_NUMBER_OF_RVA_AND_SIZES	PE_OH(108)	/* 4 */
/* Data directory @i: its RVA (4), then its size (4). */
#define PE_DIR(i)			(PE_OFF_DATA_DIRECTORIES + 8u * (i))
/* Section header @i: its fields. */
#define PE_SH(i, off)			(PE_OFF_SECTIONS + PE_SECTION_HEADER_SIZE * (i) + (off))
#define PE_SH_NAME(i)			PE_SH(i, 0)	/* 8 */
#define PE_SH_VIRTUAL_SIZE(i)		PE_SH(i, 8)	/* 4 */
#define PE_SH_VIRTUAL_ADDRESS(i)	PE_SH(i, 12)	/* 4 */
#define PE_SH_SIZE_OF_RAW_DATA(i)	PE_SH(i, 16)	/* 4 */
#define PE_SH_POINTER_TO_RAW_DATA(i)	PE_SH(i, 20)	/* 4 */
#define PE_SH_CHARACTERISTICS(i)	PE_SH(i, 36)	/* 4 */

/* Values of the format (Windows' names without the IMAGE_ prefix). */
#define PE_MACHINE_AMD64		0x8664u
#define PE_MACHINE_I386			0x014cu
#define PE_MAGIC_PE32			0x010bu
#define PE_MAGIC_PE32PLUS		0x020bu
#define PE_FILE_RELOCS_STRIPPED		0x0001u
#define PE_FILE_EXECUTABLE_IMAGE	0x0002u
#define PE_FILE_LARGE_ADDRESS_AWARE	0x0020u
#define PE_FILE_DLL			0x2000u
#define PE_SUBSYSTEM_WINDOWS_CUI	3u
#define PE_DLLCHAR_NX_COMPAT		0x0100u
#define PE_DLLCHAR_TERMINAL_SERVER_AWARE 0x8000u
#define PE_SCN_CNT_CODE			0x00000020u
#define PE_SCN_CNT_INITIALIZED_DATA	0x00000040u
#define PE_SCN_CNT_UNINITIALIZED_DATA	0x00000080u
#define PE_SCN_MEM_SHARED		0x10000000u
#define PE_SCN_MEM_EXECUTE		0x20000000u
#define PE_SCN_MEM_READ			0x40000000u
#define PE_SCN_MEM_WRITE		0x80000000u

/* The default code: mov eax, 42; ret. */
#define PE_CODE_RETURN_42		"\xb8\x2a\x00\x00\x00\xc3"
#define PE_CODE_RETURN_42_SIZE		6u

/**
 * struct pe_options - what pe_build() may vary
 * @image_base: ImageBase; 0 for PE_DEFAULT_IMAGE_BASE (a multiple of
 *	64 KiB, or the image is invalid)
 * @code: .text's contents; NULL for PE_CODE_RETURN_42
 * @code_size: bytes of @code, 1 to PE_MAX_CODE (.text's VirtualSize)
 * @entry_offset: the entry point's offset in .text, below @code_size
 * @dll: IMAGE_FILE_DLL in the file header's Characteristics
 */
struct pe_options {
	uint64_t image_base;
	const void *code;
	size_t code_size;
	uint32_t entry_offset;
	int dll;
};

/* The byte at offset @i of .data's raw data (never 0). */
static inline uint8_t pe_data_byte(size_t i)
{
	return (uint8_t)(i % 255 + 1);
}

/* Store the low @width bytes (1, 2, 4 or 8) of @value at @off, little-endian. */
static inline void pe_poke(void *image, size_t off, unsigned int width,
			   uint64_t value)
{
	uint8_t *p = (uint8_t *)image + off;
	unsigned int i;

	for (i = 0; i < width; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

/* Load @width bytes (1, 2, 4 or 8) at @off, little-endian. */
static inline uint64_t pe_peek(const void *image, size_t off,
			       unsigned int width)
{
	const uint8_t *p = (const uint8_t *)image + off;
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void pe_put_section(uint8_t *image, unsigned int i,
				  const char *name, uint32_t vsize,
				  uint32_t rva, uint32_t raw,
				  uint32_t characteristics)
{
	memcpy(image + PE_SH_NAME(i), name, strlen(name));
	pe_poke(image, PE_SH_VIRTUAL_SIZE(i), 4, vsize);
	pe_poke(image, PE_SH_VIRTUAL_ADDRESS(i), 4, rva);
	pe_poke(image, PE_SH_SIZE_OF_RAW_DATA(i), 4, PE_RAW_SIZE);
	pe_poke(image, PE_SH_POINTER_TO_RAW_DATA(i), 4, raw);
	pe_poke(image, PE_SH_CHARACTERISTICS(i), 4, characteristics);
}

/**
 * pe_build() - write the image into a buffer
 * @buf: where, at least PE_FILE_SIZE bytes
 * @cap: the size of @buf
 * @opt: the options, or NULL for the defaults
 *
 * Return: PE_FILE_SIZE, or 0 (and errno EINVAL) when @cap is too small or
 * the options are out of range.
 */
static inline size_t pe_build(void *buf, size_t cap,
			      const struct pe_options *opt)
{
	const struct pe_options defaults = { 0 };
	const void *code;
	uint8_t *p = (uint8_t *)buf;
	size_t code_size;
	uint64_t base;
	size_t i;

	if (!opt)
		opt = &defaults;
	code = opt->code ? opt->code : PE_CODE_RETURN_42;
	code_size = opt->code ? opt->code_size : PE_CODE_RETURN_42_SIZE;
	base = opt->image_base ? opt->image_base : PE_DEFAULT_IMAGE_BASE;
	if (cap < PE_FILE_SIZE || !code_size || code_size > PE_MAX_CODE ||
	    opt->entry_offset >= code_size) {
		errno = EINVAL;
		return 0;
	}
	memset(p, 0, PE_FILE_SIZE);

	/* DOS header: "MZ" and e_lfanew, nothing else (no DOS stub). */
	p[0] = 'M';
	p[1] = 'Z';
	pe_poke(p, PE_DOS_LFANEW, 4, PE_LFANEW);

	/* "PE\0\0" and the file header. */
	memcpy(p + PE_NT_SIGNATURE, "PE\0\0", 4);
	pe_poke(p, PE_FH_MACHINE, 2, PE_MACHINE_AMD64);
	pe_poke(p, PE_FH_NUMBER_OF_SECTIONS, 2, PE_NSECTIONS);
	pe_poke(p, PE_FH_SIZE_OF_OPTIONAL_HEADER, 2, PE_OPTIONAL_HEADER_SIZE);
	pe_poke(p, PE_FH_CHARACTERISTICS, 2,
		PE_FILE_RELOCS_STRIPPED | PE_FILE_EXECUTABLE_IMAGE |
		PE_FILE_LARGE_ADDRESS_AWARE | (opt->dll ? PE_FILE_DLL : 0));

	/* The optional header. */
	pe_poke(p, PE_OH_MAGIC, 2, PE_MAGIC_PE32PLUS);
	p[PE_OH(2)] = 14;			/* MajorLinkerVersion */
	pe_poke(p, PE_OH_SIZE_OF_CODE, 4, PE_RAW_SIZE);
	pe_poke(p, PE_OH(8), 4, 2 * PE_RAW_SIZE);	/* SizeOfInitializedData */
	pe_poke(p, PE_OH_ADDRESS_OF_ENTRY_POINT, 4,
		PE_TEXT_RVA + opt->entry_offset);
	pe_poke(p, PE_OH_BASE_OF_CODE, 4, PE_TEXT_RVA);
	pe_poke(p, PE_OH_IMAGE_BASE, 8, base);
	pe_poke(p, PE_OH_SECTION_ALIGNMENT, 4, PE_SECTION_ALIGNMENT);
	pe_poke(p, PE_OH_FILE_ALIGNMENT, 4, PE_FILE_ALIGNMENT);
	pe_poke(p, PE_OH_MAJOR_OS_VERSION, 2, 6);
	pe_poke(p, PE_OH_MAJOR_SUBSYSTEM_VERSION, 2, 6);
	pe_poke(p, PE_OH_SIZE_OF_IMAGE, 4, PE_SIZE_OF_IMAGE);
	pe_poke(p, PE_OH_SIZE_OF_HEADERS, 4, PE_SIZE_OF_HEADERS);
	pe_poke(p, PE_OH_SUBSYSTEM, 2, PE_SUBSYSTEM_WINDOWS_CUI);
	pe_poke(p, PE_OH_DLL_CHARACTERISTICS, 2,
		PE_DLLCHAR_NX_COMPAT | PE_DLLCHAR_TERMINAL_SERVER_AWARE);
	pe_poke(p, PE_OH_SIZE_OF_STACK_RESERVE, 8, PE_STACK_RESERVE);
	pe_poke(p, PE_OH_SIZE_OF_STACK_COMMIT, 8, PE_STACK_COMMIT);
	pe_poke(p, PE_OH(88), 8, 0x100000);	/* SizeOfHeapReserve */
	pe_poke(p, PE_OH(96), 8, 0x1000);	/* SizeOfHeapCommit */
	pe_poke(p, PE_OH_NUMBER_OF_RVA_AND_SIZES, 4, 16);

	/* The section table and the sections' raw data. */
	pe_put_section(p, PE_TEXT, ".text", (uint32_t)code_size, PE_TEXT_RVA,
		       PE_TEXT_RAW, PE_SCN_CNT_CODE | PE_SCN_MEM_EXECUTE |
		       PE_SCN_MEM_READ);
	pe_put_section(p, PE_RDATA, ".rdata", PE_RDATA_VSIZE, PE_RDATA_RVA,
		       PE_RDATA_RAW, PE_SCN_CNT_INITIALIZED_DATA |
		       PE_SCN_MEM_READ);
	pe_put_section(p, PE_DATA, ".data", PE_DATA_VSIZE, PE_DATA_RVA,
		       PE_DATA_RAW, PE_SCN_CNT_INITIALIZED_DATA |
		       PE_SCN_MEM_READ | PE_SCN_MEM_WRITE);
	memcpy(p + PE_TEXT_RAW, code, code_size);
	memcpy(p + PE_RDATA_RAW, PE_RDATA_STRING, sizeof(PE_RDATA_STRING));
	for (i = 0; i < PE_RAW_SIZE; i++)
		p[PE_DATA_RAW + i] = pe_data_byte(i);
	return PE_FILE_SIZE;
}

/**
 * pe_write_fd() - write the image to a file descriptor, at its offset
 * @fd: a descriptor open for writing
 * @opt: the options, or NULL for the defaults
 *
 * Return: 0, or -1 with errno set.
 */
static inline int pe_write_fd(int fd, const struct pe_options *opt)
{
	uint8_t image[PE_FILE_SIZE];
	size_t done = 0;

	if (!pe_build(image, sizeof(image), opt))
		return -1;
	while (done < sizeof(image)) {
		ssize_t n = write(fd, image + done, sizeof(image) - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

#endif /* NTEXEC_TESTS_PE_UTIL_H */
