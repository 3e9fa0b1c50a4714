// SPDX-License-Identifier: GPL-2.0
/*
 * The PE32+ image header validator: what NtCreateSection(SEC_IMAGE) checks
 * in the headers of a file before it makes an image section of it.
 *
 * The input is untrusted: mm_pe_parse() reads nothing but the buffer it is
 * given, copies each header out of it (memcpy, so that no field is read
 * unaligned) only after checking that the header lies inside it, does all
 * arithmetic on file values in 64 bits or with check_*_overflow(), and
 * loops over at most 96 section headers. It allocates one array, of at most
 * 96 entries.
 *
 * The rules are Windows' as far as they can be established without a
 * Windows machine. The sources, cited by name at each rule:
 *
 *  - Wine's conformance tests, which encode what Windows accepts:
 *    dlls/kernel32/tests/loader.c (test_Loader's table of headers,
 *    query_image_section for SECTION_IMAGE_INFORMATION, test_section_access
 *    for the protection of each section).
 *  - Wine's server/mapping.c (get_image_params), for what Wine itself checks
 *    and reports.
 *  - ReactOS' PeFmtCreateSection (ntoskrnl/mm/section.c).
 *  - retdec's PeLib (ImageLoader.cpp), which reproduces the checks of
 *    Windows' own image loader (MiCreateImageFileMap) to tell whether a file
 *    would load, with the Windows versions where they changed.
 *  - phnt (ntmmapi.h), for the layout of SECTION_IMAGE_INFORMATION.
 *
 * Where the sources disagree or say nothing, the choice is marked "ntexec:".
 *
 * Statuses: STATUS_INVALID_IMAGE_NOT_MZ when the file is shorter than a DOS
 * header or does not start with "MZ" (Wine's get_image_params), and
 * STATUS_INVALID_IMAGE_FORMAT for every other malformation. ntexec: Windows
 * has finer statuses for some of them (STATUS_INVALID_IMAGE_PROTECT when
 * there is no "PE\0\0", STATUS_INVALID_IMAGE_NE_FORMAT for a 16-bit image,
 * according to get_image_params); ntexec folds them into
 * STATUS_INVALID_IMAGE_FORMAT.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pe.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "pe.h"

/* <linux/pe.h>'s structures are the file's, byte for byte. */
static_assert(sizeof(struct mz_hdr) == 64);
static_assert(offsetof(struct mz_hdr, peaddr) == 0x3c);
static_assert(sizeof(struct pe_hdr) == 24);
static_assert(sizeof(struct pe32plus_opt_hdr) == 112);
static_assert(sizeof(struct data_dirent) == 8);
static_assert(sizeof(struct data_directory) == 16 * 8);
static_assert(sizeof(struct section_header) == 40);

/*
 * IMAGE_NT_HEADERS64: the signature, the file header, the optional header
 * with its 16 data directories. Windows 7 and later read all of it,
 * whatever SizeOfOptionalHeader says, and refuse a file too short to hold
 * it (PeLib, captureNtHeaders; test_Loader on SizeOfOptionalHeader: "0 or
 * another number don't change the behaviour, what really matters is file
 * size").
 */
#define MM_PE_NT_HEADERS_SIZE	(sizeof(struct pe_hdr) + \
				 sizeof(struct pe32plus_opt_hdr) + \
				 sizeof(struct data_directory))

/* The data directories a PE32+ optional header has room for. */
#define MM_PE_DIRECTORIES	16
#define MM_PE_DIR_COM_DESCRIPTOR	14

/*
 * NumberOfSections: ReactOS refuses more than 96 (PeFmtCreateSection, "see
 * [1], section 3.3"), Windows XP's MM_MAXIMUM_IMAGE_SECTIONS: (2 pages -
 * (1 page + sizeof(IMAGE_NT_HEADERS))) / 40. PeLib notes that Windows 7
 * raised the limit to 192; ntexec keeps 96.
 */
#define MM_PE_MAX_SECTIONS	96

/*
 * SizeOfImage: MM_SIZE_OF_LARGEST_IMAGE, the largest image NT maps (PeLib,
 * PELIB_MM_SIZE_OF_LARGEST_IMAGE, "Check for largest image").
 */
#define MM_PE_MAX_IMAGE		0x77000000u

/* ImageBase: a multiple of the allocation granularity. */
#define MM_PE_BASE_ALIGNMENT	0x10000u

/*
 * FileAlignment: below 512 only "low-alignment" images, whose
 * SectionAlignment must then equal it (PeLib: "FileAlignment must be equal
 * to SectionAlignment"); ntexec refuses those images anyway.
 */
