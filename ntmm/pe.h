/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The image header validator of SEC_IMAGE sections: what NtCreateSection
 * checks in a PE file before it makes an image section of it, and what it
 * keeps (ntmm/pe.c has the rules and their sources).
 *
 * Scope: PE32+ images for x86_64 (optional header magic 0x20b, machine
 * IMAGE_FILE_MACHINE_AMD64). Windows x64 also makes image sections of PE32
 * files (for WoW64) and of images for other machines (the loader refuses
 * those later); ntexec refuses them here, STATUS_INVALID_IMAGE_FORMAT.
 *
 * The file format's structures are the kernel's own (<linux/pe.h>, which
 * the EFI stub uses).
 */
#ifndef _NTEXEC_NTMM_PE_H
#define _NTEXEC_NTMM_PE_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

#include "../ntob/status.h"
#include "protect.h"

/*
 * How much of the start of the file the caller reads and hands to
 * mm_pe_parse(): min(file size, this). The DOS header, the NT headers and
 * the section table must all lie in it. Windows reads the headers wherever
 * e_lfanew puts them (up to 256 MiB in); ntexec: 64 KiB holds any header a
 * linker writes (96 sections take 3840 bytes) and bounds the work done on
 * a file before it is known to be an image.
 */
#define MM_PE_HEADERS_MAX	(64 * 1024)

/* The protection of the headers' pages in every view of an image. */
#define MM_PE_HEADERS_PROTECT	NT_PAGE_READONLY

/**
 * struct mm_image_section - one section of a validated image
 * @va: its RVA, a multiple of &mm_image.section_alignment; the sections
 *	of an image are contiguous: the first starts where the headers' pages
 *	end, each next one where the one before it ends
 * @vsize: its size in memory, VirtualSize (SizeOfRawData when VirtualSize
 *	is 0), not rounded, never 0. The section covers @va to
 *	round_up(@va + @vsize, section_alignment), the next section's @va.
 * @raw_offset: PointerToRawData, or 0 when @raw_size is 0 (Windows then
 *	ignores it)
 * @raw_size: SizeOfRawData: @raw_offset + @raw_size lies within the file.
 *	It may exceed @vsize; what a view shows of the file is the first
 *	min(@raw_size, @vsize) bytes, the rest of the section reads as zeros
 *	(the mapper decides how closely it follows Windows there, which reads
 *	from @raw_offset rounded down to 512 bytes).
 * @protect: the NT_PAGE_* protection of its pages (mm_pe_section_protect())
 * @characteristics: the section header's Characteristics (IMAGE_SCN_*),
 *	IMAGE_SCN_MEM_SHARED included
 */
struct mm_image_section {
	u32 va;
	u32 vsize;
	u32 raw_offset;
	u32 raw_size;
	u32 protect;
	u32 characteristics;
};

/**
 * struct mm_image - what an image section keeps of a validated PE32+ file
 * @image_base: ImageBase, the preferred address, a multiple of 64 KiB
 * @size_of_image: SizeOfImage, not rounded, in [1, 0x77000000]; a view
 *	covers round_up(@size_of_image, PAGE_SIZE) bytes, and every section
 *	ends within that
 * @size_of_headers: SizeOfHeaders, nonzero, within the file and within
 *	@size_of_image; it covers the section table. The headers' pages are
 *	[0, sections[0].va), MM_PE_HEADERS_PROTECT, showing the first
 *	@size_of_headers bytes of the file.
 * @section_alignment: SectionAlignment, a power of two >= PAGE_SIZE
 * @file_alignment: FileAlignment, a power of two in [512,
 *	@section_alignment]
 * @entry_point: AddressOfEntryPoint, an RVA below @size_of_image, or 0 for
 *	none
 * @stack_reserve: SizeOfStackReserve
 * @stack_commit: SizeOfStackCommit
 * @subsystem: Subsystem (IMAGE_SUBSYSTEM_*)
 * @subsystem_major: MajorSubsystemVersion
 * @subsystem_minor: MinorSubsystemVersion
 * @os_major: MajorOperatingSystemVersion
 * @os_minor: MinorOperatingSystemVersion
 * @characteristics: the file header's Characteristics (IMAGE_FILE_*)
 * @dll_characteristics: DllCharacteristics
 * @machine: Machine, IMAGE_FILE_MACHINE_AMD64
 * @loader_flags: the optional header's LoaderFlags (reserved, usually 0)
 * @checksum: CheckSum
 * @contains_code: ImageContainsCode as Windows 10 computes it: SizeOfCode
 *	or AddressOfEntryPoint nonzero, or an executable section
 * @com_descriptor: the image has a COM descriptor (a .NET image): its
 *	data directory 14 is present with a nonzero address and size
 * @nsections: the number of sections, in [1, 96]
 * @sections: the sections in address order, kcalloc'd; mm_pe_free() frees
 */
