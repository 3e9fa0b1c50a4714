/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <ntexec/nt.h> - Windows NT native API for Linux processes (libntexec).
 *
 * Goal: code written against ntdll (Nt* / Zw* system services, NTSTATUS,
 * OBJECT_ATTRIBUTES, ...) compiles unchanged on Linux x86_64 (LP64, gcc or
 * clang) when it includes this header instead of <windows.h>/<winternl.h>.
 *
 * ABI notes
 *  - Every type keeps its Windows x64 size and layout.  LONG/ULONG/DWORD are
 *    32-bit (int32_t/uint32_t); C `long` is never used, because it is 64-bit
 *    on LP64 Linux.  userlib/abi_check.c asserts the sizes and offsets.
 *  - Numeric constants are written without an `L` suffix: in Windows headers
 *    `L` means 32 bits, on LP64 Linux it would mean 64.  Un-suffixed hex
 *    literals are `int` or `unsigned int`, i.e. 32 bits either way.
 *  - Calling convention: libntexec is a native Linux library, its functions
 *    use the System V AMD64 convention and NTAPI is empty.  A predefined
 *    NTAPI or NTSYSCALLAPI that changes it (__attribute__((ms_abi)), as in
 *    code that also targets PE) is a compile-time error, not a silent
 *    mismatch; define NTEXEC_MS_ABI instead for the Microsoft x64 entry
 *    points (see "Calling convention" below).
 *  - WCHAR is 16 bits: uint16_t in C, char16_t in C++ (C++11 or later), so
 *    u"..." literals are WCHAR strings in both.  L"..." literals are 32-bit
 *    wchar_t on Linux: do not use them.
 *  - Values of constants, enum numbering and structure layouts follow the
 *    Windows SDK/WDK; names without a public SDK definition follow the
 *    Process Hacker / System Informer "phnt" headers.
 *
 * libntexec implements a subset of the services declared below.  The others
 * keep their ntdll prototypes but are marked unavailable: calling one (or
 * taking its address) is a compile-time error that says it is not
 * implemented yet, instead of a link error.
 */
#if defined(NTEXEC_NT_H) && defined(NTEXEC_MS_ABI) != defined(NTEXEC_NT_H_MS_ABI)
#error "<ntexec/nt.h> included both with and without NTEXEC_MS_ABI"
#endif
#ifndef NTEXEC_NT_H
#define NTEXEC_NT_H
#ifdef NTEXEC_MS_ABI
#define NTEXEC_NT_H_MS_ABI
#endif

#if defined(__cplusplus) && __cplusplus < 201103L
#error "<ntexec/nt.h> needs C++11 or later (char16_t, static_assert)"
#endif

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Calling convention and annotation macros                                 */
/* ------------------------------------------------------------------------ */

/*
 * Calling convention.  Every Nt* function of libntexec uses the System V
 * AMD64 calling convention, like any Linux function, and NTAPI is empty.
 * NTAPI may be predefined (as empty, or as __attribute__((sysv_abi))), but
 * not to anything that changes the convention: code that predefines it as
 * __attribute__((ms_abi)), or puts that in NTSYSCALLAPI, or is compiled
 * with -mabi=ms, would pass the arguments in the wrong registers.  The
 * types of the declarations are checked after them: such code fails to
 * compile with a message saying so.  The Rtl* functions libntexec
 * implements (NTSYSAPI) follow the same rules.
 *
 * Callers that need the Microsoft x64 convention (a PE loader that hands
 * PE code ntdll's exports, code built with NTAPI as ms_abi) define
 * NTEXEC_MS_ABI before including this header.  NTAPI is then
 * __attribute__((ms_abi)) (a predefined NTAPI must be that too), and every
 * implemented Nt* service (and its Zw* name) refers to NtxMs_<name>: the
 * library's ms_abi entry point, a thin wrapper around the System V
 * function, with the same prototype.  &NtClose is then an address PE code
 * can call.  The Ntx* extensions at the end keep the System V convention in
 * both modes.  A translation unit uses one mode.
 */
#ifdef NTEXEC_MS_ABI
#ifndef NTAPI
#define NTAPI __attribute__((ms_abi))
#endif
#define NTX_SERVICE_ABI __attribute__((ms_abi))
#define NTX_SERVICE(name) __asm__("NtxMs_" #name)
#else
#ifndef NTAPI
#define NTAPI
#endif
#define NTX_SERVICE_ABI __attribute__((sysv_abi))
#define NTX_SERVICE(name)
#endif
#define NTX_SYSV_ABI __attribute__((sysv_abi))

/*
 * A declared service that libntexec does not implement yet: using it is a
 * compile-time error (gcc >= 12, clang) with this message.  Older gcc gets
 * the error attribute (an error when a call remains after optimisation).
 * The declarations stay, rather than going away until implemented, so that
 * such code gets this message (without a declaration, gcc 12 only warns of
 * an implicit declaration, and the link fails), and so that the prototypes
 * and their types are there for what is written against them.
 */
#if defined(__has_attribute)
#if __has_attribute(unavailable)
#define NTX_NOT_IMPLEMENTED(what) \
    __attribute__((unavailable("not implemented by libntexec yet (" what ")")))
#elif __has_attribute(error)
#define NTX_NOT_IMPLEMENTED(what) \
    __attribute__((error("not implemented by libntexec yet (" what ")")))
#endif
#endif
#ifndef NTX_NOT_IMPLEMENTED
#define NTX_NOT_IMPLEMENTED(what)
#endif

#ifndef NTSYSAPI
#define NTSYSAPI
#endif
#ifndef NTSYSCALLAPI
#define NTSYSCALLAPI
#endif
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#ifndef VOID
#define VOID void
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef TRUE
#define TRUE 1
#endif

/* ------------------------------------------------------------------------ */
/* Basic types (Windows x64 sizes)                                          */
/* ------------------------------------------------------------------------ */

typedef void *PVOID;
typedef void *HANDLE;
typedef HANDLE *PHANDLE;

typedef char CHAR, *PCHAR, *PSTR;
typedef const char *PCSTR;
typedef char CCHAR;
typedef unsigned char UCHAR, *PUCHAR;
typedef unsigned char BYTE, *PBYTE;
typedef unsigned char BOOLEAN, *PBOOLEAN;
typedef int16_t SHORT, *PSHORT;
typedef uint16_t USHORT, *PUSHORT;
typedef uint16_t WORD, *PWORD;
/*
 * 16-bit UTF-16 code units.  In C, u"..." is an array of char16_t, which
 * <uchar.h> defines as uint_least16_t: uint16_t.  In C++, u"..." is an
 * array of the distinct type char16_t (same size, alignment and
 * signedness), so WCHAR is that type there.
 */
#ifdef __cplusplus
typedef char16_t WCHAR;
#else
typedef uint16_t WCHAR;
#endif
typedef WCHAR *PWCHAR, *PWCH, *PWSTR;
typedef const WCHAR *PCWCH, *PCWSTR;
typedef int32_t LONG, *PLONG;
typedef uint32_t ULONG, *PULONG;
typedef uint32_t DWORD, *PDWORD;
typedef int64_t LONGLONG, *PLONGLONG;
typedef uint64_t ULONGLONG, *PULONGLONG;
typedef int64_t LONG64, *PLONG64;
typedef uint64_t ULONG64, *PULONG64;
typedef uint64_t DWORD64, *PDWORD64;
typedef int64_t LONG_PTR, *PLONG_PTR;
typedef uint64_t ULONG_PTR, *PULONG_PTR;
typedef ULONG_PTR SIZE_T, *PSIZE_T;
typedef LONG_PTR SSIZE_T, *PSSIZE_T;

typedef ULONG ACCESS_MASK, *PACCESS_MASK;
typedef LONG NTSTATUS, *PNTSTATUS;
typedef LONG KPRIORITY, *PKPRIORITY;
typedef ULONG_PTR KAFFINITY, *PKAFFINITY;