#define MM_PE_MIN_FILE_ALIGNMENT	512u

/* Every malformation but NOT_MZ: say which for the dynamic debug log. */
static ntstatus_t mm_pe_bad(const char *why)
{
	pr_debug("ntexec: not a valid PE32+ image: %s\n", why);
	return STATUS_INVALID_IMAGE_FORMAT;
}

/**
 * mm_pe_section_protect() - the protection of an image section's pages
 * @characteristics: the section header's Characteristics
 *
 * test_section_access: a writable section is PAGE_WRITECOPY
 * (PAGE_EXECUTE_WRITECOPY when also executable) whether or not it is
 * readable; otherwise an executable one is PAGE_EXECUTE_READ, or
 * PAGE_EXECUTE when not readable; a readable one PAGE_READONLY; none of
 * the three bits gives PAGE_NOACCESS. The IMAGE_SCN_CNT_* bits play no part
 * (the same table with each of them). ntexec: IMAGE_SCN_MEM_SHARED does not
 * change the answer, as in Wine (dlls/ntdll/unix/virtual.c,
 * map_image_into_view); a shared writable section is shared between
 * processes, which is the mapper's business, not a protection.
 *
 * Return: an NT_PAGE_* base protection.
 */
u32 mm_pe_section_protect(u32 characteristics)
{
	bool exec = characteristics & IMAGE_SCN_MEM_EXECUTE;
	bool read = characteristics & IMAGE_SCN_MEM_READ;

	if (characteristics & IMAGE_SCN_MEM_WRITE)
		return exec ? NT_PAGE_EXECUTE_WRITECOPY : NT_PAGE_WRITECOPY;
	if (exec)
		return read ? NT_PAGE_EXECUTE_READ : NT_PAGE_EXECUTE;
	return read ? NT_PAGE_READONLY : NT_PAGE_NOACCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_pe_section_protect);

/*
 * The section table: the sections must tile the image from the end of the
 * headers' pages, in address order, each at a multiple of SectionAlignment
 * and of nonzero size. Windows requires exactly this: each section's
 * VirtualAddress must equal the end of the one before (rounded up to
 * SectionAlignment), the first one the end of the headers (PeLib,
 * captureSectionHeaders, LDR_ERROR_INVALID_SECTION_VA; ReactOS,
 * PeFmtCreateSection, "Memory gap between section %u and the previous"),
 * so sections out of order, overlapping, with gaps, or inside the headers
 * are all refused here. A section of size 0 (VirtualSize and SizeOfRawData
 * both 0) is refused (PeLib, LDR_ERROR_INVALID_SECTION_VSIZE; ReactOS
 * "Virtual size of section %u is null"), and so is one that ends past
 * SizeOfImage rounded up to a page (PeLib counts the pages of SizeOfImage
 * and of each section; test_Loader accepts a SizeOfImage of 0x1f00 whose
 * section ends at 0x2000).
 *
 * Raw data: SizeOfRawData 0 means none, and PointerToRawData is then
 * ignored (PeLib, ReactOS). PointerToRawData + SizeOfRawData must not wrap
 * (PeLib, LDR_ERROR_RAW_DATA_OVERFLOW), nor that end rounded up to
 * FileAlignment (LDR_ERROR_INVALID_SECTION_RAWSIZE), and it must lie within
 * the file. ntexec: Windows checks the last point for the last section only
 * (PeLib: "the PE loader in Windows only cares about whether the last
 * section is in the file range"); ntexec checks every section, so that a
 * view never has to read past the end of the file.
 */
