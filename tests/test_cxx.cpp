// SPDX-License-Identifier: GPL-2.0
/*
 * <ntexec/nt.h> used from C++ (built by `make user` with g++ -std=c++17
 * -Wall -Wextra -Werror): WCHAR is char16_t, so u"..." literals,
 * std::u16string and the UNICODE_STRINGs the services return mix without
 * casts; the services have C linkage and the System V convention; the
 * layouts are the Windows x64 ones, as in C (userlib/abi_check.c).
 */
#include <climits>
#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>
#include <unistd.h>

#include <ntexec/nt.h>
#include "harness.h"

static_assert(std::is_same<WCHAR, char16_t>::value, "WCHAR is u\"\"'s char16_t");
static_assert(std::is_same<PWSTR, char16_t *>::value, "PWSTR");
static_assert(std::is_same<PCWSTR, const char16_t *>::value, "PCWSTR");
static_assert(sizeof(WCHAR) == 2 && alignof(WCHAR) == 2, "WCHAR is 16 bits");
static_assert(std::is_unsigned<WCHAR>::value, "WCHAR is unsigned");

static_assert(sizeof(UNICODE_STRING) == 16, "UNICODE_STRING");
static_assert(offsetof(UNICODE_STRING, Buffer) == 8, "UNICODE_STRING.Buffer");
static_assert(sizeof(OBJECT_ATTRIBUTES) == 48, "OBJECT_ATTRIBUTES");
static_assert(offsetof(OBJECT_ATTRIBUTES, SecurityQualityOfService) == 40,
	      "OBJECT_ATTRIBUTES.SecurityQualityOfService");
static_assert(sizeof(CLIENT_ID) == 16, "CLIENT_ID");
static_assert(sizeof(MEMORY_BASIC_INFORMATION) == 48, "MEMORY_BASIC_INFORMATION");
static_assert(offsetof(MEMORY_BASIC_INFORMATION, RegionSize) == 24,
	      "MEMORY_BASIC_INFORMATION.RegionSize");
static_assert(sizeof(PROCESS_BASIC_INFORMATION) == 48, "PROCESS_BASIC_INFORMATION");
static_assert(offsetof(PROCESS_BASIC_INFORMATION, UniqueProcessId) == 32,
	      "PROCESS_BASIC_INFORMATION.UniqueProcessId");
static_assert(sizeof(CONTEXT) == 1232 && alignof(CONTEXT) == 16, "CONTEXT");
static_assert(offsetof(CONTEXT, Rip) == 0xF8, "CONTEXT.Rip");
static_assert(offsetof(CONTEXT, Xmm0) == 0x1A0, "CONTEXT.Xmm0");

/* Plain System V functions with C linkage (the link proves the linkage). */
static_assert(std::is_same<decltype(&NtClose), NTSTATUS (*)(HANDLE)>::value,
	      "NtClose is a System V function");

/* RTL_CONSTANT_STRING is a constant expression in C++ too. */
static constexpr UNICODE_STRING known_dlls = RTL_CONSTANT_STRING(u"\\KnownDlls");
static_assert(known_dlls.Length == 20 && known_dlls.MaximumLength == 22,
	      "RTL_CONSTANT_STRING counts bytes, without and with the NUL");

static std::u16string to_u16(const UNICODE_STRING &us)
{
	return std::u16string(us.Buffer, us.Length / sizeof(WCHAR));
}

static void setup(void)
{
	NTSTATUS s = NtxInitialize();

	if (s == STATUS_NO_SUCH_DEVICE)
		SKIP("/dev/ntexec is absent: the module is not loaded");
	ASSERT_STATUS(s, STATUS_SUCCESS);
}

TEST(unicode_string_literals)
{
	UNICODE_STRING us = RTL_CONSTANT_STRING(u"ntexec \u00e9\u4e2d");
	PCWSTR p = u"ntexec";

	EXPECT_EQ(us.Length, 18);
	EXPECT_EQ(us.MaximumLength, 20);
	EXPECT_EQ(us.Buffer[9], 0);
	EXPECT_TRUE(to_u16(us) == u"ntexec \u00e9\u4e2d");
	EXPECT_EQ(us.Buffer[7], 0xe9);
	EXPECT_EQ(us.Buffer[8], 0x4e2d);
	EXPECT_TRUE(std::u16string(p) == u"ntexec");
	EXPECT_TRUE(to_u16(known_dlls) == u"\\KnownDlls");
}

/*
 * The module's UTF-16 image name, read straight into a std::u16string and
 * compared with a u"" literal and with /proc/self/exe.
 */
TEST(image_file_name_as_u16string)
{
	char exe[PATH_MAX];
	ULONG need = 0, len = 0;
	ssize_t n;

	setup();
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_GT(n, 0);
	exe[n] = 0;

	UNICODE_STRING probe = {};
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessImageFileName,
						&probe, sizeof(probe), &need),
		      STATUS_INFO_LENGTH_MISMATCH);
	ASSERT_GT(need, sizeof(UNICODE_STRING));
	std::vector<unsigned char> buf(need);
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessImageFileName,
						buf.data(), need, &len), STATUS_SUCCESS);
	EXPECT_EQ(len, need);

	UNICODE_STRING us;
	memcpy(&us, buf.data(), sizeof(us));
	std::u16string name = to_u16(us);
	std::u16string expect;

	for (ssize_t i = 0; i < n; i++) {
		/* The test's path is ASCII: widen it byte by byte. */
		ASSERT_LT((unsigned char)exe[i], 0x80);
		expect.push_back(static_cast<char16_t>(exe[i]));
	}
	EXPECT_TRUE(name == expect);
	const std::u16string tail = u"/test_cxx";
	ASSERT_GE(name.size(), tail.size());
	EXPECT_TRUE(name.compare(name.size() - tail.size(), tail.size(), tail) == 0);
}

/* Services called from C++: objects, handles and memory. */
TEST(services_from_cxx)
{
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid = { reinterpret_cast<HANDLE>(static_cast<uintptr_t>(getpid())), nullptr };
	PROCESS_BASIC_INFORMATION pbi;
	HANDLE h = nullptr;
	PVOID base = nullptr;
	SIZE_T size = 0x10000;
	ULONG len = 0;

	setup();
	InitializeObjectAttributes(&oa, nullptr, 0, nullptr, nullptr);
	ASSERT_STATUS(NtOpenProcess(&h, PROCESS_QUERY_INFORMATION, &oa, &cid), STATUS_SUCCESS);
	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi),
						&len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(pbi));
	EXPECT_EQ(reinterpret_cast<uintptr_t>(pbi.UniqueProcessId),
		  static_cast<uintptr_t>(getpid()));
	EXPECT_STATUS(NtClose(h), STATUS_SUCCESS);
	EXPECT_STATUS(ZwClose(h), STATUS_INVALID_HANDLE);

	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	static_cast<WCHAR *>(base)[0] = u'\u20ac';
	EXPECT_EQ(static_cast<WCHAR *>(base)[0], 0x20ac);
	size = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
	EXPECT_EQ(size, 0x10000);
}