struct mm_image {
	u64 image_base;
	u32 size_of_image;
	u32 size_of_headers;
	u32 section_alignment;
	u32 file_alignment;
	u32 entry_point;
	u64 stack_reserve;
	u64 stack_commit;
	u16 subsystem;
	u16 subsystem_major;
	u16 subsystem_minor;
	u16 os_major;
	u16 os_minor;
	u16 characteristics;
	u16 dll_characteristics;
	u16 machine;
	u32 loader_flags;
	u32 checksum;
	bool contains_code;
	bool com_descriptor;
	u32 nsections;
	struct mm_image_section *sections;
};

/**
 * struct nt_section_image_information - SECTION_IMAGE_INFORMATION, x64
 *	layout: NtQuerySection(SectionImageInformation)'s answer
 * @transfer_address: TransferAddress: ImageBase + AddressOfEntryPoint
 * @zero_bits: ZeroBits
 * @pad: zero
 * @maximum_stack_size: MaximumStackSize: SizeOfStackReserve
 * @committed_stack_size: CommittedStackSize: SizeOfStackCommit
 * @subsystem_type: SubSystemType
 * @subsystem_minor_version: SubSystemMinorVersion
 * @subsystem_major_version: SubSystemMajorVersion
 * @major_os_version: MajorOperatingSystemVersion (the major first, unlike
 *	the subsystem version: phnt's order, and the order of the PDB-derived
 *	layouts, 0x28 then 0x2a)
 * @minor_os_version: MinorOperatingSystemVersion
 * @image_characteristics: ImageCharacteristics
 * @dll_characteristics: DllCharacteristics
 * @machine: Machine
 * @image_contains_code: ImageContainsCode
 * @image_flags: ImageFlags: ComPlusNativeReady 0x01, ComPlusILOnly 0x02,
 *	ImageDynamicallyRelocated 0x04, ImageMappedFlat 0x08, BaseBelow4gb
 *	0x10, ComPlusPrefer32bit 0x20
 * @loader_flags: LoaderFlags
 * @image_file_size: ImageFileSize: the size of the file
 * @checksum: CheckSum
 */
struct nt_section_image_information {
	u64 transfer_address;
	u32 zero_bits;
	u32 pad;
	u64 maximum_stack_size;
	u64 committed_stack_size;
	u32 subsystem_type;
	u16 subsystem_minor_version;
	u16 subsystem_major_version;
	u16 major_os_version;
	u16 minor_os_version;
	u16 image_characteristics;
	u16 dll_characteristics;
	u16 machine;
	u8 image_contains_code;
	u8 image_flags;
	u32 loader_flags;
	u32 image_file_size;
	u32 checksum;
};

static_assert(sizeof(struct nt_section_image_information) == 0x40);
static_assert(offsetof(struct nt_section_image_information, maximum_stack_size) == 0x10);
static_assert(offsetof(struct nt_section_image_information, subsystem_type) == 0x20);
static_assert(offsetof(struct nt_section_image_information, major_os_version) == 0x28);
static_assert(offsetof(struct nt_section_image_information, image_characteristics) == 0x2c);
static_assert(offsetof(struct nt_section_image_information, machine) == 0x30);
static_assert(offsetof(struct nt_section_image_information, image_contains_code) == 0x32);
static_assert(offsetof(struct nt_section_image_information, image_flags) == 0x33);
static_assert(offsetof(struct nt_section_image_information, loader_flags) == 0x34);
static_assert(offsetof(struct nt_section_image_information, image_file_size) == 0x38);
static_assert(offsetof(struct nt_section_image_information, checksum) == 0x3c);

ntstatus_t mm_pe_parse(const void *buf, size_t len, u64 file_size,
		       struct mm_image *img);
void mm_pe_free(struct mm_image *img);
u32 mm_pe_section_protect(u32 characteristics);
void mm_pe_image_information(const struct mm_image *img, u64 file_size,
			     struct nt_section_image_information *info);

#endif /* _NTEXEC_NTMM_PE_H */