static ntstatus_t mm_pe_sections(const u8 *table, u32 nsections,
				 u64 file_size, struct mm_image *img,
				 u64 next_va, u64 image_end)
{
	u32 sa = img->section_alignment;
	u32 fa = img->file_alignment;
	u32 i;

	for (i = 0; i < nsections; i++) {
		struct mm_image_section *s = &img->sections[i];
		struct section_header sh;
		u32 vsize, raw_end;
		u64 end;

		memcpy(&sh, table + i * sizeof(sh), sizeof(sh));

		vsize = sh.virtual_size ? sh.virtual_size : sh.raw_data_size;
		if (!vsize)
			return mm_pe_bad("a section of size 0");
		if (!IS_ALIGNED(sh.virtual_address, sa))
			return mm_pe_bad("a section not aligned to SectionAlignment");
		if (sh.virtual_address != next_va)
			return mm_pe_bad("sections not contiguous from the headers");
		/* At most 2^32 + 2^32 + 2^31: no 64-bit overflow. */
		end = round_up((u64)sh.virtual_address + vsize, (u64)sa);
		if (end > image_end)
			return mm_pe_bad("a section ends past SizeOfImage");

		if (sh.raw_data_size) {
			if (check_add_overflow(sh.data_addr, sh.raw_data_size,
					       &raw_end))
				return mm_pe_bad("raw data wraps");
			if (round_up((u64)raw_end, (u64)fa) > U32_MAX)
				return mm_pe_bad("raw data wraps when aligned");
			if (raw_end > file_size)
				return mm_pe_bad("raw data past the end of the file");
			s->raw_offset = sh.data_addr;
			s->raw_size = sh.raw_data_size;
		}

		s->va = sh.virtual_address;
		s->vsize = vsize;
		s->characteristics = sh.flags;
		s->protect = mm_pe_section_protect(sh.flags);
		/*
		 * Windows 10 counts an executable section as code
		 * (query_image_section: ImageContainsCode, "<= win8" broken).
		 */
		if (sh.flags & IMAGE_SCN_MEM_EXECUTE)
			img->contains_code = true;
		next_va = end;
	}
	return STATUS_SUCCESS;
}

/**
 * mm_pe_parse() - validate the headers of a PE32+ image
 * @buf: the first @len bytes of the file
 * @len: min(file size, MM_PE_HEADERS_MAX); a larger value is treated as
 *	MM_PE_HEADERS_MAX
 * @file_size: the size of the file, at least @len
 * @img: out: the image, on success only; its sections are allocated and
 *	mm_pe_free() frees them
 *
 * The rules, in the order they are checked (sources at the top of this
 * file, and at mm_pe_sections() for the section table):
 *
 * DOS header: 64 bytes starting with "MZ". e_lfanew, read as unsigned (a
 * negative one is then huge), must be a multiple of 4 (PeLib,
 * LDR_ERROR_E_LFANEW_UNALIGNED) and IMAGE_NT_HEADERS64 (264 bytes) must fit
 * in the buffer from there (see MM_PE_NT_HEADERS_SIZE). The NT headers may
 * overlap the DOS header (test_Loader's image with e_lfanew 0x10 loads on
 * every version).
 *
 * NT headers: "PE\0\0"; Machine IMAGE_FILE_MACHINE_AMD64 and optional
 * header magic 0x20b (PE32+), our scope (see pe.h); IMAGE_FILE_EXECUTABLE_IMAGE
 * in Characteristics (PeLib, LDR_ERROR_IMAGE_NON_EXECUTABLE).
 * NumberOfRvaAndSizes at most 16, and SizeOfOptionalHeader at least the
 * fixed part (112 bytes) plus that many directories. ntexec: Windows is
 * not known to refuse either (XP loads an optional header cut short before
 * CheckSum, test_Loader); no linker writes such headers, and a section
 * table that overlaps the directories it claims is not worth supporting.
 *
 * Section table: NumberOfSections in [1, 96], the table (right after the
 * optional header, as SizeOfOptionalHeader places it) within the buffer.
 * ntexec: some Windows versions load images without sections (test_Loader
 * accepts success or ERROR_BAD_EXE_FORMAT for them, "rejected by win10
 * 1809+" for one); they are refused.
 *
 * Alignments: SectionAlignment a power of two, at least PAGE_SIZE.
 * FileAlignment a power of two, at least 512 and at most SectionAlignment
 * (PeLib, LDR_ERROR_FILE_ALIGNMENT_*, _SECTION_ALIGNMENT_*; ReactOS). ntexec:
 * Windows maps an image whose SectionAlignment is below the page size
 * "flat", the whole image as one PAGE_EXECUTE_WRITECOPY region
 * (test_Loader, ImageMappedFlat); ntexec refuses those images.
 *
 * Sizes: SizeOfImage in [1, 0x77000000]; ImageBase a multiple of 64 KiB
 * (PeLib, LDR_ERROR_IMAGE_BASE_NOT_ALIGNED; ReactOS). SizeOfHeaders
 * nonzero (PeLib, LDR_ERROR_SIZE_OF_HEADERS_ZERO), at most SizeOfImage
 * (LDR_ERROR_SIZE_OF_HEADERS_INVALID) and at most the file size
 * (test_Loader: "vista is more strict"), and its pages within SizeOfImage.
 * ntexec: ImageBase + SizeOfImage must not wrap; SizeOfHeaders must cover
 * the section table (Wine extends the headers to cover it instead; no
 * linker writes such a file, and a view would not show the table).
 *
 * Entry point: 0 (none, as in a resource DLL) or below SizeOfImage.
 * ntexec: Windows is not known to check it when it creates the section.
 *
 * Return: STATUS_SUCCESS; STATUS_INVALID_IMAGE_NOT_MZ; STATUS_INVALID_IMAGE_FORMAT
 * for any other malformation; STATUS_NO_MEMORY; STATUS_INVALID_PARAMETER
 * when @len exceeds @file_size.
 */