typedef union _LARGE_INTEGER {
    __extension__ struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    __extension__ struct {
        ULONG LowPart;
        ULONG HighPart;
    };
    struct {
        ULONG LowPart;
        ULONG HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef struct _UNICODE_STRING {
    USHORT Length;        /* bytes, without a terminating NUL */
    USHORT MaximumLength; /* bytes */
    PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

/*
 * UNICODE_STRING us = RTL_CONSTANT_STRING(u"text");  In C++ a string
 * literal is const, and Buffer is not: the const is cast away, as the WDK's
 * C++ definition does (the buffer must not be written through).
 */
#ifndef RTL_CONSTANT_STRING
#ifdef __cplusplus
extern "C++" {
template <typename T> constexpr T *NtxRtlConstantBuffer(const T *s)
{
    return const_cast<T *>(s);
}
}
#define RTL_CONSTANT_STRING(s) \
    { sizeof(s) - sizeof((s)[0]), sizeof(s), NtxRtlConstantBuffer(s) }
#else
#define RTL_CONSTANT_STRING(s) { sizeof(s) - sizeof((s)[0]), sizeof(s), s }
#endif
#endif

/*
 * RtlInitUnicodeString: a UNICODE_STRING over a NUL-terminated WCHAR
 * string (not copied), as ntdll's: Length without the NUL, at most 0xfffc;
 * a NULL SourceString gives an empty string. An inline function here, so
 * that it needs no calling-convention wrapper.
 */
static inline VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString,
                                        PCWSTR SourceString)
{
    size_t n = 0;

    if (SourceString)
        while (SourceString[n] && n < 0xfffc / sizeof(WCHAR))
            n++;
    DestinationString->Length = (USHORT)(n * sizeof(WCHAR));
    DestinationString->MaximumLength =
        SourceString ? (USHORT)(DestinationString->Length + sizeof(WCHAR)) : 0;
    DestinationString->Buffer = (PWSTR)SourceString;
}

typedef struct _CLIENT_ID {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

/* Opaque to user code: only pointers to them cross the API. */
struct _PEB;
struct _TEB;
typedef struct _PEB *PPEB;
typedef struct _TEB *PTEB;

/* ------------------------------------------------------------------------ */
/* NTSTATUS helpers and values                                              */
/* ------------------------------------------------------------------------ */

#ifndef NT_SUCCESS
#define NT_SUCCESS(Status)     (((NTSTATUS)(Status)) >= 0)
#endif
#ifndef NT_INFORMATION
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#endif
#ifndef NT_WARNING
#define NT_WARNING(Status)     ((((ULONG)(Status)) >> 30) == 2)
#endif
#ifndef NT_ERROR
#define NT_ERROR(Status)       ((((ULONG)(Status)) >> 30) == 3)
#endif

#define STATUS_SEVERITY_SUCCESS            0x0
#define STATUS_SEVERITY_INFORMATIONAL      0x1
#define STATUS_SEVERITY_WARNING            0x2
#define STATUS_SEVERITY_ERROR              0x3

/* Success */
#define STATUS_SUCCESS                     ((NTSTATUS)0x00000000)
#define STATUS_WAIT_0                      ((NTSTATUS)0x00000000)
#define STATUS_WAIT_1                      ((NTSTATUS)0x00000001)
#define STATUS_WAIT_2                      ((NTSTATUS)0x00000002)
#define STATUS_WAIT_3                      ((NTSTATUS)0x00000003)
#define STATUS_WAIT_63                     ((NTSTATUS)0x0000003F)
#define STATUS_ABANDONED                   ((NTSTATUS)0x00000080)
#define STATUS_ABANDONED_WAIT_0            ((NTSTATUS)0x00000080)
#define STATUS_ABANDONED_WAIT_63           ((NTSTATUS)0x000000BF)
#define STATUS_USER_APC                    ((NTSTATUS)0x000000C0)
#define STATUS_KERNEL_APC                  ((NTSTATUS)0x00000100)
#define STATUS_ALERTED                     ((NTSTATUS)0x00000101)
#define STATUS_TIMEOUT                     ((NTSTATUS)0x00000102)
#define STATUS_PENDING                     ((NTSTATUS)0x00000103)
#define STATUS_REPARSE                     ((NTSTATUS)0x00000104)
#define STATUS_MORE_ENTRIES                ((NTSTATUS)0x00000105)
#define STATUS_NOT_ALL_ASSIGNED            ((NTSTATUS)0x00000106)
#define STATUS_PROCESS_NOT_IN_JOB          ((NTSTATUS)0x00000123)
#define STATUS_PROCESS_IN_JOB              ((NTSTATUS)0x00000124)
#define STATUS_PROCESS_CLONED              ((NTSTATUS)0x00000129)

/* Informational */
#define STATUS_OBJECT_NAME_EXISTS          ((NTSTATUS)0x40000000)
#define STATUS_THREAD_WAS_SUSPENDED        ((NTSTATUS)0x40000001)
#define STATUS_WORKING_SET_LIMIT_RANGE     ((NTSTATUS)0x40000002)
#define STATUS_IMAGE_NOT_AT_BASE           ((NTSTATUS)0x40000003)
#define STATUS_WAS_UNLOCKED                ((NTSTATUS)0x40000017)
#define STATUS_WAS_LOCKED                  ((NTSTATUS)0x40000019)
#define STATUS_NO_YIELD_PERFORMED          ((NTSTATUS)0x40000024)

/* Warnings */
#define STATUS_GUARD_PAGE_VIOLATION        ((NTSTATUS)0x80000001)
#define STATUS_DATATYPE_MISALIGNMENT       ((NTSTATUS)0x80000002)
#define STATUS_BREAKPOINT                  ((NTSTATUS)0x80000003)
#define STATUS_SINGLE_STEP                 ((NTSTATUS)0x80000004)
#define STATUS_BUFFER_OVERFLOW             ((NTSTATUS)0x80000005)
#define STATUS_NO_MORE_FILES               ((NTSTATUS)0x80000006)
#define STATUS_PARTIAL_COPY                ((NTSTATUS)0x8000000D)
#define STATUS_NO_MORE_ENTRIES             ((NTSTATUS)0x8000001A)

/* Errors */
#define STATUS_UNSUCCESSFUL                ((NTSTATUS)0xC0000001)
#define STATUS_NOT_IMPLEMENTED             ((NTSTATUS)0xC0000002)
#define STATUS_INVALID_INFO_CLASS          ((NTSTATUS)0xC0000003)
#define STATUS_INFO_LENGTH_MISMATCH        ((NTSTATUS)0xC0000004)
#define STATUS_ACCESS_VIOLATION            ((NTSTATUS)0xC0000005)
#define STATUS_IN_PAGE_ERROR               ((NTSTATUS)0xC0000006)
#define STATUS_PAGEFILE_QUOTA              ((NTSTATUS)0xC0000007)
#define STATUS_INVALID_HANDLE              ((NTSTATUS)0xC0000008)
#define STATUS_INVALID_CID                 ((NTSTATUS)0xC000000B)
#define STATUS_INVALID_PARAMETER           ((NTSTATUS)0xC000000D)
#define STATUS_NO_SUCH_DEVICE              ((NTSTATUS)0xC000000E)
#define STATUS_NO_SUCH_FILE                ((NTSTATUS)0xC000000F)
#define STATUS_INVALID_DEVICE_REQUEST      ((NTSTATUS)0xC0000010)
#define STATUS_END_OF_FILE                 ((NTSTATUS)0xC0000011)
#define STATUS_NO_MEMORY                   ((NTSTATUS)0xC0000017)
#define STATUS_CONFLICTING_ADDRESSES       ((NTSTATUS)0xC0000018)
#define STATUS_NOT_MAPPED_VIEW             ((NTSTATUS)0xC0000019)
#define STATUS_UNABLE_TO_FREE_VM           ((NTSTATUS)0xC000001A)
#define STATUS_UNABLE_TO_DELETE_SECTION    ((NTSTATUS)0xC000001B)
#define STATUS_INVALID_SYSTEM_SERVICE      ((NTSTATUS)0xC000001C)
#define STATUS_ILLEGAL_INSTRUCTION         ((NTSTATUS)0xC000001D)
#define STATUS_INVALID_LOCK_SEQUENCE       ((NTSTATUS)0xC000001E)
#define STATUS_INVALID_VIEW_SIZE           ((NTSTATUS)0xC000001F)
#define STATUS_INVALID_FILE_FOR_SECTION    ((NTSTATUS)0xC0000020)
#define STATUS_ALREADY_COMMITTED           ((NTSTATUS)0xC0000021)
#define STATUS_ACCESS_DENIED               ((NTSTATUS)0xC0000022)
#define STATUS_BUFFER_TOO_SMALL            ((NTSTATUS)0xC0000023)
#define STATUS_OBJECT_TYPE_MISMATCH        ((NTSTATUS)0xC0000024)
#define STATUS_NONCONTINUABLE_EXCEPTION    ((NTSTATUS)0xC0000025)
#define STATUS_INVALID_DISPOSITION         ((NTSTATUS)0xC0000026)
#define STATUS_UNWIND                      ((NTSTATUS)0xC0000027)
#define STATUS_BAD_STACK                   ((NTSTATUS)0xC0000028)
#define STATUS_INVALID_UNWIND_TARGET       ((NTSTATUS)0xC0000029)
#define STATUS_NOT_LOCKED                  ((NTSTATUS)0xC000002A)
#define STATUS_PARITY_ERROR                ((NTSTATUS)0xC000002B)
#define STATUS_UNABLE_TO_DECOMMIT_VM       ((NTSTATUS)0xC000002C)
#define STATUS_NOT_COMMITTED               ((NTSTATUS)0xC000002D)
#define STATUS_INVALID_PORT_ATTRIBUTES     ((NTSTATUS)0xC000002E)
#define STATUS_PORT_MESSAGE_TOO_LONG       ((NTSTATUS)0xC000002F)
#define STATUS_INVALID_PARAMETER_MIX       ((NTSTATUS)0xC0000030)
#define STATUS_INVALID_QUOTA_LOWER         ((NTSTATUS)0xC0000031)
#define STATUS_DISK_CORRUPT_ERROR          ((NTSTATUS)0xC0000032)
#define STATUS_OBJECT_NAME_INVALID         ((NTSTATUS)0xC0000033)
#define STATUS_OBJECT_NAME_NOT_FOUND       ((NTSTATUS)0xC0000034)
#define STATUS_OBJECT_NAME_COLLISION       ((NTSTATUS)0xC0000035)
#define STATUS_PORT_DISCONNECTED           ((NTSTATUS)0xC0000037)
#define STATUS_DEVICE_ALREADY_ATTACHED     ((NTSTATUS)0xC0000038)
#define STATUS_OBJECT_PATH_INVALID         ((NTSTATUS)0xC0000039)
#define STATUS_OBJECT_PATH_NOT_FOUND       ((NTSTATUS)0xC000003A)
#define STATUS_OBJECT_PATH_SYNTAX_BAD      ((NTSTATUS)0xC000003B)
#define STATUS_DATA_OVERRUN                ((NTSTATUS)0xC000003C)
#define STATUS_DATA_LATE_ERROR             ((NTSTATUS)0xC000003D)
#define STATUS_DATA_ERROR                  ((NTSTATUS)0xC000003E)
#define STATUS_CRC_ERROR                   ((NTSTATUS)0xC000003F)
#define STATUS_SECTION_TOO_BIG             ((NTSTATUS)0xC0000040)
#define STATUS_PORT_CONNECTION_REFUSED     ((NTSTATUS)0xC0000041)
#define STATUS_INVALID_PORT_HANDLE         ((NTSTATUS)0xC0000042)
#define STATUS_SHARING_VIOLATION           ((NTSTATUS)0xC0000043)
#define STATUS_QUOTA_EXCEEDED              ((NTSTATUS)0xC0000044)
#define STATUS_INVALID_PAGE_PROTECTION     ((NTSTATUS)0xC0000045)
#define STATUS_MUTANT_NOT_OWNED            ((NTSTATUS)0xC0000046)
#define STATUS_SEMAPHORE_LIMIT_EXCEEDED    ((NTSTATUS)0xC0000047)
#define STATUS_PORT_ALREADY_SET            ((NTSTATUS)0xC0000048)
#define STATUS_SECTION_NOT_IMAGE           ((NTSTATUS)0xC0000049)
#define STATUS_SUSPEND_COUNT_EXCEEDED      ((NTSTATUS)0xC000004A)
#define STATUS_THREAD_IS_TERMINATING       ((NTSTATUS)0xC000004B)
#define STATUS_BAD_WORKING_SET_LIMIT       ((NTSTATUS)0xC000004C)
#define STATUS_INCOMPATIBLE_FILE_MAP       ((NTSTATUS)0xC000004D)
#define STATUS_SECTION_PROTECTION          ((NTSTATUS)0xC000004E)
#define STATUS_PRIVILEGE_NOT_HELD          ((NTSTATUS)0xC0000061)
#define STATUS_INVALID_IMAGE_FORMAT        ((NTSTATUS)0xC000007B)
#define STATUS_DISK_FULL                   ((NTSTATUS)0xC000007F)
#define STATUS_TOO_MANY_PAGING_FILES       ((NTSTATUS)0xC0000097)
#define STATUS_FILE_IS_A_DIRECTORY         ((NTSTATUS)0xC00000BA)
#define STATUS_SECTION_NOT_EXTENDED        ((NTSTATUS)0xC0000087)
#define STATUS_ARRAY_BOUNDS_EXCEEDED       ((NTSTATUS)0xC000008C)
#define STATUS_FLOAT_DENORMAL_OPERAND      ((NTSTATUS)0xC000008D)
#define STATUS_FLOAT_DIVIDE_BY_ZERO        ((NTSTATUS)0xC000008E)
#define STATUS_FLOAT_INEXACT_RESULT        ((NTSTATUS)0xC000008F)
#define STATUS_FLOAT_INVALID_OPERATION     ((NTSTATUS)0xC0000090)
#define STATUS_FLOAT_OVERFLOW              ((NTSTATUS)0xC0000091)
#define STATUS_FLOAT_STACK_CHECK           ((NTSTATUS)0xC0000092)
#define STATUS_FLOAT_UNDERFLOW             ((NTSTATUS)0xC0000093)
#define STATUS_INTEGER_DIVIDE_BY_ZERO      ((NTSTATUS)0xC0000094)
#define STATUS_INTEGER_OVERFLOW            ((NTSTATUS)0xC0000095)
#define STATUS_PRIVILEGED_INSTRUCTION      ((NTSTATUS)0xC0000096)
#define STATUS_INSUFFICIENT_RESOURCES      ((NTSTATUS)0xC000009A)
#define STATUS_FREE_VM_NOT_AT_BASE         ((NTSTATUS)0xC000009F)
#define STATUS_MEMORY_NOT_ALLOCATED        ((NTSTATUS)0xC00000A0)
#define STATUS_WORKING_SET_QUOTA           ((NTSTATUS)0xC00000A1)
#define STATUS_DEVICE_NOT_READY            ((NTSTATUS)0xC00000A3)
#define STATUS_ILLEGAL_FUNCTION            ((NTSTATUS)0xC00000AF)
#define STATUS_NOT_SUPPORTED               ((NTSTATUS)0xC00000BB)
#define STATUS_NOT_SAME_DEVICE             ((NTSTATUS)0xC00000D4)
#define STATUS_CANT_WAIT                   ((NTSTATUS)0xC00000D8)
#define STATUS_CANT_TERMINATE_SELF         ((NTSTATUS)0xC00000DB)
#define STATUS_INTERNAL_ERROR              ((NTSTATUS)0xC00000E5)
#define STATUS_INVALID_USER_BUFFER         ((NTSTATUS)0xC00000E8)
#define STATUS_INVALID_PARAMETER_1         ((NTSTATUS)0xC00000EF)
#define STATUS_INVALID_PARAMETER_2         ((NTSTATUS)0xC00000F0)
#define STATUS_INVALID_PARAMETER_3         ((NTSTATUS)0xC00000F1)
#define STATUS_INVALID_PARAMETER_4         ((NTSTATUS)0xC00000F2)
#define STATUS_INVALID_PARAMETER_5         ((NTSTATUS)0xC00000F3)
#define STATUS_INVALID_PARAMETER_6         ((NTSTATUS)0xC00000F4)
#define STATUS_INVALID_PARAMETER_7         ((NTSTATUS)0xC00000F5)
#define STATUS_INVALID_PARAMETER_8         ((NTSTATUS)0xC00000F6)
#define STATUS_INVALID_PARAMETER_9         ((NTSTATUS)0xC00000F7)
#define STATUS_INVALID_PARAMETER_10        ((NTSTATUS)0xC00000F8)
#define STATUS_INVALID_PARAMETER_11        ((NTSTATUS)0xC00000F9)
#define STATUS_INVALID_PARAMETER_12        ((NTSTATUS)0xC00000FA)
#define STATUS_STACK_OVERFLOW              ((NTSTATUS)0xC00000FD)
#define STATUS_PROCESS_IS_TERMINATING      ((NTSTATUS)0xC000010A)
#define STATUS_MAPPED_FILE_SIZE_ZERO       ((NTSTATUS)0xC000011E)
#define STATUS_CANCELLED                   ((NTSTATUS)0xC0000120)
#define STATUS_TOO_MANY_THREADS            ((NTSTATUS)0xC0000129)
#define STATUS_THREAD_NOT_IN_PROCESS       ((NTSTATUS)0xC000012A)
#define STATUS_PAGEFILE_QUOTA_EXCEEDED     ((NTSTATUS)0xC000012C)
#define STATUS_COMMITMENT_LIMIT            ((NTSTATUS)0xC000012D)
#define STATUS_INVALID_IMAGE_NOT_MZ        ((NTSTATUS)0xC000012F)
#define STATUS_CONTROL_C_EXIT              ((NTSTATUS)0xC000013A)
#define STATUS_INVALID_ADDRESS             ((NTSTATUS)0xC0000141)
#define STATUS_FILE_INVALID                ((NTSTATUS)0xC0000098)
#define STATUS_NAME_TOO_LONG               ((NTSTATUS)0xC0000106)
#define STATUS_UNHANDLED_EXCEPTION         ((NTSTATUS)0xC0000144)
#define STATUS_INVALID_DEVICE_STATE        ((NTSTATUS)0xC0000184)
#define STATUS_MUTANT_LIMIT_EXCEEDED       ((NTSTATUS)0xC0000191)
#define STATUS_POSSIBLE_DEADLOCK           ((NTSTATUS)0xC0000194)
#define STATUS_MAPPED_ALIGNMENT            ((NTSTATUS)0xC0000220)
#define STATUS_NOT_FOUND                   ((NTSTATUS)0xC0000225)
#define STATUS_HANDLE_NOT_CLOSABLE         ((NTSTATUS)0xC0000235)
#define STATUS_STACK_BUFFER_OVERRUN        ((NTSTATUS)0xC0000409)
#define STATUS_ASSERTION_FAILURE           ((NTSTATUS)0xC0000420)

/* ------------------------------------------------------------------------ */
/* Access rights                                                            */
/* ------------------------------------------------------------------------ */

#define DELETE                             0x00010000
#define READ_CONTROL                       0x00020000
#define WRITE_DAC                          0x00040000
#define WRITE_OWNER                        0x00080000
#define SYNCHRONIZE                        0x00100000

#define STANDARD_RIGHTS_REQUIRED           0x000F0000
#define STANDARD_RIGHTS_READ               READ_CONTROL
#define STANDARD_RIGHTS_WRITE              READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE            READ_CONTROL
#define STANDARD_RIGHTS_ALL                0x001F0000
#define SPECIFIC_RIGHTS_ALL                0x0000FFFF

#define ACCESS_SYSTEM_SECURITY             0x01000000
#define MAXIMUM_ALLOWED                    0x02000000

#define GENERIC_READ                       0x80000000
#define GENERIC_WRITE                      0x40000000
#define GENERIC_EXECUTE                    0x20000000
#define GENERIC_ALL                        0x10000000

typedef struct _GENERIC_MAPPING {
    ACCESS_MASK GenericRead;
    ACCESS_MASK GenericWrite;
    ACCESS_MASK GenericExecute;
    ACCESS_MASK GenericAll;
} GENERIC_MAPPING, *PGENERIC_MAPPING;

/* Process objects */
#define PROCESS_TERMINATE                  0x0001
#define PROCESS_CREATE_THREAD              0x0002
#define PROCESS_SET_SESSIONID              0x0004
#define PROCESS_VM_OPERATION               0x0008
#define PROCESS_VM_READ                    0x0010
#define PROCESS_VM_WRITE                   0x0020
#define PROCESS_DUP_HANDLE                 0x0040
#define PROCESS_CREATE_PROCESS             0x0080
#define PROCESS_SET_QUOTA                  0x0100
#define PROCESS_SET_INFORMATION            0x0200
#define PROCESS_QUERY_INFORMATION          0x0400
#define PROCESS_SUSPEND_RESUME             0x0800
#define PROCESS_QUERY_LIMITED_INFORMATION  0x1000
#define PROCESS_SET_LIMITED_INFORMATION    0x2000
/* Vista+ value (0x1FFFFF); pre-Vista SDKs used 0xFFF as the specific part. */
#define PROCESS_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF)

/* Thread objects */
#define THREAD_TERMINATE                   0x0001
#define THREAD_SUSPEND_RESUME              0x0002
#define THREAD_ALERT                       0x0004
#define THREAD_GET_CONTEXT                 0x0008
#define THREAD_SET_CONTEXT                 0x0010
#define THREAD_SET_INFORMATION             0x0020
#define THREAD_QUERY_INFORMATION           0x0040
#define THREAD_SET_THREAD_TOKEN            0x0080
#define THREAD_IMPERSONATE                 0x0100
#define THREAD_DIRECT_IMPERSONATION        0x0200
#define THREAD_SET_LIMITED_INFORMATION     0x0400
#define THREAD_QUERY_LIMITED_INFORMATION   0x0800
#define THREAD_RESUME                      0x1000
/* Vista+ value (0x1FFFFF); pre-Vista SDKs used 0x3FF as the specific part. */
#define THREAD_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF)

/* Job objects */
#define JOB_OBJECT_ASSIGN_PROCESS          0x0001
#define JOB_OBJECT_SET_ATTRIBUTES          0x0002
#define JOB_OBJECT_QUERY                   0x0004
#define JOB_OBJECT_TERMINATE               0x0008
#define JOB_OBJECT_SET_SECURITY_ATTRIBUTES 0x0010
#define JOB_OBJECT_IMPERSONATE             0x0020
/* Vista+ value (0x1F003F); pre-Vista SDKs used 0x1F as the specific part. */
#define JOB_OBJECT_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3F)

/* Section objects */
#define SECTION_QUERY                      0x0001
#define SECTION_MAP_WRITE                  0x0002
#define SECTION_MAP_READ                   0x0004
#define SECTION_MAP_EXECUTE                0x0008
#define SECTION_EXTEND_SIZE                0x0010
#define SECTION_MAP_EXECUTE_EXPLICIT       0x0020
#define SECTION_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SECTION_QUERY | SECTION_MAP_WRITE | \
     SECTION_MAP_READ | SECTION_MAP_EXECUTE | SECTION_EXTEND_SIZE)

/* File objects (NtxHandleFromFd) */
#define FILE_READ_DATA                     0x0001
#define FILE_WRITE_DATA                    0x0002
#define FILE_APPEND_DATA                   0x0004
#define FILE_READ_EA                       0x0008
#define FILE_WRITE_EA                      0x0010
#define FILE_EXECUTE                       0x0020
#define FILE_DELETE_CHILD                  0x0040
#define FILE_READ_ATTRIBUTES               0x0080
#define FILE_WRITE_ATTRIBUTES              0x0100
#define FILE_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF)
#define FILE_GENERIC_READ \
    (STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES | \
     FILE_READ_EA | SYNCHRONIZE)
#define FILE_GENERIC_WRITE \
    (STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | \
     FILE_WRITE_EA | FILE_APPEND_DATA | SYNCHRONIZE)
#define FILE_GENERIC_EXECUTE \
    (STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | FILE_EXECUTE | \
     SYNCHRONIZE)

/* Event, semaphore and mutant objects */
#define EVENT_QUERY_STATE                  0x0001
#define EVENT_MODIFY_STATE                 0x0002
#define EVENT_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3)
#define SEMAPHORE_QUERY_STATE              0x0001
#define SEMAPHORE_MODIFY_STATE             0x0002
#define SEMAPHORE_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3)
#define MUTANT_QUERY_STATE                 0x0001
#define MUTANT_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | MUTANT_QUERY_STATE)

/* ------------------------------------------------------------------------ */
/* Object attributes and handles                                            */
/* ------------------------------------------------------------------------ */

#define OBJ_PROTECT_CLOSE                  0x00000001 /* handle attribute */
#define OBJ_INHERIT                        0x00000002
#define OBJ_AUDIT_OBJECT_CLOSE             0x00000004 /* handle attribute */
#define OBJ_PERMANENT                      0x00000010
#define OBJ_EXCLUSIVE                      0x00000020
#define OBJ_CASE_INSENSITIVE               0x00000040
#define OBJ_OPENIF                         0x00000080
#define OBJ_OPENLINK                       0x00000100
#define OBJ_KERNEL_HANDLE                  0x00000200
#define OBJ_FORCE_ACCESS_CHECK             0x00000400
#define OBJ_IGNORE_IMPERSONATED_DEVICEMAP  0x00000800
#define OBJ_DONT_REPARSE                   0x00001000
#define OBJ_VALID_ATTRIBUTES               0x00001FF2

typedef struct _OBJECT_ATTRIBUTES {
    ULONG Length;
    HANDLE RootDirectory;
    PUNICODE_STRING ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor;       /* PSECURITY_DESCRIPTOR */
    PVOID SecurityQualityOfService; /* PSECURITY_QUALITY_OF_SERVICE */
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
typedef const OBJECT_ATTRIBUTES *PCOBJECT_ATTRIBUTES;

#ifndef InitializeObjectAttributes
#define InitializeObjectAttributes(p, n, a, r, s) { \
    (p)->Length = sizeof(OBJECT_ATTRIBUTES);        \
    (p)->RootDirectory = (r);                       \
    (p)->Attributes = (a);                          \
    (p)->ObjectName = (n);                          \
    (p)->SecurityDescriptor = (s);                  \
    (p)->SecurityQualityOfService = NULL;           \
    }
#endif

/* NtDuplicateObject Options */
#define DUPLICATE_CLOSE_SOURCE             0x00000001
#define DUPLICATE_SAME_ACCESS              0x00000002
#define DUPLICATE_SAME_ATTRIBUTES          0x00000004

/* Pseudo handles */
#ifndef NtCurrentProcess
#define NtCurrentProcess()        ((HANDLE)(LONG_PTR)-1)
#define ZwCurrentProcess()        NtCurrentProcess()
#define NtCurrentThread()         ((HANDLE)(LONG_PTR)-2)
#define ZwCurrentThread()         NtCurrentThread()
#define NtCurrentSession()        ((HANDLE)(LONG_PTR)-3)
#define ZwCurrentSession()        NtCurrentSession()
#define NtCurrentProcessToken()   ((HANDLE)(LONG_PTR)-4)
#define NtCurrentThreadToken()    ((HANDLE)(LONG_PTR)-5)
#define NtCurrentEffectiveToken() ((HANDLE)(LONG_PTR)-6)
#endif

/* ------------------------------------------------------------------------ */
/* Waits                                                                    */
/* ------------------------------------------------------------------------ */

#define MAXIMUM_WAIT_OBJECTS               64

typedef enum _WAIT_TYPE {
    WaitAll = 0,
    WaitAny = 1,
    WaitNotification = 2,
    WaitDequeue = 3,
    WaitDpc = 4
} WAIT_TYPE;

/* ------------------------------------------------------------------------ */
/* I/O status block and APC routines                                        */
/* ------------------------------------------------------------------------ */

typedef struct _IO_STATUS_BLOCK {
    __extension__ union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

typedef VOID (NTAPI *PIO_APC_ROUTINE)(PVOID ApcContext,
                                      PIO_STATUS_BLOCK IoStatusBlock,
                                      ULONG Reserved);

/* NtQueueApcThread routine: the three arguments given to NtQueueApcThread. */
typedef VOID (NTAPI *PPS_APC_ROUTINE)(PVOID ApcArgument1,
                                      PVOID ApcArgument2,
                                      PVOID ApcArgument3);

/* ------------------------------------------------------------------------ */
/* Virtual memory                                                           */
/* ------------------------------------------------------------------------ */

/* Page protection */
#define PAGE_NOACCESS                      0x01
#define PAGE_READONLY                      0x02
#define PAGE_READWRITE                     0x04
#define PAGE_WRITECOPY                     0x08
#define PAGE_EXECUTE                       0x10
#define PAGE_EXECUTE_READ                  0x20
#define PAGE_EXECUTE_READWRITE             0x40
#define PAGE_EXECUTE_WRITECOPY             0x80
#define PAGE_GUARD                         0x100
#define PAGE_NOCACHE                       0x200
#define PAGE_WRITECOMBINE                  0x400
#define PAGE_TARGETS_NO_UPDATE             0x40000000
#define PAGE_TARGETS_INVALID               0x40000000

/* AllocationType / FreeType / MEMORY_BASIC_INFORMATION.State and .Type */
#define MEM_COALESCE_PLACEHOLDERS          0x00000001 /* FreeType */
#define MEM_PRESERVE_PLACEHOLDER           0x00000002 /* FreeType */
#define MEM_COMMIT                         0x00001000
#define MEM_RESERVE                        0x00002000
#define MEM_REPLACE_PLACEHOLDER            0x00004000
#define MEM_DECOMMIT                       0x00004000
#define MEM_RELEASE                        0x00008000
#define MEM_FREE                           0x00010000
#define MEM_PRIVATE                        0x00020000
#define MEM_MAPPED                         0x00040000
#define MEM_RESERVE_PLACEHOLDER            0x00040000
#define MEM_RESET                          0x00080000
#define MEM_TOP_DOWN                       0x00100000
#define MEM_WRITE_WATCH                    0x00200000
#define MEM_PHYSICAL                       0x00400000
#define MEM_ROTATE                         0x00800000
#define MEM_DIFFERENT_IMAGE_BASE_OK        0x00800000
#define MEM_RESET_UNDO                     0x01000000
#define MEM_LARGE_PAGES                    0x20000000
#define MEM_4MB_PAGES                      0x80000000
#define MEM_64K_PAGES                      (MEM_LARGE_PAGES | MEM_PHYSICAL)
#define MEM_IMAGE                          SEC_IMAGE

/* Section AllocationAttributes */
#define SEC_FILE                           0x00800000
#define SEC_IMAGE                          0x01000000
#define SEC_PROTECTED_IMAGE                0x02000000
#define SEC_RESERVE                        0x04000000
#define SEC_COMMIT                         0x08000000
#define SEC_NOCACHE                        0x10000000
#define SEC_WRITECOMBINE                   0x40000000
#define SEC_LARGE_PAGES                    0x80000000
#define SEC_IMAGE_NO_EXECUTE               (SEC_IMAGE | SEC_NOCACHE)

/* NtGetWriteWatch Flags */
#define WRITE_WATCH_FLAG_RESET             0x01

/*
 * NtLockVirtualMemory / NtUnlockVirtualMemory MapType.  (Linux's
 * <sys/mman.h> has MAP_* flags too, but neither of these two names.)
 */
#define MAP_PROCESS                        1
#define MAP_SYSTEM                         2
#define VM_LOCK_1                          0x0001 /* == MAP_PROCESS */
#define VM_LOCK_2                          0x0002 /* == MAP_SYSTEM */

typedef enum _MEMORY_INFORMATION_CLASS {
    MemoryBasicInformation = 0,            /* MEMORY_BASIC_INFORMATION */
    MemoryWorkingSetInformation = 1,
    MemoryMappedFilenameInformation = 2,   /* UNICODE_STRING */
    MemoryRegionInformation = 3,
    MemoryWorkingSetExInformation = 4,
    MemorySharedCommitInformation = 5,
    MemoryImageInformation = 6,
    MemoryRegionInformationEx = 7,
    MemoryPrivilegedBasicInformation = 8,
    MemoryEnclaveImageInformation = 9,
    MemoryBasicInformationCapped = 10,
    MemoryPhysicalContiguityInformation = 11,
    MemoryBadInformation = 12,
    MemoryBadInformationAllProcesses = 13
} MEMORY_INFORMATION_CLASS;

typedef struct _MEMORY_BASIC_INFORMATION {
    PVOID BaseAddress;
    PVOID AllocationBase;
    ULONG AllocationProtect;
    USHORT PartitionId;
    SIZE_T RegionSize;
    ULONG State;
    ULONG Protect;
    ULONG Type;
} MEMORY_BASIC_INFORMATION, *PMEMORY_BASIC_INFORMATION;

/*
 * MemoryRegionInformation (3) and MemoryRegionInformationEx (7): the whole
 * allocation containing the address (phnt's layout). A buffer may end
 * after RegionSize (Windows 7's structure) or after any later field; only
 * the Ex class fills RegionType's bits (MemoryRegionInformation leaves
 * them 0, as Windows does). ntexec sets Private, MappedDataFile,
 * MappedImage, MappedPageFile and MappedWriteWatch.
 */
typedef struct _MEMORY_REGION_INFORMATION {
    PVOID AllocationBase;
    ULONG AllocationProtect;
    __extension__ union {
        ULONG RegionType;
        __extension__ struct {
            ULONG Private : 1;
            ULONG MappedDataFile : 1;
            ULONG MappedImage : 1;
            ULONG MappedPageFile : 1;
            ULONG MappedPhysical : 1;
            ULONG DirectMapped : 1;
            ULONG SoftwareEnclave : 1;
            ULONG PageSize64K : 1;
            ULONG PlaceholderReservation : 1;
            ULONG MappedAwe : 1;
            ULONG MappedWriteWatch : 1;
            ULONG PageSizeLarge : 1;
            ULONG PageSizeHuge : 1;
            ULONG Reserved : 19;
        };
    };
    SIZE_T RegionSize;
    SIZE_T CommitSize;
    ULONG_PTR PartitionId;
    ULONG_PTR NodePreference;
} MEMORY_REGION_INFORMATION, *PMEMORY_REGION_INFORMATION;

/*
 * MemoryWorkingSetInformation: NumberOfEntries, then one block per page of
 * the working set (ntexec: the module's own pages of the process).
 * Protection is Windows' 5-bit MM_* code (1 read-only, 2 execute, 3
 * execute-read, 4 read-write, 5 write-copy, 6 execute-read-write, 7
 * execute-write-copy; +8 no-cache, +16 guard, 24 no access).
 */
__extension__ typedef union _MEMORY_WORKING_SET_BLOCK {
    ULONG_PTR Flags;
    __extension__ struct {
        ULONG_PTR Protection : 5;
        ULONG_PTR ShareCount : 3;
        ULONG_PTR Shared : 1;
        ULONG_PTR Node : 3;
        ULONG_PTR VirtualPage : 52;
    };
} MEMORY_WORKING_SET_BLOCK, *PMEMORY_WORKING_SET_BLOCK;

typedef struct _MEMORY_WORKING_SET_INFORMATION {
    ULONG_PTR NumberOfEntries;
    MEMORY_WORKING_SET_BLOCK WorkingSetInfo[1];
} MEMORY_WORKING_SET_INFORMATION, *PMEMORY_WORKING_SET_INFORMATION;

/* MemoryWorkingSetExInformation: VirtualAddress in, VirtualAttributes out. */
__extension__ typedef union _MEMORY_WORKING_SET_EX_BLOCK {
    ULONG_PTR Flags;
    __extension__ union {
        __extension__ struct {
            ULONG_PTR Valid : 1;
            ULONG_PTR ShareCount : 3;
            ULONG_PTR Win32Protection : 11;
            ULONG_PTR Shared : 1;
            ULONG_PTR Node : 6;
            ULONG_PTR Locked : 1;
            ULONG_PTR LargePage : 1;
            ULONG_PTR Priority : 3;
            ULONG_PTR Reserved : 3;
            ULONG_PTR SharedOriginal : 1;
            ULONG_PTR Bad : 1;
            ULONG_PTR Win32GraphicsProtection : 4;
            ULONG_PTR ReservedUlong : 28;
        };
        __extension__ struct {
            ULONG_PTR Valid : 1;
            ULONG_PTR Reserved0 : 14;
            ULONG_PTR Shared : 1;
            ULONG_PTR Reserved1 : 5;
            ULONG_PTR PageTable : 1;
            ULONG_PTR Location : 2;        /* 1: resident (a page list) */
            ULONG_PTR Priority : 3;
            ULONG_PTR ModifiedList : 1;
            ULONG_PTR Reserved2 : 2;
            ULONG_PTR SharedOriginal : 1;
            ULONG_PTR Bad : 1;
            ULONG_PTR ReservedUlong : 32;
        } Invalid;
    };
} MEMORY_WORKING_SET_EX_BLOCK, *PMEMORY_WORKING_SET_EX_BLOCK;

typedef struct _MEMORY_WORKING_SET_EX_INFORMATION {
    PVOID VirtualAddress;
    MEMORY_WORKING_SET_EX_BLOCK VirtualAttributes;
} MEMORY_WORKING_SET_EX_INFORMATION, *PMEMORY_WORKING_SET_EX_INFORMATION;

/* ------------------------------------------------------------------------ */
/* Sections                                                                 */
/* ------------------------------------------------------------------------ */

typedef enum _SECTION_INHERIT {
    ViewShare = 1,
    ViewUnmap = 2
} SECTION_INHERIT;

typedef enum _SECTION_INFORMATION_CLASS {
    SectionBasicInformation = 0,           /* SECTION_BASIC_INFORMATION */
    SectionImageInformation = 1,
    SectionRelocationInformation = 2,
    SectionOriginalBaseInformation = 3,
    SectionInternalImageInformation = 4,
    MaxSectionInfoClass = 5
} SECTION_INFORMATION_CLASS;

typedef struct _SECTION_BASIC_INFORMATION {
    PVOID BaseAddress;
    ULONG AllocationAttributes;            /* SEC_* */
    LARGE_INTEGER MaximumSize;
} SECTION_BASIC_INFORMATION, *PSECTION_BASIC_INFORMATION;

typedef struct _SECTION_IMAGE_INFORMATION {
    PVOID TransferAddress;                 /* ImageBase + AddressOfEntryPoint */
    ULONG ZeroBits;
    SIZE_T MaximumStackSize;               /* SizeOfStackReserve */
    SIZE_T CommittedStackSize;             /* SizeOfStackCommit */
    ULONG SubSystemType;
    __extension__ union {
        __extension__ struct {
            USHORT SubSystemMinorVersion;
            USHORT SubSystemMajorVersion;
        };
        ULONG SubSystemVersion;
    };
    __extension__ union {
        __extension__ struct {
            USHORT MajorOperatingSystemVersion;
            USHORT MinorOperatingSystemVersion;
        };
        ULONG OperatingSystemVersion;
    };
    USHORT ImageCharacteristics;
    USHORT DllCharacteristics;
    USHORT Machine;
    BOOLEAN ImageContainsCode;
    __extension__ union {
        UCHAR ImageFlags;
        __extension__ struct {
            UCHAR ComPlusNativeReady : 1;
            UCHAR ComPlusILOnly : 1;
            UCHAR ImageDynamicallyRelocated : 1;
            UCHAR ImageMappedFlat : 1;
            UCHAR BaseBelow4gb : 1;
            UCHAR ComPlusPrefer32bit : 1;
            UCHAR Reserved : 2;
        };
    };
    ULONG LoaderFlags;
    ULONG ImageFileSize;
    ULONG CheckSum;
} SECTION_IMAGE_INFORMATION, *PSECTION_IMAGE_INFORMATION;

/* ------------------------------------------------------------------------ */
/* Processes and threads: information classes                               */
/* ------------------------------------------------------------------------ */

typedef enum _PROCESSINFOCLASS {
    ProcessBasicInformation = 0,           /* PROCESS_BASIC_INFORMATION */
    ProcessQuotaLimits = 1,                /* QUOTA_LIMITS */
    ProcessIoCounters = 2,                 /* IO_COUNTERS */
    ProcessVmCounters = 3,                 /* VM_COUNTERS[_EX] */
    ProcessTimes = 4,                      /* KERNEL_USER_TIMES */
    ProcessBasePriority = 5,               /* KPRIORITY */
    ProcessRaisePriority = 6,              /* ULONG */
    ProcessDebugPort = 7,                  /* HANDLE */
    ProcessExceptionPort = 8,
    ProcessAccessToken = 9,
    ProcessLdtInformation = 10,
    ProcessLdtSize = 11,
    ProcessDefaultHardErrorMode = 12,      /* ULONG */
    ProcessIoPortHandlers = 13,
    ProcessPooledUsageAndLimits = 14,      /* POOLED_USAGE_AND_LIMITS */
    ProcessWorkingSetWatch = 15,
    ProcessUserModeIOPL = 16,
    ProcessEnableAlignmentFaultFixup = 17, /* BOOLEAN */
    ProcessPriorityClass = 18,             /* PROCESS_PRIORITY_CLASS */
    ProcessWx86Information = 19,
    ProcessHandleCount = 20,               /* ULONG */
    ProcessAffinityMask = 21,              /* KAFFINITY */
    ProcessPriorityBoost = 22,             /* ULONG */
    ProcessDeviceMap = 23,
    ProcessSessionInformation = 24,        /* PROCESS_SESSION_INFORMATION */
    ProcessForegroundInformation = 25,
    ProcessWow64Information = 26,          /* ULONG_PTR */
    ProcessImageFileName = 27,             /* UNICODE_STRING */
    ProcessLUIDDeviceMapsEnabled = 28,
    ProcessBreakOnTermination = 29,        /* ULONG */
    ProcessDebugObjectHandle = 30,         /* HANDLE */
    ProcessDebugFlags = 31,                /* ULONG */
    ProcessHandleTracing = 32,
    ProcessIoPriority = 33,
    ProcessExecuteFlags = 34,              /* ULONG */
    ProcessTlsInformation = 35,            /* WDK: ProcessResourceManagement */
    ProcessCookie = 36,                    /* ULONG */
    ProcessImageInformation = 37,
    ProcessCycleTime = 38,
    ProcessPagePriority = 39,
    ProcessInstrumentationCallback = 40,
    ProcessThreadStackAllocation = 41,
    ProcessWorkingSetWatchEx = 42,
    ProcessImageFileNameWin32 = 43,        /* UNICODE_STRING */
    ProcessImageFileMapping = 44,
    ProcessAffinityUpdateMode = 45,
    ProcessMemoryAllocationMode = 46,
    ProcessGroupInformation = 47,
    ProcessTokenVirtualizationEnabled = 48,
    ProcessConsoleHostProcess = 49,
    ProcessWindowInformation = 50,
    ProcessHandleInformation = 51,
    ProcessMitigationPolicy = 52,
    ProcessDynamicFunctionTableInformation = 53,
    ProcessHandleCheckingMode = 54,
    ProcessKeepAliveCount = 55,
    ProcessRevokeFileHandles = 56,
    ProcessWorkingSetControl = 57,
    ProcessHandleTable = 58,
    ProcessCheckStackExtentsMode = 59,
    ProcessCommandLineInformation = 60,    /* UNICODE_STRING */
    ProcessProtectionInformation = 61,
    ProcessMemoryExhaustion = 62,
    ProcessFaultInformation = 63,
    ProcessTelemetryIdInformation = 64,
    ProcessCommitReleaseInformation = 65,
    ProcessDefaultCpuSetsInformation = 66,
    ProcessAllowedCpuSetsInformation = 67,
    ProcessSubsystemProcess = 68,
    ProcessJobMemoryInformation = 69,
    ProcessInPrivate = 70,
    ProcessRaiseUMExceptionOnInvalidHandleClose = 71,
    ProcessIumChallengeResponse = 72,
    ProcessChildProcessInformation = 73,
    ProcessHighGraphicsPriorityInformation = 74,
    ProcessSubsystemInformation = 75,
    ProcessEnergyValues = 76,
    ProcessPowerThrottlingState = 77,
    ProcessActivityThrottlePolicy = 78,    /* WDK: ProcessReserved3Information */
    ProcessWin32kSyscallFilterInformation = 79,
    ProcessDisableSystemAllowedCpuSets = 80,
    ProcessWakeInformation = 81,
    ProcessEnergyTrackingState = 82,
    ProcessManageWritesToExecutableMemory = 83,
    ProcessCaptureTrustletLiveDump = 84,
    ProcessTelemetryCoverage = 85,
    ProcessEnclaveInformation = 86,
    ProcessEnableReadWriteVmLogging = 87,
    ProcessUptimeInformation = 88,
    ProcessImageSection = 89,
    ProcessDebugAuthInformation = 90,
    ProcessSystemResourceManagement = 91,
    ProcessSequenceNumber = 92,
    ProcessLoaderDetour = 93,
    ProcessSecurityDomainInformation = 94,
    ProcessCombineSecurityDomainsInformation = 95,
    ProcessEnableLogging = 96,
    ProcessLeapSecondInformation = 97,
    ProcessFiberShadowStackAllocation = 98,
    ProcessFreeFiberShadowStackAllocation = 99,
    ProcessAltSystemCallInformation = 100,
    ProcessDynamicEHContinuationTargets = 101,
    ProcessDynamicEnforcedCetCompatibleRanges = 102,
    ProcessCreateStateChange = 103,
    ProcessApplyStateChange = 104,
    ProcessEnableOptionalXStateFeatures = 105,
    ProcessAltPrefetchParam = 106,
    ProcessAssignCpuPartitions = 107,
    ProcessPriorityClassEx = 108,
    ProcessMembershipInformation = 109,
    ProcessEffectiveIoPriority = 110,
    ProcessEffectivePagePriority = 111,
    ProcessSchedulerSharedData = 112,
    ProcessSlistRollbackInformation = 113,
    ProcessNetworkIoCounters = 114,
    ProcessFindFirstThreadByTebValue = 115,
    ProcessEnclaveAddressSpaceRestriction = 116,
    ProcessAvailableCpus = 117,
    MaxProcessInfoClass = 118,

    /* Other names used for the same values. */
    ProcessResourceManagement = ProcessTlsInformation,
    ProcessReserved3Information = ProcessActivityThrottlePolicy
} PROCESSINFOCLASS;

typedef enum _THREADINFOCLASS {
    ThreadBasicInformation = 0,            /* THREAD_BASIC_INFORMATION */
    ThreadTimes = 1,                       /* KERNEL_USER_TIMES */
    ThreadPriority = 2,                    /* KPRIORITY */
    ThreadBasePriority = 3,                /* LONG */
    ThreadAffinityMask = 4,                /* KAFFINITY */
    ThreadImpersonationToken = 5,          /* HANDLE */
    ThreadDescriptorTableEntry = 6,
    ThreadEnableAlignmentFaultFixup = 7,   /* BOOLEAN */
    ThreadEventPair = 8,                   /* obsolete */
    ThreadQuerySetWin32StartAddress = 9,   /* PVOID */
    ThreadZeroTlsCell = 10,                /* ULONG */
    ThreadPerformanceCount = 11,           /* LARGE_INTEGER */
    ThreadAmILastThread = 12,              /* ULONG */
    ThreadIdealProcessor = 13,             /* ULONG */
    ThreadPriorityBoost = 14,              /* ULONG */
    ThreadSetTlsArrayAddress = 15,
    ThreadIsIoPending = 16,                /* ULONG */
    ThreadHideFromDebugger = 17,
    ThreadBreakOnTermination = 18,         /* ULONG */
    ThreadSwitchLegacyState = 19,
    ThreadIsTerminated = 20,               /* ULONG */
    ThreadLastSystemCall = 21,
    ThreadIoPriority = 22,
    ThreadCycleTime = 23,
    ThreadPagePriority = 24,
    ThreadActualBasePriority = 25,
    ThreadTebInformation = 26,
    ThreadCSwitchMon = 27,
    ThreadCSwitchPmu = 28,
    ThreadWow64Context = 29,
    ThreadGroupInformation = 30,
    ThreadUmsInformation = 31,
    ThreadCounterProfiling = 32,
    ThreadIdealProcessorEx = 33,
    ThreadCpuAccountingInformation = 34,
    ThreadSuspendCount = 35,               /* ULONG */
    ThreadHeterogeneousCpuPolicy = 36,
    ThreadContainerId = 37,
    ThreadNameInformation = 38,
    ThreadSelectedCpuSets = 39,
    ThreadSystemThreadInformation = 40,
    ThreadActualGroupAffinity = 41,
    ThreadDynamicCodePolicyInfo = 42,
    ThreadExplicitCaseSensitivity = 43,
    ThreadWorkOnBehalfTicket = 44,
    ThreadSubsystemInformation = 45,
    ThreadDbgkWerReportActive = 46,
    ThreadAttachContainer = 47,
    ThreadManageWritesToExecutableMemory = 48,
    ThreadPowerThrottlingState = 49,
    ThreadWorkloadClass = 50,
    ThreadCreateStateChange = 51,
    ThreadApplyStateChange = 52,
    ThreadStrongerBadHandleChecks = 53,
    ThreadEffectiveIoPriority = 54,
    ThreadEffectivePagePriority = 55,
    ThreadUpdateLockOwnership = 56,
    ThreadSchedulerSharedDataSlot = 57,
    ThreadTebInformationAtomic = 58,
    ThreadIndexInformation = 59,
    MaxThreadInfoClass = 60
} THREADINFOCLASS;

/* ------------------------------------------------------------------------ */
/* Processes and threads: information structures                            */
/* ------------------------------------------------------------------------ */

typedef struct _PROCESS_BASIC_INFORMATION {
    NTSTATUS ExitStatus;
    PPEB PebBaseAddress;
    KAFFINITY AffinityMask;
    KPRIORITY BasePriority;
    HANDLE UniqueProcessId;
    HANDLE InheritedFromUniqueProcessId;
} PROCESS_BASIC_INFORMATION, *PPROCESS_BASIC_INFORMATION;

typedef struct _THREAD_BASIC_INFORMATION {
    NTSTATUS ExitStatus;
    PTEB TebBaseAddress;
    CLIENT_ID ClientId;
    KAFFINITY AffinityMask;
    KPRIORITY Priority;
    LONG BasePriority;
} THREAD_BASIC_INFORMATION, *PTHREAD_BASIC_INFORMATION;

typedef struct _KERNEL_USER_TIMES {
    LARGE_INTEGER CreateTime;
    LARGE_INTEGER ExitTime;
    LARGE_INTEGER KernelTime;
    LARGE_INTEGER UserTime;
} KERNEL_USER_TIMES, *PKERNEL_USER_TIMES;

typedef struct _VM_COUNTERS {
    SIZE_T PeakVirtualSize;
    SIZE_T VirtualSize;
    ULONG PageFaultCount;
    SIZE_T PeakWorkingSetSize;
    SIZE_T WorkingSetSize;
    SIZE_T QuotaPeakPagedPoolUsage;
    SIZE_T QuotaPagedPoolUsage;
    SIZE_T QuotaPeakNonPagedPoolUsage;
    SIZE_T QuotaNonPagedPoolUsage;
    SIZE_T PagefileUsage;
    SIZE_T PeakPagefileUsage;
} VM_COUNTERS, *PVM_COUNTERS;

typedef struct _VM_COUNTERS_EX {
    SIZE_T PeakVirtualSize;
    SIZE_T VirtualSize;
    ULONG PageFaultCount;
    SIZE_T PeakWorkingSetSize;
    SIZE_T WorkingSetSize;
    SIZE_T QuotaPeakPagedPoolUsage;
    SIZE_T QuotaPagedPoolUsage;
    SIZE_T QuotaPeakNonPagedPoolUsage;
    SIZE_T QuotaNonPagedPoolUsage;
    SIZE_T PagefileUsage;
    SIZE_T PeakPagefileUsage;
    SIZE_T PrivateUsage;
} VM_COUNTERS_EX, *PVM_COUNTERS_EX;

typedef struct _QUOTA_LIMITS {
    SIZE_T PagedPoolLimit;
    SIZE_T NonPagedPoolLimit;
    SIZE_T MinimumWorkingSetSize;
    SIZE_T MaximumWorkingSetSize;
    SIZE_T PagefileLimit;
    LARGE_INTEGER TimeLimit;
} QUOTA_LIMITS, *PQUOTA_LIMITS;

__extension__ typedef union _RATE_QUOTA_LIMIT {
    ULONG RateData;
    __extension__ struct {
        ULONG RatePercent : 7;
        ULONG Reserved0 : 25;
    };
} RATE_QUOTA_LIMIT, *PRATE_QUOTA_LIMIT;

typedef struct _QUOTA_LIMITS_EX {
    SIZE_T PagedPoolLimit;
    SIZE_T NonPagedPoolLimit;
    SIZE_T MinimumWorkingSetSize;
    SIZE_T MaximumWorkingSetSize;
    SIZE_T PagefileLimit;
    LARGE_INTEGER TimeLimit;
    SIZE_T WorkingSetLimit;
    SIZE_T Reserved2;
    SIZE_T Reserved3;
    SIZE_T Reserved4;
    ULONG Flags;
    RATE_QUOTA_LIMIT CpuRateLimit;
} QUOTA_LIMITS_EX, *PQUOTA_LIMITS_EX;

#define QUOTA_LIMITS_HARDWS_MIN_ENABLE     0x00000001
#define QUOTA_LIMITS_HARDWS_MIN_DISABLE    0x00000002
#define QUOTA_LIMITS_HARDWS_MAX_ENABLE     0x00000004
#define QUOTA_LIMITS_HARDWS_MAX_DISABLE    0x00000008
#define QUOTA_LIMITS_USE_DEFAULT_LIMITS    0x00000010

typedef struct _IO_COUNTERS {
    ULONGLONG ReadOperationCount;
    ULONGLONG WriteOperationCount;
    ULONGLONG OtherOperationCount;
    ULONGLONG ReadTransferCount;
    ULONGLONG WriteTransferCount;
    ULONGLONG OtherTransferCount;
} IO_COUNTERS, *PIO_COUNTERS;

typedef struct _POOLED_USAGE_AND_LIMITS {
    SIZE_T PeakPagedPoolUsage;
    SIZE_T PagedPoolUsage;
    SIZE_T PagedPoolLimit;
    SIZE_T PeakNonPagedPoolUsage;
    SIZE_T NonPagedPoolUsage;
    SIZE_T NonPagedPoolLimit;
    SIZE_T PeakPagefileUsage;
    SIZE_T PagefileUsage;
    SIZE_T PagefileLimit;
} POOLED_USAGE_AND_LIMITS, *PPOOLED_USAGE_AND_LIMITS;

/* ProcessPriorityClass */
#define PROCESS_PRIORITY_CLASS_UNKNOWN      0
#define PROCESS_PRIORITY_CLASS_IDLE         1
#define PROCESS_PRIORITY_CLASS_NORMAL       2
#define PROCESS_PRIORITY_CLASS_HIGH         3
#define PROCESS_PRIORITY_CLASS_REALTIME     4
#define PROCESS_PRIORITY_CLASS_BELOW_NORMAL 5
#define PROCESS_PRIORITY_CLASS_ABOVE_NORMAL 6

typedef struct _PROCESS_PRIORITY_CLASS {
    BOOLEAN Foreground;
    UCHAR PriorityClass;                   /* PROCESS_PRIORITY_CLASS_* */
} PROCESS_PRIORITY_CLASS, *PPROCESS_PRIORITY_CLASS;

typedef struct _PROCESS_SESSION_INFORMATION {
    ULONG SessionId;
} PROCESS_SESSION_INFORMATION, *PPROCESS_SESSION_INFORMATION;

#define THREAD_BASE_PRIORITY_LOWRT         15
#define THREAD_BASE_PRIORITY_MAX           2
#define THREAD_BASE_PRIORITY_MIN           (-2)
#define THREAD_BASE_PRIORITY_IDLE          (-15)

#define MAXIMUM_SUSPEND_COUNT              0x7F /* MAXCHAR */

/* NtCreateProcessEx: Flags */
#define PROCESS_CREATE_FLAGS_BREAKAWAY            0x00000001
#define PROCESS_CREATE_FLAGS_NO_DEBUG_INHERIT     0x00000002
#define PROCESS_CREATE_FLAGS_INHERIT_HANDLES      0x00000004

/* NtCreateThreadEx: CreateFlags */
#define THREAD_CREATE_FLAGS_CREATE_SUSPENDED      0x00000001
#define THREAD_CREATE_FLAGS_SKIP_THREAD_ATTACH    0x00000002
#define THREAD_CREATE_FLAGS_HIDE_FROM_DEBUGGER    0x00000004
#define THREAD_CREATE_FLAGS_LOADER_WORKER         0x00000010
#define THREAD_CREATE_FLAGS_SKIP_LOADER_INIT      0x00000020
#define THREAD_CREATE_FLAGS_BYPASS_PROCESS_FREEZE 0x00000040

/* NtCreateThreadEx: the thread's routine */
typedef NTSTATUS (NTAPI *PUSER_THREAD_START_ROUTINE)(PVOID ThreadParameter);

/* NtCreateThreadEx/NtCreateUserProcess: AttributeList */
#define PS_ATTRIBUTE_NUMBER_MASK  0x0000ffff
#define PS_ATTRIBUTE_THREAD       0x00010000
#define PS_ATTRIBUTE_INPUT        0x00020000
#define PS_ATTRIBUTE_ADDITIVE     0x00040000
#define PS_ATTRIBUTE_CLIENT_ID    0x00010003 /* out: CLIENT_ID */
#define PS_ATTRIBUTE_TEB_ADDRESS  0x00010004 /* out: PTEB */

typedef struct _PS_ATTRIBUTE {
    ULONG_PTR Attribute;
    SIZE_T Size;
    __extension__ union {
        ULONG_PTR Value;
        PVOID ValuePtr;
    };
    PSIZE_T ReturnLength;                /* optional */
} PS_ATTRIBUTE, *PPS_ATTRIBUTE;

typedef struct _PS_ATTRIBUTE_LIST {
    SIZE_T TotalLength;                  /* of the whole list, in bytes */
    PS_ATTRIBUTE Attributes[1];
} PS_ATTRIBUTE_LIST, *PPS_ATTRIBUTE_LIST;

/* ------------------------------------------------------------------------ */
/* Job objects                                                              */
/* ------------------------------------------------------------------------ */

typedef enum _JOBOBJECTINFOCLASS {
    JobObjectBasicAccountingInformation = 1,  /* JOBOBJECT_BASIC_ACCOUNTING_INFORMATION */
    JobObjectBasicLimitInformation = 2,       /* JOBOBJECT_BASIC_LIMIT_INFORMATION */
    JobObjectBasicProcessIdList = 3,          /* JOBOBJECT_BASIC_PROCESS_ID_LIST */
    JobObjectBasicUIRestrictions = 4,         /* JOBOBJECT_BASIC_UI_RESTRICTIONS */
    JobObjectSecurityLimitInformation = 5,
    JobObjectEndOfJobTimeInformation = 6,     /* JOBOBJECT_END_OF_JOB_TIME_INFORMATION */
    JobObjectAssociateCompletionPortInformation = 7, /* JOBOBJECT_ASSOCIATE_COMPLETION_PORT */
    JobObjectBasicAndIoAccountingInformation = 8,    /* JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION */
    JobObjectExtendedLimitInformation = 9,    /* JOBOBJECT_EXTENDED_LIMIT_INFORMATION */
    JobObjectJobSetInformation = 10,          /* JOBOBJECT_JOBSET_INFORMATION */
    JobObjectGroupInformation = 11,
    JobObjectNotificationLimitInformation = 12,
    JobObjectLimitViolationInformation = 13,
    JobObjectGroupInformationEx = 14,
    JobObjectCpuRateControlInformation = 15,
    JobObjectCompletionFilter = 16,
    JobObjectCompletionCounter = 17,
    JobObjectFreezeInformation = 18,
    JobObjectExtendedAccountingInformation = 19,
    JobObjectWakeInformation = 20,
    JobObjectBackgroundInformation = 21,
    JobObjectSchedulingRankBiasInformation = 22,
    JobObjectTimerVirtualizationInformation = 23,
    JobObjectCycleTimeNotification = 24,
    JobObjectClearEvent = 25,
    JobObjectInterferenceInformation = 26,
    JobObjectClearPeakJobMemoryUsed = 27,
    JobObjectMemoryUsageInformation = 28,
    JobObjectSharedCommit = 29,
    JobObjectContainerId = 30,
    JobObjectIoRateControlInformation = 31,
    JobObjectNetRateControlInformation = 32,
    JobObjectNotificationLimitInformation2 = 33,
    JobObjectLimitViolationInformation2 = 34,
    JobObjectCreateSilo = 35,
    JobObjectSiloBasicInformation = 36,
    JobObjectSiloRootDirectory = 37,
    JobObjectServerSiloBasicInformation = 38,
    JobObjectServerSiloUserSharedData = 39,
    JobObjectServerSiloInitialize = 40,
    JobObjectServerSiloRunningState = 41,
    JobObjectIoAttribution = 42,
    JobObjectMemoryPartitionInformation = 43,
    JobObjectContainerTelemetryId = 44,
    JobObjectSiloSystemRoot = 45,
    JobObjectEnergyTrackingState = 46,
    JobObjectThreadImpersonationInformation = 47,
    MaxJobObjectInfoClass = 48
} JOBOBJECTINFOCLASS;

/* JOBOBJECT_BASIC_LIMIT_INFORMATION.LimitFlags */
#define JOB_OBJECT_LIMIT_WORKINGSET                 0x00000001
#define JOB_OBJECT_LIMIT_PROCESS_TIME               0x00000002
#define JOB_OBJECT_LIMIT_JOB_TIME                   0x00000004
#define JOB_OBJECT_LIMIT_ACTIVE_PROCESS             0x00000008
#define JOB_OBJECT_LIMIT_AFFINITY                   0x00000010
#define JOB_OBJECT_LIMIT_PRIORITY_CLASS             0x00000020
#define JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME          0x00000040
#define JOB_OBJECT_LIMIT_SCHEDULING_CLASS           0x00000080
#define JOB_OBJECT_LIMIT_PROCESS_MEMORY             0x00000100
#define JOB_OBJECT_LIMIT_JOB_MEMORY                 0x00000200
#define JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION 0x00000400
#define JOB_OBJECT_LIMIT_BREAKAWAY_OK               0x00000800
#define JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK        0x00001000
#define JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE          0x00002000
#define JOB_OBJECT_LIMIT_SUBSET_AFFINITY            0x00004000
#define JOB_OBJECT_BASIC_LIMIT_VALID_FLAGS          0x000000FF
#define JOB_OBJECT_EXTENDED_LIMIT_VALID_FLAGS       0x00007FFF

/* JOBOBJECT_END_OF_JOB_TIME_INFORMATION.EndOfJobTimeAction */
#define JOB_OBJECT_TERMINATE_AT_END_OF_JOB          0
#define JOB_OBJECT_POST_AT_END_OF_JOB               1

/* Completion port messages */
#define JOB_OBJECT_MSG_END_OF_JOB_TIME              1
#define JOB_OBJECT_MSG_END_OF_PROCESS_TIME          2
#define JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT         3
#define JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO          4
#define JOB_OBJECT_MSG_NEW_PROCESS                  6
#define JOB_OBJECT_MSG_EXIT_PROCESS                 7
#define JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS        8
#define JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT         9
#define JOB_OBJECT_MSG_JOB_MEMORY_LIMIT             10

typedef struct _JOBOBJECT_BASIC_ACCOUNTING_INFORMATION {
    LARGE_INTEGER TotalUserTime;
    LARGE_INTEGER TotalKernelTime;
    LARGE_INTEGER ThisPeriodTotalUserTime;
    LARGE_INTEGER ThisPeriodTotalKernelTime;
    ULONG TotalPageFaultCount;
    ULONG TotalProcesses;
    ULONG ActiveProcesses;
    ULONG TotalTerminatedProcesses;
} JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, *PJOBOBJECT_BASIC_ACCOUNTING_INFORMATION;

typedef struct _JOBOBJECT_BASIC_LIMIT_INFORMATION {
    LARGE_INTEGER PerProcessUserTimeLimit;
    LARGE_INTEGER PerJobUserTimeLimit;
    ULONG LimitFlags;                      /* JOB_OBJECT_LIMIT_* */
    SIZE_T MinimumWorkingSetSize;
    SIZE_T MaximumWorkingSetSize;
    ULONG ActiveProcessLimit;
    ULONG_PTR Affinity;
    ULONG PriorityClass;
    ULONG SchedulingClass;
} JOBOBJECT_BASIC_LIMIT_INFORMATION, *PJOBOBJECT_BASIC_LIMIT_INFORMATION;

typedef struct _JOBOBJECT_EXTENDED_LIMIT_INFORMATION {
    JOBOBJECT_BASIC_LIMIT_INFORMATION BasicLimitInformation;
    IO_COUNTERS IoInfo;
    SIZE_T ProcessMemoryLimit;
    SIZE_T JobMemoryLimit;
    SIZE_T PeakProcessMemoryUsed;
    SIZE_T PeakJobMemoryUsed;
} JOBOBJECT_EXTENDED_LIMIT_INFORMATION, *PJOBOBJECT_EXTENDED_LIMIT_INFORMATION;

typedef struct _JOBOBJECT_BASIC_PROCESS_ID_LIST {
    ULONG NumberOfAssignedProcesses;
    ULONG NumberOfProcessIdsInList;
    ULONG_PTR ProcessIdList[1];
} JOBOBJECT_BASIC_PROCESS_ID_LIST, *PJOBOBJECT_BASIC_PROCESS_ID_LIST;

typedef struct _JOBOBJECT_BASIC_UI_RESTRICTIONS {
    ULONG UIRestrictionsClass;
} JOBOBJECT_BASIC_UI_RESTRICTIONS, *PJOBOBJECT_BASIC_UI_RESTRICTIONS;

typedef struct _JOBOBJECT_END_OF_JOB_TIME_INFORMATION {
    ULONG EndOfJobTimeAction;
} JOBOBJECT_END_OF_JOB_TIME_INFORMATION, *PJOBOBJECT_END_OF_JOB_TIME_INFORMATION;

typedef struct _JOBOBJECT_ASSOCIATE_COMPLETION_PORT {
    PVOID CompletionKey;
    HANDLE CompletionPort;
} JOBOBJECT_ASSOCIATE_COMPLETION_PORT, *PJOBOBJECT_ASSOCIATE_COMPLETION_PORT;

typedef struct _JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION {
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION BasicInfo;
    IO_COUNTERS IoInfo;
} JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION, *PJOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION;

typedef struct _JOBOBJECT_JOBSET_INFORMATION {
    ULONG MemberLevel;
} JOBOBJECT_JOBSET_INFORMATION, *PJOBOBJECT_JOBSET_INFORMATION;

/*
 * ntexec's own job class (not Windows'): back a job by a cgroup v2
 * directory. Set (JOB_OBJECT_SET_ATTRIBUTES) while the job has no
 * processes: CgroupFd an O_RDONLY descriptor of the directory (or -1 to
 * end the backing, every other field 0), CgroupId 0. The module opens
 * cgroup.procs and the files Flags asks for with the caller's credentials
 * right then; an assignment moves the process into the cgroup before it
 * joins (a refusal by Linux fails it), members' children are there by
 * Linux's inheritance; memory.max follows JobMemoryLimit, pids.max
 * PidsMax and cpu.max CpuRate (1/100 % of all CPUs, 1 to 10000). A query
 * returns CgroupFd -1 and the cgroup's id (the directory's inode number),
 * 0 without a backing.
 */
#define JobObjectNtxCgroupInformation ((JOBOBJECTINFOCLASS)0x4E580001)

#define JOB_OBJECT_NTX_CGROUP_MEMORY                0x00000001
#define JOB_OBJECT_NTX_CGROUP_PIDS                  0x00000002
#define JOB_OBJECT_NTX_CGROUP_CPU                   0x00000004

typedef struct _JOBOBJECT_NTX_CGROUP_INFORMATION {
    LONG64 CgroupFd;
    ULONG64 CgroupId;
    ULONG Flags;
    ULONG CpuRate;
    ULONG64 PidsMax;
} JOBOBJECT_NTX_CGROUP_INFORMATION, *PJOBOBJECT_NTX_CGROUP_INFORMATION;

/* ------------------------------------------------------------------------ */
/* I/O completion objects                                                   */
/* ------------------------------------------------------------------------ */

#define IO_COMPLETION_QUERY_STATE          0x0001
#define IO_COMPLETION_MODIFY_STATE         0x0002
#define IO_COMPLETION_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3)

typedef enum _IO_COMPLETION_INFORMATION_CLASS {
    IoCompletionBasicInformation = 0     /* IO_COMPLETION_BASIC_INFORMATION */
} IO_COMPLETION_INFORMATION_CLASS;

typedef struct _IO_COMPLETION_BASIC_INFORMATION {
    LONG Depth;
} IO_COMPLETION_BASIC_INFORMATION, *PIO_COMPLETION_BASIC_INFORMATION;

typedef struct _FILE_IO_COMPLETION_INFORMATION {
    PVOID KeyContext;
    PVOID ApcContext;
    IO_STATUS_BLOCK IoStatusBlock;
} FILE_IO_COMPLETION_INFORMATION, *PFILE_IO_COMPLETION_INFORMATION;

/* ------------------------------------------------------------------------ */
/* System information                                                       */
/* ------------------------------------------------------------------------ */

/*
 * winternl.h's classes and the memory classes. libntexec answers
 * SystemBasicInformation, SystemPerformanceInformation,
 * SystemPageFileInformation, SystemMemoryListInformation and
 * SystemMemoryUsageInformation; every other class is
 * STATUS_INVALID_INFO_CLASS.
 */
typedef enum _SYSTEM_INFORMATION_CLASS {
    SystemBasicInformation = 0,              /* SYSTEM_BASIC_INFORMATION */
    SystemProcessorInformation = 1,
    SystemPerformanceInformation = 2,        /* SYSTEM_PERFORMANCE_INFORMATION */
    SystemTimeOfDayInformation = 3,
    SystemProcessInformation = 5,
    SystemProcessorPerformanceInformation = 8,
    SystemHandleInformation = 16,
    SystemPageFileInformation = 18,          /* SYSTEM_PAGEFILE_INFORMATION, chained */
    SystemInterruptInformation = 23,
    SystemExceptionInformation = 33,
    SystemRegistryQuotaInformation = 37,
    SystemLookasideInformation = 45,
    SystemMemoryListInformation = 80,        /* SYSTEM_MEMORY_LIST_INFORMATION;
                                                set: SYSTEM_MEMORY_LIST_COMMAND */
    SystemCodeIntegrityInformation = 103,
    SystemPolicyInformation = 134,
    SystemMemoryUsageInformation = 182       /* SYSTEM_MEMORY_USAGE_INFORMATION */
} SYSTEM_INFORMATION_CLASS;

typedef struct _SYSTEM_BASIC_INFORMATION {
    ULONG Reserved;
    ULONG TimerResolution;                   /* 100 ns units */
    ULONG PageSize;
    ULONG NumberOfPhysicalPages;
    ULONG LowestPhysicalPageNumber;
    ULONG HighestPhysicalPageNumber;
    ULONG AllocationGranularity;
    ULONG_PTR MinimumUserModeAddress;
    ULONG_PTR MaximumUserModeAddress;
    KAFFINITY ActiveProcessorsAffinityMask;
    CCHAR NumberOfProcessors;
} SYSTEM_BASIC_INFORMATION, *PSYSTEM_BASIC_INFORMATION;

/*
 * 0x158 bytes; a caller may ask for the older 0x138 (up to SystemCalls) or
 * 0x148 (up to CcDirtyPageThreshold). ntexec fills the NT memory fields (its
 * faults by kind, commit, available pages), IdleProcessTime and
 * CcTotalDirtyPages; the others read 0.
 */
typedef struct _SYSTEM_PERFORMANCE_INFORMATION {
    LARGE_INTEGER IdleProcessTime;
    LARGE_INTEGER IoReadTransferCount;
    LARGE_INTEGER IoWriteTransferCount;
    LARGE_INTEGER IoOtherTransferCount;
    ULONG IoReadOperationCount;
    ULONG IoWriteOperationCount;
    ULONG IoOtherOperationCount;
    ULONG AvailablePages;
    ULONG CommittedPages;
    ULONG CommitLimit;
    ULONG PeakCommitment;
    ULONG PageFaultCount;
    ULONG CopyOnWriteCount;
    ULONG TransitionCount;
    ULONG CacheTransitionCount;
    ULONG DemandZeroCount;
    ULONG PageReadCount;
    ULONG PageReadIoCount;
    ULONG CacheReadCount;
    ULONG CacheIoCount;
    ULONG DirtyPagesWriteCount;
    ULONG DirtyWriteIoCount;
    ULONG MappedPagesWriteCount;
    ULONG MappedWriteIoCount;
    ULONG PagedPoolPages;
    ULONG NonPagedPoolPages;
    ULONG PagedPoolAllocs;
    ULONG PagedPoolFrees;
    ULONG NonPagedPoolAllocs;
    ULONG NonPagedPoolFrees;
    ULONG FreeSystemPtes;
    ULONG ResidentSystemCodePage;
    ULONG TotalSystemDriverPages;
    ULONG TotalSystemCodePages;
    ULONG NonPagedPoolLookasideHits;
    ULONG PagedPoolLookasideHits;
    ULONG AvailablePagedPoolPages;
    ULONG ResidentSystemCachePage;
    ULONG ResidentPagedPoolPage;
    ULONG ResidentSystemDriverPage;
    ULONG CcFastReadNoWait;
    ULONG CcFastReadWait;
    ULONG CcFastReadResourceMiss;
    ULONG CcFastReadNotPossible;
    ULONG CcFastMdlReadNoWait;
    ULONG CcFastMdlReadWait;
    ULONG CcFastMdlReadResourceMiss;
    ULONG CcFastMdlReadNotPossible;
    ULONG CcMapDataNoWait;
    ULONG CcMapDataWait;
    ULONG CcMapDataNoWaitMiss;
    ULONG CcMapDataWaitMiss;
    ULONG CcPinMappedDataCount;
    ULONG CcPinReadNoWait;
    ULONG CcPinReadWait;
    ULONG CcPinReadNoWaitMiss;
    ULONG CcPinReadWaitMiss;
    ULONG CcCopyReadNoWait;
    ULONG CcCopyReadWait;
    ULONG CcCopyReadNoWaitMiss;
    ULONG CcCopyReadWaitMiss;
    ULONG CcMdlReadNoWait;
    ULONG CcMdlReadWait;
    ULONG CcMdlReadNoWaitMiss;
    ULONG CcMdlReadWaitMiss;
    ULONG CcReadAheadIos;
    ULONG CcLazyWriteIos;
    ULONG CcLazyWritePages;
    ULONG CcDataFlushes;
    ULONG CcDataPages;
    ULONG ContextSwitches;
    ULONG FirstLevelTbFills;
    ULONG SecondLevelTbFills;
    ULONG SystemCalls;
    ULONGLONG CcTotalDirtyPages;
    ULONGLONG CcDirtyPageThreshold;
    LONGLONG ResidentAvailablePages;
    ULONGLONG SharedCommittedPages;
} SYSTEM_PERFORMANCE_INFORMATION, *PSYSTEM_PERFORMANCE_INFORMATION;

/*
 * One per paging file, sizes in pages; PageFileName points into the same
 * buffer (the Linux path given to NtCreatePagingFile, NUL-terminated).
 */
typedef struct _SYSTEM_PAGEFILE_INFORMATION {
    ULONG NextEntryOffset;
    ULONG TotalSize;
    ULONG TotalInUse;
    ULONG PeakUsage;
    UNICODE_STRING PageFileName;
} SYSTEM_PAGEFILE_INFORMATION, *PSYSTEM_PAGEFILE_INFORMATION;

typedef struct _SYSTEM_MEMORY_LIST_INFORMATION {
    ULONG_PTR ZeroPageCount;
    ULONG_PTR FreePageCount;
    ULONG_PTR ModifiedPageCount;
    ULONG_PTR ModifiedNoWritePageCount;
    ULONG_PTR BadPageCount;
    ULONG_PTR PageCountByPriority[8];        /* the standby list, by priority */
    ULONG_PTR RepurposedPagesByPriority[8];
    ULONG_PTR ModifiedPageCountPageFile;
} SYSTEM_MEMORY_LIST_INFORMATION, *PSYSTEM_MEMORY_LIST_INFORMATION;

/* NtSetSystemInformation(SystemMemoryListInformation): a ULONG command. */
typedef enum _SYSTEM_MEMORY_LIST_COMMAND {
    MemoryCaptureAccessedBits = 0,
    MemoryCaptureAndResetAccessedBits = 1,
    MemoryEmptyWorkingSets = 2,
    MemoryFlushModifiedList = 3,
    MemoryPurgeStandbyList = 4,
    MemoryPurgeLowPriorityStandbyList = 5,
    MemoryCommandMax = 6
} SYSTEM_MEMORY_LIST_COMMAND;

typedef struct _SYSTEM_MEMORY_USAGE_INFORMATION {
    ULONGLONG TotalPhysicalBytes;
    ULONGLONG AvailableBytes;
    LONGLONG ResidentAvailableBytes;
    ULONGLONG CommittedBytes;
    ULONGLONG SharedCommittedBytes;
    ULONGLONG CommitLimitBytes;
    ULONGLONG PeakCommitmentBytes;
} SYSTEM_MEMORY_USAGE_INFORMATION, *PSYSTEM_MEMORY_USAGE_INFORMATION;

/* ------------------------------------------------------------------------ */
/* AMD64 thread context                                                     */
/* ------------------------------------------------------------------------ */

#define CONTEXT_AMD64              0x00100000
#define CONTEXT_CONTROL            (CONTEXT_AMD64 | 0x00000001)
#define CONTEXT_INTEGER            (CONTEXT_AMD64 | 0x00000002)
#define CONTEXT_SEGMENTS           (CONTEXT_AMD64 | 0x00000004)
#define CONTEXT_FLOATING_POINT     (CONTEXT_AMD64 | 0x00000008)
#define CONTEXT_DEBUG_REGISTERS    (CONTEXT_AMD64 | 0x00000010)
#define CONTEXT_FULL \
    (CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_FLOATING_POINT)
#define CONTEXT_ALL \
    (CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_SEGMENTS | \
     CONTEXT_FLOATING_POINT | CONTEXT_DEBUG_REGISTERS)
#define CONTEXT_XSTATE             (CONTEXT_AMD64 | 0x00000040)
#define CONTEXT_EXCEPTION_ACTIVE    0x08000000
#define CONTEXT_SERVICE_ACTIVE      0x10000000
#define CONTEXT_EXCEPTION_REQUEST   0x40000000
#define CONTEXT_EXCEPTION_REPORTING 0x80000000

#define INITIAL_MXCSR              0x1F80
#define INITIAL_FPCSR              0x027F

typedef struct __attribute__((aligned(16))) _M128A {
    ULONGLONG Low;
    LONGLONG High;
} M128A, *PM128A;

/* FXSAVE image, 512 bytes. */
typedef struct __attribute__((aligned(16))) _XMM_SAVE_AREA32 {
    USHORT ControlWord;
    USHORT StatusWord;
    UCHAR TagWord;
    UCHAR Reserved1;
    USHORT ErrorOpcode;
    ULONG ErrorOffset;
    USHORT ErrorSelector;
    USHORT Reserved2;
    ULONG DataOffset;
    USHORT DataSelector;
    USHORT Reserved3;
    ULONG MxCsr;
    ULONG MxCsr_Mask;
    M128A FloatRegisters[8];
    M128A XmmRegisters[16];
    UCHAR Reserved4[96];
} XMM_SAVE_AREA32, *PXMM_SAVE_AREA32;

#define LEGACY_SAVE_AREA_LENGTH    sizeof(XMM_SAVE_AREA32)

/* The anonymous FltSave/Xmm union is as in the SDK; keep clang -Wpedantic quiet. */
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnested-anon-types"
#endif
typedef struct __attribute__((aligned(16))) _CONTEXT {
    /* Register parameter home addresses */
    DWORD64 P1Home;
    DWORD64 P2Home;
    DWORD64 P3Home;
    DWORD64 P4Home;
    DWORD64 P5Home;
    DWORD64 P6Home;

    /* Control flags (CONTEXT_*) */
    ULONG ContextFlags;
    ULONG MxCsr;

    /* Segment registers and processor flags */
    USHORT SegCs;
    USHORT SegDs;
    USHORT SegEs;
    USHORT SegFs;
    USHORT SegGs;
    USHORT SegSs;
    ULONG EFlags;

    /* Debug registers */
    DWORD64 Dr0;
    DWORD64 Dr1;
    DWORD64 Dr2;
    DWORD64 Dr3;
    DWORD64 Dr6;
    DWORD64 Dr7;

    /* Integer registers */
    DWORD64 Rax;
    DWORD64 Rcx;
    DWORD64 Rdx;
    DWORD64 Rbx;
    DWORD64 Rsp;
    DWORD64 Rbp;
    DWORD64 Rsi;
    DWORD64 Rdi;
    DWORD64 R8;
    DWORD64 R9;
    DWORD64 R10;
    DWORD64 R11;
    DWORD64 R12;
    DWORD64 R13;
    DWORD64 R14;
    DWORD64 R15;

    /* Program counter */
    DWORD64 Rip;

    /* Floating point state */
    __extension__ union {
        XMM_SAVE_AREA32 FltSave;
        __extension__ struct {
            M128A Header[2];
            M128A Legacy[8];
            M128A Xmm0;
            M128A Xmm1;
            M128A Xmm2;
            M128A Xmm3;
            M128A Xmm4;
            M128A Xmm5;
            M128A Xmm6;
            M128A Xmm7;
            M128A Xmm8;
            M128A Xmm9;
            M128A Xmm10;
            M128A Xmm11;
            M128A Xmm12;
            M128A Xmm13;
            M128A Xmm14;
            M128A Xmm15;
        };
    };

    /* Vector registers */
    M128A VectorRegister[26];
    DWORD64 VectorControl;

    /* Special debug control registers */
    DWORD64 DebugControl;
    DWORD64 LastBranchToRip;
    DWORD64 LastBranchFromRip;
    DWORD64 LastExceptionToRip;
    DWORD64 LastExceptionFromRip;
} CONTEXT, *PCONTEXT;
#ifdef __clang__
#pragma clang diagnostic pop
#endif

/*
 * The extended context (CONTEXT_XSTATE): a CONTEXT_EX right after the
 * CONTEXT locates its chunks, each offset relative to the CONTEXT_EX. The
 * XState chunk is an XSAVE_AREA_HEADER followed by the extended features
 * in their standard XSAVE layout less the 512 legacy bytes (XSTATE_AVX
 * right after the header). RtlInitializeExtendedContext lays one out;
 * libntexec serves XSTATE_AVX.
 */
#define XSTATE_LEGACY_FLOATING_POINT        0
#define XSTATE_LEGACY_SSE                   1
#define XSTATE_GSSE                         2
#define XSTATE_AVX                          XSTATE_GSSE
#define XSTATE_MASK_LEGACY_FLOATING_POINT   (1ULL << XSTATE_LEGACY_FLOATING_POINT)
#define XSTATE_MASK_LEGACY_SSE              (1ULL << XSTATE_LEGACY_SSE)
#define XSTATE_MASK_LEGACY \
    (XSTATE_MASK_LEGACY_FLOATING_POINT | XSTATE_MASK_LEGACY_SSE)
#define XSTATE_MASK_GSSE                    (1ULL << XSTATE_GSSE)
#define XSTATE_MASK_AVX                     XSTATE_MASK_GSSE
#define MAXIMUM_XSTATE_FEATURES             64

typedef struct _XSAVE_AREA_HEADER {
    DWORD64 Mask;
    DWORD64 CompactionMask;
    DWORD64 Reserved2[6];
} XSAVE_AREA_HEADER, *PXSAVE_AREA_HEADER;

typedef struct _CONTEXT_CHUNK {
    LONG Offset;
    ULONG Length;
} CONTEXT_CHUNK, *PCONTEXT_CHUNK;

typedef struct _CONTEXT_EX {
    CONTEXT_CHUNK All;
    CONTEXT_CHUNK Legacy;
    CONTEXT_CHUNK XState;
} CONTEXT_EX, *PCONTEXT_EX;

/* ------------------------------------------------------------------------ */
/* System services                                                          */
/* ------------------------------------------------------------------------ */

/*
 * NTX_SERVICE(name): implemented by libntexec (with NTEXEC_MS_ABI, the
 * declaration names the ms_abi entry point NtxMs_<name>).
 * NTX_NOT_IMPLEMENTED(what): declared with ntdll's prototype, but using it
 * is a compile-time error until libntexec implements it.
 */

/* Objects and handles */
NTSYSCALLAPI NTSTATUS NTAPI NtClose(
    HANDLE Handle)
    NTX_SERVICE(NtClose);

NTSYSCALLAPI NTSTATUS NTAPI NtDuplicateObject(
    HANDLE SourceProcessHandle,
    HANDLE SourceHandle,
    HANDLE TargetProcessHandle,      /* optional */
    PHANDLE TargetHandle,            /* optional */
    ACCESS_MASK DesiredAccess,
    ULONG HandleAttributes,
    ULONG Options)                   /* DUPLICATE_* */
    NTX_SERVICE(NtDuplicateObject);

/* Waits and delays */
NTSYSCALLAPI NTSTATUS NTAPI NtWaitForSingleObject(
    HANDLE Handle,
    BOOLEAN Alertable,
    PLARGE_INTEGER Timeout)          /* optional; NULL waits forever */
    NTX_SERVICE(NtWaitForSingleObject);

NTSYSCALLAPI NTSTATUS NTAPI NtWaitForMultipleObjects(
    ULONG Count,
    HANDLE Handles[],
    WAIT_TYPE WaitType,
    BOOLEAN Alertable,
    PLARGE_INTEGER Timeout)          /* optional */
    NTX_SERVICE(NtWaitForMultipleObjects);

NTSYSCALLAPI NTSTATUS NTAPI NtDelayExecution(
    BOOLEAN Alertable,
    PLARGE_INTEGER DelayInterval)
    NTX_SERVICE(NtDelayExecution);

NTSYSCALLAPI NTSTATUS NTAPI NtYieldExecution(VOID)
    NTX_SERVICE(NtYieldExecution);

/* Processes */
NTSYSCALLAPI NTSTATUS NTAPI NtCreateProcessEx(
    PHANDLE ProcessHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes, /* optional */
    HANDLE ParentProcess,                /* NtCurrentProcess() */
    ULONG Flags,                         /* PROCESS_CREATE_FLAGS_* */
    HANDLE SectionHandle,                /* optional; not yet: NULL */
    HANDLE DebugPort,                    /* optional; not yet: NULL */
    HANDLE TokenHandle,                  /* optional; not yet: NULL */
    ULONG Reserved)                      /* JobMemberLevel */
    NTX_SERVICE(NtCreateProcessEx);

NTSYSCALLAPI NTSTATUS NTAPI NtOpenProcess(
    PHANDLE ProcessHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes,
    PCLIENT_ID ClientId)             /* optional */
    NTX_SERVICE(NtOpenProcess);

NTSYSCALLAPI NTSTATUS NTAPI NtTerminateProcess(
    HANDLE ProcessHandle,            /* optional */
    NTSTATUS ExitStatus)
    NTX_SERVICE(NtTerminateProcess);

NTSYSCALLAPI NTSTATUS NTAPI NtSuspendProcess(
    HANDLE ProcessHandle)
    NTX_SERVICE(NtSuspendProcess);

NTSYSCALLAPI NTSTATUS NTAPI NtResumeProcess(
    HANDLE ProcessHandle)
    NTX_SERVICE(NtResumeProcess);

NTSYSCALLAPI NTSTATUS NTAPI NtQueryInformationProcess(
    HANDLE ProcessHandle,
    PROCESSINFOCLASS ProcessInformationClass,
    PVOID ProcessInformation,
    ULONG ProcessInformationLength,
    PULONG ReturnLength)             /* optional */
    NTX_SERVICE(NtQueryInformationProcess);

NTSYSCALLAPI NTSTATUS NTAPI NtSetInformationProcess(
    HANDLE ProcessHandle,
    PROCESSINFOCLASS ProcessInformationClass,
    PVOID ProcessInformation,
    ULONG ProcessInformationLength)
    NTX_SERVICE(NtSetInformationProcess);

NTSYSCALLAPI NTSTATUS NTAPI NtGetNextProcess(
    HANDLE ProcessHandle,
    ACCESS_MASK DesiredAccess,
    ULONG HandleAttributes,
    ULONG Flags,
    PHANDLE NewProcessHandle)
    NTX_SERVICE(NtGetNextProcess);

NTSYSCALLAPI NTSTATUS NTAPI NtGetNextThread(
    HANDLE ProcessHandle,
    HANDLE ThreadHandle,
    ACCESS_MASK DesiredAccess,
    ULONG HandleAttributes,
    ULONG Flags,
    PHANDLE NewThreadHandle)
    NTX_SERVICE(NtGetNextThread);

/* Threads */
NTSYSCALLAPI NTSTATUS NTAPI NtOpenThread(
    PHANDLE ThreadHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes,
    PCLIENT_ID ClientId)             /* optional */
    NTX_SERVICE(NtOpenThread);

NTSYSCALLAPI NTSTATUS NTAPI NtTerminateThread(
    HANDLE ThreadHandle,             /* optional */
    NTSTATUS ExitStatus)
    NTX_SERVICE(NtTerminateThread);

NTSYSCALLAPI NTSTATUS NTAPI NtCreateThreadEx(
    PHANDLE ThreadHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes, /* optional */
    HANDLE ProcessHandle,
    PUSER_THREAD_START_ROUTINE StartRoutine,
    PVOID Argument,                      /* optional */
    ULONG CreateFlags,                   /* THREAD_CREATE_FLAGS_* */
    SIZE_T ZeroBits,
    SIZE_T StackSize,                    /* 0: 64 KiB committed */
    SIZE_T MaximumStackSize,             /* 0: 1 MiB reserved */
    PPS_ATTRIBUTE_LIST AttributeList)    /* optional */
    NTX_SERVICE(NtCreateThreadEx);

NTSYSCALLAPI NTSTATUS NTAPI NtSuspendThread(
    HANDLE ThreadHandle,
    PULONG PreviousSuspendCount)     /* optional */
    NTX_SERVICE(NtSuspendThread);

NTSYSCALLAPI NTSTATUS NTAPI NtResumeThread(
    HANDLE ThreadHandle,
    PULONG PreviousSuspendCount)     /* optional */
    NTX_SERVICE(NtResumeThread);

NTSYSCALLAPI NTSTATUS NTAPI NtAlertResumeThread(
    HANDLE ThreadHandle,
    PULONG PreviousSuspendCount)     /* optional */
    NTX_SERVICE(NtAlertResumeThread);

NTSYSCALLAPI NTSTATUS NTAPI NtGetContextThread(
    HANDLE ThreadHandle,
    PCONTEXT ThreadContext)
    NTX_SERVICE(NtGetContextThread);

NTSYSCALLAPI NTSTATUS NTAPI NtSetContextThread(
    HANDLE ThreadHandle,
    PCONTEXT ThreadContext)
    NTX_SERVICE(NtSetContextThread);

/* Extended contexts (CONTEXT_EX), as ntdll's Rtl functions lay them out */
NTSYSAPI NTSTATUS NTAPI RtlGetExtendedContextLength(
    ULONG ContextFlags,
    PULONG ContextLength)
    NTX_SERVICE(RtlGetExtendedContextLength);

NTSYSAPI NTSTATUS NTAPI RtlInitializeExtendedContext(
    PVOID Context,
    ULONG ContextFlags,
    PCONTEXT_EX *ContextEx)
    NTX_SERVICE(RtlInitializeExtendedContext);

NTSYSAPI PCONTEXT NTAPI RtlLocateLegacyContext(
    PCONTEXT_EX ContextEx,
    PULONG Length)                   /* optional */
    NTX_SERVICE(RtlLocateLegacyContext);

NTSYSAPI PVOID NTAPI RtlLocateExtendedFeature(
    PCONTEXT_EX ContextEx,
    ULONG FeatureId,
    PULONG Length)                   /* optional */
    NTX_SERVICE(RtlLocateExtendedFeature);

NTSYSAPI ULONG64 NTAPI RtlGetExtendedFeaturesMask(
    PCONTEXT_EX ContextEx)
    NTX_SERVICE(RtlGetExtendedFeaturesMask);

NTSYSAPI ULONG64 NTAPI RtlGetEnabledExtendedFeatures(
    ULONG64 FeatureMask)
    NTX_SERVICE(RtlGetEnabledExtendedFeatures);

NTSYSAPI VOID NTAPI RtlSetExtendedFeaturesMask(
    PCONTEXT_EX ContextEx,
    ULONG64 FeatureMask)
    NTX_SERVICE(RtlSetExtendedFeaturesMask);

NTSYSCALLAPI NTSTATUS NTAPI NtQueryInformationThread(
    HANDLE ThreadHandle,
    THREADINFOCLASS ThreadInformationClass,
    PVOID ThreadInformation,
    ULONG ThreadInformationLength,
    PULONG ReturnLength)             /* optional */
    NTX_SERVICE(NtQueryInformationThread);

NTSYSCALLAPI NTSTATUS NTAPI NtSetInformationThread(
    HANDLE ThreadHandle,
    THREADINFOCLASS ThreadInformationClass,
    PVOID ThreadInformation,
    ULONG ThreadInformationLength)
    NTX_SERVICE(NtSetInformationThread);

NTSYSCALLAPI NTSTATUS NTAPI NtAlertThread(
    HANDLE ThreadHandle)
    NTX_SERVICE(NtAlertThread);

NTSYSCALLAPI NTSTATUS NTAPI NtTestAlert(VOID)
    NTX_SERVICE(NtTestAlert);

NTSYSCALLAPI NTSTATUS NTAPI NtQueueApcThread(
    HANDLE ThreadHandle,
    PPS_APC_ROUTINE ApcRoutine,
    PVOID ApcArgument1,              /* optional */
    PVOID ApcArgument2,              /* optional */
    PVOID ApcArgument3)              /* optional */
    NTX_SERVICE(NtQueueApcThread);

/* Virtual memory */
NTSYSCALLAPI NTSTATUS NTAPI NtAllocateVirtualMemory(
    HANDLE ProcessHandle,
    PVOID *BaseAddress,
    ULONG_PTR ZeroBits,
    PSIZE_T RegionSize,
    ULONG AllocationType,
    ULONG Protect)
    NTX_SERVICE(NtAllocateVirtualMemory);

NTSYSCALLAPI NTSTATUS NTAPI NtFreeVirtualMemory(
    HANDLE ProcessHandle,
    PVOID *BaseAddress,
    PSIZE_T RegionSize,
    ULONG FreeType)
    NTX_SERVICE(NtFreeVirtualMemory);

NTSYSCALLAPI NTSTATUS NTAPI NtProtectVirtualMemory(
    HANDLE ProcessHandle,
    PVOID *BaseAddress,
    PSIZE_T RegionSize,
    ULONG NewProtect,
    PULONG OldProtect)
    NTX_SERVICE(NtProtectVirtualMemory);

NTSYSCALLAPI NTSTATUS NTAPI NtQueryVirtualMemory(
    HANDLE ProcessHandle,
    PVOID BaseAddress,               /* optional */
    MEMORY_INFORMATION_CLASS MemoryInformationClass,
    PVOID MemoryInformation,
    SIZE_T MemoryInformationLength,
    PSIZE_T ReturnLength)            /* optional */
    NTX_SERVICE(NtQueryVirtualMemory);

NTSYSCALLAPI NTSTATUS NTAPI NtReadVirtualMemory(
    HANDLE ProcessHandle,
    PVOID BaseAddress,               /* optional */
    PVOID Buffer,
    SIZE_T BufferSize,
    PSIZE_T NumberOfBytesRead)       /* optional */
    NTX_SERVICE(NtReadVirtualMemory);

NTSYSCALLAPI NTSTATUS NTAPI NtWriteVirtualMemory(
    HANDLE ProcessHandle,
    PVOID BaseAddress,               /* optional */
    PVOID Buffer,
    SIZE_T BufferSize,
    PSIZE_T NumberOfBytesWritten)    /* optional */
    NTX_SERVICE(NtWriteVirtualMemory);

NTSYSCALLAPI NTSTATUS NTAPI NtLockVirtualMemory(
    HANDLE ProcessHandle,
    PVOID *BaseAddress,
    PSIZE_T RegionSize,
    ULONG MapType)                   /* MAP_PROCESS / MAP_SYSTEM */
    NTX_SERVICE(NtLockVirtualMemory);

NTSYSCALLAPI NTSTATUS NTAPI NtUnlockVirtualMemory(
    HANDLE ProcessHandle,
    PVOID *BaseAddress,
    PSIZE_T RegionSize,
    ULONG MapType)                   /* MAP_PROCESS / MAP_SYSTEM */
    NTX_SERVICE(NtUnlockVirtualMemory);

NTSYSCALLAPI NTSTATUS NTAPI NtFlushVirtualMemory(
    HANDLE ProcessHandle,
    PVOID *BaseAddress,
    PSIZE_T RegionSize,
    PIO_STATUS_BLOCK IoStatus)
    NTX_SERVICE(NtFlushVirtualMemory);

NTSYSCALLAPI NTSTATUS NTAPI NtGetWriteWatch(
    HANDLE ProcessHandle,
    ULONG Flags,                     /* WRITE_WATCH_FLAG_RESET */
    PVOID BaseAddress,
    SIZE_T RegionSize,
    PVOID *UserAddressArray,
    PULONG_PTR EntriesInUserAddressArray,
    PULONG Granularity)
    NTX_SERVICE(NtGetWriteWatch);

NTSYSCALLAPI NTSTATUS NTAPI NtResetWriteWatch(
    HANDLE ProcessHandle,
    PVOID BaseAddress,
    SIZE_T RegionSize)
    NTX_SERVICE(NtResetWriteWatch);

/* Sections */
NTSYSCALLAPI NTSTATUS NTAPI NtCreateSection(
    PHANDLE SectionHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes, /* optional */
    PLARGE_INTEGER MaximumSize,          /* optional */
    ULONG SectionPageProtection,
    ULONG AllocationAttributes,          /* SEC_* */
    HANDLE FileHandle)                   /* optional */
    NTX_SERVICE(NtCreateSection);

NTSYSCALLAPI NTSTATUS NTAPI NtOpenSection(
    PHANDLE SectionHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes)
    NTX_SERVICE(NtOpenSection);

NTSYSCALLAPI NTSTATUS NTAPI NtMapViewOfSection(
    HANDLE SectionHandle,
    HANDLE ProcessHandle,
    PVOID *BaseAddress,
    ULONG_PTR ZeroBits,
    SIZE_T CommitSize,
    PLARGE_INTEGER SectionOffset,        /* optional */
    PSIZE_T ViewSize,
    SECTION_INHERIT InheritDisposition,
    ULONG AllocationType,
    ULONG Win32Protect)
    NTX_SERVICE(NtMapViewOfSection);

NTSYSCALLAPI NTSTATUS NTAPI NtUnmapViewOfSection(
    HANDLE ProcessHandle,
    PVOID BaseAddress)                   /* optional */
    NTX_SERVICE(NtUnmapViewOfSection);

NTSYSCALLAPI NTSTATUS NTAPI NtExtendSection(
    HANDLE SectionHandle,
    PLARGE_INTEGER NewSectionSize)
    NTX_SERVICE(NtExtendSection);

NTSYSCALLAPI NTSTATUS NTAPI NtAreMappedFilesTheSame(
    PVOID File1MappedAsAnImage,
    PVOID File2MappedAsFile)
    NTX_SERVICE(NtAreMappedFilesTheSame);

NTSYSCALLAPI NTSTATUS NTAPI NtQuerySection(
    HANDLE SectionHandle,
    SECTION_INFORMATION_CLASS SectionInformationClass,
    PVOID SectionInformation,
    SIZE_T SectionInformationLength,
    PSIZE_T ReturnLength)                /* optional */
    NTX_SERVICE(NtQuerySection);

/* Job objects */
NTSYSCALLAPI NTSTATUS NTAPI NtCreateJobObject(
    PHANDLE JobHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes)  /* optional */
    NTX_SERVICE(NtCreateJobObject);

NTSYSCALLAPI NTSTATUS NTAPI NtOpenJobObject(
    PHANDLE JobHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes)
    NTX_SERVICE(NtOpenJobObject);

NTSYSCALLAPI NTSTATUS NTAPI NtAssignProcessToJobObject(
    HANDLE JobHandle,
    HANDLE ProcessHandle)
    NTX_SERVICE(NtAssignProcessToJobObject);

NTSYSCALLAPI NTSTATUS NTAPI NtTerminateJobObject(
    HANDLE JobHandle,
    NTSTATUS ExitStatus)
    NTX_SERVICE(NtTerminateJobObject);

NTSYSCALLAPI NTSTATUS NTAPI NtIsProcessInJob(
    HANDLE ProcessHandle,
    HANDLE JobHandle)                    /* optional */
    NTX_SERVICE(NtIsProcessInJob);

NTSYSCALLAPI NTSTATUS NTAPI NtQueryInformationJobObject(
    HANDLE JobHandle,                    /* optional */
    JOBOBJECTINFOCLASS JobObjectInformationClass,
    PVOID JobObjectInformation,
    ULONG JobObjectInformationLength,
    PULONG ReturnLength)                 /* optional */
    NTX_SERVICE(NtQueryInformationJobObject);

NTSYSCALLAPI NTSTATUS NTAPI NtSetInformationJobObject(
    HANDLE JobHandle,
    JOBOBJECTINFOCLASS JobObjectInformationClass,
    PVOID JobObjectInformation,
    ULONG JobObjectInformationLength)
    NTX_SERVICE(NtSetInformationJobObject);

/* I/O completion objects */
NTSYSCALLAPI NTSTATUS NTAPI NtCreateIoCompletion(
    PHANDLE IoCompletionHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes,  /* optional */
    ULONG NumberOfConcurrentThreads)
    NTX_SERVICE(NtCreateIoCompletion);

NTSYSCALLAPI NTSTATUS NTAPI NtOpenIoCompletion(
    PHANDLE IoCompletionHandle,
    ACCESS_MASK DesiredAccess,
    POBJECT_ATTRIBUTES ObjectAttributes)
    NTX_SERVICE(NtOpenIoCompletion);

NTSYSCALLAPI NTSTATUS NTAPI NtSetIoCompletion(
    HANDLE IoCompletionHandle,
    PVOID KeyContext,
    PVOID ApcContext,                    /* optional */
    NTSTATUS IoStatus,
    ULONG_PTR IoStatusInformation)
    NTX_SERVICE(NtSetIoCompletion);

NTSYSCALLAPI NTSTATUS NTAPI NtRemoveIoCompletion(
    HANDLE IoCompletionHandle,
    PVOID *KeyContext,
    PVOID *ApcContext,
    PIO_STATUS_BLOCK IoStatusBlock,
    PLARGE_INTEGER Timeout)              /* optional */
    NTX_SERVICE(NtRemoveIoCompletion);

NTSYSCALLAPI NTSTATUS NTAPI NtRemoveIoCompletionEx(
    HANDLE IoCompletionHandle,
    PFILE_IO_COMPLETION_INFORMATION IoCompletionInformation,
    ULONG Count,
    PULONG NumEntriesRemoved,
    PLARGE_INTEGER Timeout,              /* optional */
    BOOLEAN Alertable)
    NTX_SERVICE(NtRemoveIoCompletionEx);

NTSYSCALLAPI NTSTATUS NTAPI NtQueryIoCompletion(
    HANDLE IoCompletionHandle,
    IO_COMPLETION_INFORMATION_CLASS IoCompletionInformationClass,
    PVOID IoCompletionInformation,
    ULONG IoCompletionInformationLength,
    PULONG ReturnLength)                 /* optional */
    NTX_SERVICE(NtQueryIoCompletion);

/* System information */
NTSYSCALLAPI NTSTATUS NTAPI NtQuerySystemInformation(
    SYSTEM_INFORMATION_CLASS SystemInformationClass,
    PVOID SystemInformation,
    ULONG SystemInformationLength,
    PULONG ReturnLength)                 /* optional */
    NTX_SERVICE(NtQuerySystemInformation);

NTSYSCALLAPI NTSTATUS NTAPI NtSetSystemInformation(
    SYSTEM_INFORMATION_CLASS SystemInformationClass,
    PVOID SystemInformation,
    ULONG SystemInformationLength)
    NTX_SERVICE(NtSetSystemInformation);

/*
 * PageFileName is a Linux path, absolute (2 to 128 UTF-16 units); the file
 * is created with mode 0600 if missing, must be a regular file nobody but
 * its owner may access, and has MinimumSize bytes of slots (not grown to
 * MaximumSize). Needs CAP_SYS_ADMIN (SeCreatePagefilePrivilege). Priority
 * is not used.
 */
NTSYSCALLAPI NTSTATUS NTAPI NtCreatePagingFile(
    PUNICODE_STRING PageFileName,
    PLARGE_INTEGER MinimumSize,
    PLARGE_INTEGER MaximumSize,
    ULONG Priority)
    NTX_SERVICE(NtCreatePagingFile);

/* Zw* names: in user mode they are the same services as the Nt* ones. */
#define ZwClose                     NtClose
#define ZwDuplicateObject           NtDuplicateObject
#define ZwWaitForSingleObject       NtWaitForSingleObject
#define ZwWaitForMultipleObjects    NtWaitForMultipleObjects
#define ZwDelayExecution            NtDelayExecution
#define ZwYieldExecution            NtYieldExecution
#define ZwCreateProcessEx           NtCreateProcessEx
#define ZwOpenProcess               NtOpenProcess
#define ZwTerminateProcess          NtTerminateProcess
#define ZwSuspendProcess            NtSuspendProcess
#define ZwResumeProcess             NtResumeProcess
#define ZwQueryInformationProcess   NtQueryInformationProcess
#define ZwSetInformationProcess     NtSetInformationProcess
#define ZwGetNextProcess            NtGetNextProcess
#define ZwGetNextThread             NtGetNextThread
#define ZwOpenThread                NtOpenThread
#define ZwTerminateThread           NtTerminateThread
#define ZwCreateThreadEx            NtCreateThreadEx
#define ZwSuspendThread             NtSuspendThread
#define ZwResumeThread              NtResumeThread
#define ZwAlertResumeThread         NtAlertResumeThread
#define ZwGetContextThread          NtGetContextThread
#define ZwSetContextThread          NtSetContextThread
#define ZwQueryInformationThread    NtQueryInformationThread
#define ZwSetInformationThread      NtSetInformationThread
#define ZwAlertThread               NtAlertThread
#define ZwTestAlert                 NtTestAlert
#define ZwQueueApcThread            NtQueueApcThread
#define ZwAllocateVirtualMemory     NtAllocateVirtualMemory
#define ZwFreeVirtualMemory         NtFreeVirtualMemory
#define ZwProtectVirtualMemory      NtProtectVirtualMemory
#define ZwQueryVirtualMemory        NtQueryVirtualMemory
#define ZwReadVirtualMemory         NtReadVirtualMemory
#define ZwWriteVirtualMemory        NtWriteVirtualMemory
#define ZwLockVirtualMemory         NtLockVirtualMemory
#define ZwUnlockVirtualMemory       NtUnlockVirtualMemory
#define ZwFlushVirtualMemory        NtFlushVirtualMemory
#define ZwGetWriteWatch             NtGetWriteWatch
#define ZwResetWriteWatch           NtResetWriteWatch
#define ZwCreateSection             NtCreateSection
#define ZwOpenSection               NtOpenSection
#define ZwMapViewOfSection          NtMapViewOfSection
#define ZwUnmapViewOfSection        NtUnmapViewOfSection
#define ZwExtendSection             NtExtendSection
#define ZwAreMappedFilesTheSame     NtAreMappedFilesTheSame
#define ZwQuerySection              NtQuerySection
#define ZwCreateJobObject           NtCreateJobObject
#define ZwOpenJobObject             NtOpenJobObject
#define ZwAssignProcessToJobObject  NtAssignProcessToJobObject
#define ZwTerminateJobObject        NtTerminateJobObject
#define ZwIsProcessInJob            NtIsProcessInJob
#define ZwQueryInformationJobObject NtQueryInformationJobObject
#define ZwSetInformationJobObject   NtSetInformationJobObject
#define ZwCreateIoCompletion        NtCreateIoCompletion
#define ZwOpenIoCompletion          NtOpenIoCompletion
#define ZwSetIoCompletion           NtSetIoCompletion
#define ZwRemoveIoCompletion        NtRemoveIoCompletion
#define ZwRemoveIoCompletionEx      NtRemoveIoCompletionEx
#define ZwQueryIoCompletion         NtQueryIoCompletion
#define ZwQuerySystemInformation    NtQuerySystemInformation
#define ZwSetSystemInformation      NtSetSystemInformation
#define ZwCreatePagingFile          NtCreatePagingFile

/* ------------------------------------------------------------------------ */
/* libntexec extensions (not Windows APIs)                                  */
/* ------------------------------------------------------------------------ */

/*
 * Opens the ntexec device (every call does so on first use; this one only
 * reports the outcome).  Returns STATUS_SUCCESS, or STATUS_NO_SUCH_DEVICE
 * when the kernel module is not loaded.  Async-signal-safe.
 */
NTSTATUS NtxInitialize(void);

/*
 * File descriptor of the ntexec device that libntexec uses (opened on first
 * use, as by NtxInitialize()), or -1 when the module is not loaded.
 */
int NtxDeviceFd(void);

/* Symbolic name of Status, e.g. "STATUS_ACCESS_VIOLATION". */
const char *NtxStatusName(NTSTATUS Status);

/*
 * The last memory exception of the calling thread.  Memory that ntexec
 * manages raises SIGSEGV where Windows raises STATUS_GUARD_PAGE_VIOLATION or
 * STATUS_ACCESS_VIOLATION; a SIGSEGV handler calls this to learn which.
 * *Access is ExceptionInformation[0] (0 read, 1 write, 8 execute) and
 * *Address ExceptionInformation[1] (the faulting address).  Returns
 * STATUS_SUCCESS with *Code 0 when there was no such exception since the
 * last call: reading the record clears it.  Access and Address may be NULL.
 * The call is async-signal-safe, also as the first call of libntexec in the
 * process or in a fork()ed child (it then opens the device, without a lock
 * or an allocation), and errno is preserved.
 */
NTSTATUS NtxGetLastException(NTSTATUS *Code, ULONG *Access, PVOID *Address);

/*
 * An NT file handle for a Linux file descriptor of the caller, for
 * NtCreateSection's FileHandle.  The handle holds the open file itself: it
 * stays valid and bound to that file after Fd is closed or reused.
 * DesiredAccess takes FILE_* rights, generic rights and MAXIMUM_ALLOWED; it
 * may not exceed the descriptor's open mode (FILE_READ_DATA and
 * FILE_EXECUTE need it open for reading, FILE_EXECUTE also a mount without
 * noexec; the write rights need it open for writing): else
 * STATUS_ACCESS_DENIED.  A descriptor that is not open (or O_PATH) gives
 * STATUS_INVALID_HANDLE.  NtClose closes the handle, not the descriptor.
 */
NTSTATUS NtxHandleFromFd(int Fd, ACCESS_MASK DesiredAccess, PHANDLE FileHandle);

/* ------------------------------------------------------------------------ */
/* Calling-convention check (see "Calling convention" at the top)           */
/* ------------------------------------------------------------------------ */

#ifdef __cplusplus
extern "C++" {
template <typename T, typename U> struct NtxSameType {
    static constexpr bool value = false;
};
template <typename T> struct NtxSameType<T, T> {
    static constexpr bool value = true;
};
}
#define NTX_ABI_CHECK(fn, type, msg) \
    static_assert(NtxSameType<decltype(&fn), type>::value, msg)
#else
#define NTX_ABI_CHECK(fn, type, msg) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&fn), type), msg)
#endif

/* Every service has the same NTSYSCALLAPI and NTAPI: one of them tells. */
#ifdef NTEXEC_MS_ABI
NTX_ABI_CHECK(NtClose, NTSTATUS (NTX_SERVICE_ABI *)(HANDLE),
    "<ntexec/nt.h>: with NTEXEC_MS_ABI the Nt* functions are libntexec's "
    "ms_abi entry points, but NTAPI or NTSYSCALLAPI is predefined as "
    "something else: leave NTAPI undefined or define it as "
    "__attribute__((ms_abi))");
#else
NTX_ABI_CHECK(NtClose, NTSTATUS (NTX_SERVICE_ABI *)(HANDLE),
    "<ntexec/nt.h>: libntexec's Nt* functions use the System V AMD64 "
    "calling convention, but NTAPI or NTSYSCALLAPI is predefined to change "
    "it (e.g. as __attribute__((ms_abi))), or -mabi=ms is in effect: leave "
    "NTAPI undefined or empty, or define NTEXEC_MS_ABI for libntexec's "
    "ms_abi entry points");
#endif
NTX_ABI_CHECK(NtxGetLastException,
    NTSTATUS (NTX_SYSV_ABI *)(NTSTATUS *, ULONG *, PVOID *),
    "<ntexec/nt.h>: -mabi=ms is in effect, but libntexec's functions use "
    "the System V AMD64 calling convention");

#undef NTX_ABI_CHECK
#undef NTX_NOT_IMPLEMENTED
#undef NTX_SERVICE
#undef NTX_SERVICE_ABI
#undef NTX_SYSV_ABI

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NTEXEC_NT_H */