ntstatus_t mm_pe_parse(const void *buf, size_t len, u64 file_size,
		       struct mm_image *img)
{
	const u8 *p = buf;
	struct pe32plus_opt_hdr opt;
	struct mm_image im = {};
	struct mz_hdr dos;
	struct pe_hdr nt;
	size_t opt_off, nt_end, table_off, table_size, table_end;
	u64 image_end, headers_end, base_end;
	u32 ndirs, nsections;
	ntstatus_t status;

	if (len > file_size)
		return STATUS_INVALID_PARAMETER;
	len = min_t(size_t, len, MM_PE_HEADERS_MAX);

	/* DOS header. */
	if (len < sizeof(dos))
		return STATUS_INVALID_IMAGE_NOT_MZ;
	memcpy(&dos, p, sizeof(dos));
	if (dos.magic != MZ_MAGIC)
		return STATUS_INVALID_IMAGE_NOT_MZ;
	if (dos.peaddr & 3)
		return mm_pe_bad("e_lfanew not a multiple of 4");
	if (check_add_overflow((size_t)dos.peaddr, MM_PE_NT_HEADERS_SIZE,
			       &nt_end) || nt_end > len)
		return mm_pe_bad("NT headers past the buffer");

	/* NT headers: all of IMAGE_NT_HEADERS64 is inside the buffer. */
	memcpy(&nt, p + dos.peaddr, sizeof(nt));
	opt_off = dos.peaddr + sizeof(nt);
	memcpy(&opt, p + opt_off, sizeof(opt));
	if (nt.magic != PE_MAGIC)
		return mm_pe_bad("no PE signature");
	if (nt.machine != IMAGE_FILE_MACHINE_AMD64)
		return mm_pe_bad("machine not AMD64");
	if (opt.magic != PE_OPT_MAGIC_PE32PLUS)
		return mm_pe_bad("not PE32+");
	if (!(nt.flags & IMAGE_FILE_EXECUTABLE_IMAGE))
		return mm_pe_bad("not an executable image");

	ndirs = opt.data_dirs;
	if (ndirs > MM_PE_DIRECTORIES)
		return mm_pe_bad("NumberOfRvaAndSizes above 16");
	if (nt.opt_hdr_size < sizeof(opt) + ndirs * sizeof(struct data_dirent))
		return mm_pe_bad("SizeOfOptionalHeader too small");

	/* Section table. */
	nsections = nt.sections;
	if (!nsections || nsections > MM_PE_MAX_SECTIONS)
		return mm_pe_bad("NumberOfSections 0 or above 96");
	table_off = opt_off + nt.opt_hdr_size;
	table_size = array_size(nsections, sizeof(struct section_header));
	if (check_add_overflow(table_off, table_size, &table_end) ||
	    table_end > len)
		return mm_pe_bad("section table past the buffer");

	/* Alignments. */
	im.section_alignment = opt.section_align;
	im.file_alignment = opt.file_align;
	if (!is_power_of_2(im.section_alignment) ||
	    im.section_alignment < PAGE_SIZE)
		return mm_pe_bad("SectionAlignment");
	if (!is_power_of_2(im.file_alignment) ||
	    im.file_alignment < MM_PE_MIN_FILE_ALIGNMENT ||
	    im.file_alignment > im.section_alignment)
		return mm_pe_bad("FileAlignment");

	/* Sizes. */
	im.size_of_image = opt.image_size;
	if (!im.size_of_image || im.size_of_image > MM_PE_MAX_IMAGE)
		return mm_pe_bad("SizeOfImage 0 or too large");
	image_end = round_up((u64)im.size_of_image, (u64)PAGE_SIZE);
	im.image_base = opt.image_base;
	if (!IS_ALIGNED(im.image_base, MM_PE_BASE_ALIGNMENT))
		return mm_pe_bad("ImageBase not a multiple of 64 KiB");
	if (check_add_overflow(im.image_base, image_end, &base_end))
		return mm_pe_bad("ImageBase + SizeOfImage wraps");
	im.size_of_headers = opt.header_size;
	if (!im.size_of_headers || im.size_of_headers > im.size_of_image ||
	    im.size_of_headers > file_size)
		return mm_pe_bad("SizeOfHeaders 0, past SizeOfImage or the file");
	if (im.size_of_headers < table_end)
		return mm_pe_bad("SizeOfHeaders short of the section table");
	headers_end = round_up((u64)im.size_of_headers,
			       (u64)im.section_alignment);
	if (headers_end > image_end)
		return mm_pe_bad("headers' pages past SizeOfImage");

	/* 0 (no entry point) passes: SizeOfImage is not 0. */
	im.entry_point = opt.entry_point;
	if (im.entry_point >= im.size_of_image)
		return mm_pe_bad("entry point outside the image");

	if (ndirs > MM_PE_DIR_COM_DESCRIPTOR) {
		struct data_dirent com;

		memcpy(&com, p + opt_off + sizeof(opt) +
		       MM_PE_DIR_COM_DESCRIPTOR * sizeof(com), sizeof(com));
		im.com_descriptor = com.virtual_address && com.size;
	}

	im.stack_reserve = opt.stack_size_req;
	im.stack_commit = opt.stack_size;
	im.subsystem = opt.subsys;
	im.subsystem_major = opt.subsys_major;
	im.subsystem_minor = opt.subsys_minor;
	im.os_major = opt.os_major;
	im.os_minor = opt.os_minor;
	im.characteristics = nt.flags;
	im.dll_characteristics = opt.dll_flags;
	im.machine = nt.machine;
	im.loader_flags = opt.loader_flags;
	im.checksum = opt.csum;
	/* query_image_section: SizeOfCode or AddressOfEntryPoint nonzero. */
	im.contains_code = opt.text_size || opt.entry_point;

	im.nsections = nsections;
	im.sections = kcalloc(nsections, sizeof(*im.sections),
			      GFP_KERNEL_ACCOUNT);
	if (!im.sections)
		return STATUS_NO_MEMORY;
	status = mm_pe_sections(p + table_off, nsections, file_size, &im,
				headers_end, image_end);
	if (!NT_SUCCESS(status)) {
		kfree(im.sections);
		return status;
	}
	*img = im;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_pe_parse);

/**
 * mm_pe_free() - free what mm_pe_parse() allocated
 * @img: a parsed image (or a zeroed one)
 */
void mm_pe_free(struct mm_image *img)
{
	kfree(img->sections);
	img->sections = NULL;
	img->nsections = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mm_pe_free);

/**
 * mm_pe_image_information() - NtQuerySection(SectionImageInformation)
 * @img: a parsed image
 * @file_size: the size of its file
 * @info: out: SECTION_IMAGE_INFORMATION
 *
 * As query_image_section expects of Windows: TransferAddress is ImageBase
 * + AddressOfEntryPoint (the preferred base: ntexec does not relocate
 * images at section creation, so ImageDynamicallyRelocated is clear),
 * ZeroBits 0, the stack sizes, subsystem, versions, characteristics,
 * machine and checksum from the headers, ImageFileSize the size of the file
 * (not SizeOfImage), LoaderFlags 1 for an image with a COM descriptor and 0
 * otherwise (not the header's LoaderFlags). ImageFlags is 0: no image is
 * mapped flat (mm_pe_parse() refuses them), none is relocated, and the
 * ComPlus bits need the COM descriptor's own header, inside a section,
 * which the header validator does not read. ntexec: ImageFileSize is a
 * ULONG; a larger file reports 0xffffffff.
 */
void mm_pe_image_information(const struct mm_image *img, u64 file_size,
			     struct nt_section_image_information *info)
{
	memset(info, 0, sizeof(*info));
	info->transfer_address = img->image_base + img->entry_point;
	info->maximum_stack_size = img->stack_reserve;
	info->committed_stack_size = img->stack_commit;
	info->subsystem_type = img->subsystem;
	info->subsystem_minor_version = img->subsystem_minor;
	info->subsystem_major_version = img->subsystem_major;
	info->major_os_version = img->os_major;
	info->minor_os_version = img->os_minor;
	info->image_characteristics = img->characteristics;
	info->dll_characteristics = img->dll_characteristics;
	info->machine = img->machine;
	info->image_contains_code = img->contains_code;
	info->loader_flags = img->com_descriptor;
	info->image_file_size = min_t(u64, file_size, U32_MAX);
	info->checksum = img->checksum;
}
EXPORT_SYMBOL_IF_KUNIT(mm_pe_image_information);
