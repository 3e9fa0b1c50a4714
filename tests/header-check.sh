#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Compile-time tests of <ntexec/nt.h>, run by `make user` (and so by
# `make check`): what must compile, link or fail to compile, in C and C++,
# with $CC/$CXX and, when installed, with clang/clang++ too.
#
#  - The header compiles as C (-std=gnu11 and c11) and C++ (-std=c++17 and
#    c++11), -Wall -Wextra -Wpedantic -Werror; WCHAR is u"..."'s element
#    type in both.
#  - Every service the header declares as implemented (NTX_SERVICE) links
#    against libntexec.a, in the System V mode and with NTEXEC_MS_ABI (then
#    through the NtxMs_* entry points, whose type must be ms_abi); every
#    Nt* function libntexec.a defines is declared as implemented.
#  - Using a service declared NTX_NOT_IMPLEMENTED is a compile-time error
#    that says so, for each of them, in C and C++ (skipped when every
#    declared service is implemented, as since the job services).
#  - NTAPI predefined as empty or sysv_abi is accepted; NTAPI or
#    NTSYSCALLAPI predefined as ms_abi, or -mabi=ms (gcc), is an error with
#    the header's message; so is an NTAPI that is not ms_abi with
#    NTEXEC_MS_ABI, and including the header in both modes.
#
# Each expected failure must carry the header's own message, so a probe
# that fails for an unrelated reason does not pass.
#
# Usage: tests/header-check.sh INCLUDE_DIR LIBNTEXEC_A WORK_DIR
set -u

inc=$1
lib=$2
work=$3
hdr=$inc/ntexec/nt.h
CC=${CC:-cc}
CXX=${CXX:-g++}
CFLAGS_CHECK="-std=gnu11 -Wall -Wextra -Wpedantic -Werror -I$inc"
CXXFLAGS_CHECK="-std=c++17 -Wall -Wextra -Wpedantic -Werror -I$inc"
n=0
failed=0

mkdir -p "$work"

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
	[ -s "$work/out" ] && sed 's/^/# /' "$work/out" | head -n 20
}

# The services, from the declarations: "yes NAME" when implemented,
# "no NAME" when declared NTX_NOT_IMPLEMENTED.
awk '
/^NTSYSCALLAPI NTSTATUS NTAPI Nt[A-Za-z]*\(/ {
	match($0, /Nt[A-Za-z]*\(/)
	name = substr($0, RSTART, RLENGTH - 1)
}
name != "" && /NTX_SERVICE\(/ { print "yes", name; name = "" }
name != "" && /NTX_NOT_IMPLEMENTED\(/ { print "no", name; name = "" }
' "$hdr" >"$work/services"
decls=$(grep -c '^NTSYSCALLAPI NTSTATUS NTAPI Nt' "$hdr")
yes=$(awk '$1 == "yes" { print $2 }' "$work/services")
no=$(awk '$1 == "no" { print $2 }' "$work/services")
: >"$work/out"
if [ "$decls" -gt 0 ] && [ "$(wc -l <"$work/services")" -eq "$decls" ] &&
	[ -n "$yes" ]; then
	ok "each of the $decls services is marked implemented or not implemented"
else
	not_ok "each of the $decls services is marked implemented or not implemented"
fi

# What libntexec.a defines is declared as implemented, and nothing else is.
nm -g --defined-only "$lib" 2>/dev/null | awk '$3 ~ /^Nt[A-Z]/ { print $3 }' |
	sort >"$work/defined"
echo "$yes" | sort >"$work/declared"
if diff "$work/declared" "$work/defined" >"$work/out"; then
	ok "libntexec.a defines exactly the $(wc -l <"$work/defined") services declared implemented"
else
	not_ok "libntexec.a defines exactly the services declared implemented (< declared, > defined)"
fi

# A translation unit that uses WCHAR strings and refers to every
# implemented service, by its Nt* and Zw* names.
gen_uses() {
	cat <<'EOF'
#include <ntexec/nt.h>
#ifdef __cplusplus
#include <string>
#include <type_traits>
static_assert(std::is_same<WCHAR, char16_t>::value, "WCHAR is char16_t in C++");
static_assert(std::is_same<std::remove_reference<decltype(u"x"[0])>::type,
			   const WCHAR>::value, "u\"\" is a WCHAR string");
#define NTT_SAME(a, b) std::is_same<a, b>::value
#define NTT_TYPEOF(x) decltype(x)
#define NTT_ASSERT static_assert
#define NTT_ALIGNOF alignof
typedef void (*ntt_fn)(void);
#define NTT_FN(f) reinterpret_cast<ntt_fn>(&f)
#else
#include <stdint.h>
_Static_assert(_Generic(u"x"[0], WCHAR: 1, default: 0), "u\"\" is a WCHAR string");
_Static_assert(_Generic((WCHAR)0, uint16_t: 1, default: 0), "WCHAR is uint16_t in C");
#define NTT_SAME(a, b) __builtin_types_compatible_p(a, b)
#define NTT_TYPEOF(x) __typeof__(x)
#define NTT_ASSERT _Static_assert
#define NTT_ALIGNOF _Alignof
typedef void (*ntt_fn)(void);
#define NTT_FN(f) ((ntt_fn)&f)
#endif
NTT_ASSERT(sizeof(WCHAR) == 2 && NTT_ALIGNOF(WCHAR) == 2, "WCHAR is 2 bytes");
NTT_ASSERT(sizeof(UNICODE_STRING) == 16, "UNICODE_STRING");
#ifdef NTEXEC_MS_ABI
NTT_ASSERT(NTT_SAME(NTT_TYPEOF(&NtClose), NTSTATUS (__attribute__((ms_abi)) *)(HANDLE)),
	   "NTEXEC_MS_ABI declares ms_abi services");
#else
NTT_ASSERT(NTT_SAME(NTT_TYPEOF(&NtClose), NTSTATUS (*)(HANDLE)),
	   "the services are System V functions");
#endif

static UNICODE_STRING name = RTL_CONSTANT_STRING(u"\\KnownDlls\\ntdll.dll");
static PCWSTR text = u"ntexec";

ntt_fn ntt_services[] = {
EOF
	for s in $yes; do
		printf '\tNTT_FN(%s), NTT_FN(Zw%s),\n' "$s" "${s#Nt}"
	done
	cat <<'EOF'
};

int main(void)
{
	return name.Length != 38 || name.MaximumLength != 40 || text[5] != u'c' ||
		!ntt_services[0];
}
EOF
}

# A translation unit that refers to every service not implemented.
gen_unavailable() {
	echo '#include <ntexec/nt.h>'
	echo 'typedef void (*ntt_fn)(void);'
	echo 'ntt_fn ntt_unavailable(int i);'
	echo 'ntt_fn ntt_unavailable(int i)'
	echo '{'
	echo '	switch (i) {'
	i=0
	for s in $no; do
		printf '\tcase %d: return (ntt_fn)&%s;\n' $i "$s"
		i=$((i + 1))
	done
	echo '	}'
	echo '	return 0;'
	echo '}'
}

# A call of one implemented service: compiles and links.
gen_call_available() {
	cat <<'EOF'
#include <ntexec/nt.h>
int main(void)
{
	return NtClose(NtCurrentProcess()) == STATUS_SUCCESS;
}
EOF
}

# probe NAME LANG(c|c++) COMPILER EXPECT(link|compile|fail:REGEX) SOURCE_FN [FLAGS...]
probe() {
	name=$1 lang=$2 cc=$3 expect=$4 gen=$5
	shift 5
	src=$work/probe.c
	flags=$CFLAGS_CHECK
	if [ "$lang" = c++ ]; then
		src=$work/probe.cpp
		flags=$CXXFLAGS_CHECK
	fi
	$gen >"$src"
	case $expect in
	link)
		# shellcheck disable=SC2086
		$cc $flags "$@" -o "$work/probe" "$src" "$lib" -lpthread >"$work/out" 2>&1 &&
			ok "$name" || not_ok "$name"
		;;
	compile)
		# shellcheck disable=SC2086
		$cc $flags "$@" -c -o "$work/probe.o" "$src" >"$work/out" 2>&1 &&
			ok "$name" || not_ok "$name"
		;;
	fail:*)
		re=${expect#fail:}
		# shellcheck disable=SC2086
		if $cc $flags "$@" -c -o "$work/probe.o" "$src" >"$work/out" 2>&1; then
			echo "compiled, but must not" >>"$work/out"
			not_ok "$name"
		elif grep -qE "$re" "$work/out"; then
			ok "$name"
		else
			not_ok "$name (no /$re/ in the diagnostics)"
		fi
		;;
	esac
}

# Every unimplemented service is named in an "unavailable" error.
probe_unavailable() {
	lang=$1 cc=$2
	src=$work/probe.c
	flags=$CFLAGS_CHECK
	if [ "$lang" = c++ ]; then
		src=$work/probe.cpp
		flags=$CXXFLAGS_CHECK
	fi
	# clang stops at 20 errors unless told otherwise.
	is_clang "$cc" && flags="$flags -ferror-limit=0"
	gen_unavailable >"$src"
	# shellcheck disable=SC2086
	if $cc $flags -c -o "$work/probe.o" "$src" >"$work/out" 2>&1; then
		echo "compiled, but must not" >>"$work/out"
		not_ok "$cc $lang: using an unimplemented service is an error"
		return
	fi
	missing=
	for s in $no; do
		grep -E "$s[^A-Za-z].*is unavailable: not implemented by libntexec yet" \
			"$work/out" >/dev/null || missing="$missing $s"
	done
	if [ -z "$missing" ]; then
		ok "$cc $lang: each of the $(echo $no | wc -w) unimplemented services is a compile-time error"
	else
		not_ok "$cc $lang: each unimplemented service is a compile-time error (not:$missing)"
	fi
}

is_clang() {
	$1 -dM -E -x c /dev/null 2>/dev/null | grep -q __clang__
}

gen_double_include() {
	cat <<'EOF'
#include <ntexec/nt.h>
#define NTEXEC_MS_ABI
#include <ntexec/nt.h>
EOF
}

sysv_msg='use the System V AMD64 calling convention'
ms_msg='with NTEXEC_MS_ABI the Nt\* functions are libntexec'

compilers="$CC:$CXX"
if command -v clang >/dev/null 2>&1 && command -v clang++ >/dev/null 2>&1; then
	compilers="$compilers clang:clang++"
fi
for pair in $compilers; do
	c=${pair%%:*}
	cxx=${pair#*:}
	for lang in c c++; do
		cc=$c
		[ "$lang" = c++ ] && cc=$cxx
		probe "$cc $lang: WCHAR strings, every implemented service links" \
			$lang "$cc" link gen_uses
		if [ "$lang" = c ]; then
			probe "$cc $lang: ... also as ISO C11" $lang "$cc" link gen_uses -std=c11
		else
			probe "$cc $lang: ... also as C++11" $lang "$cc" link gen_uses -std=c++11
		fi
		probe "$cc $lang: NTEXEC_MS_ABI: ms_abi services, every one links" \
			$lang "$cc" link gen_uses -DNTEXEC_MS_ABI
		probe "$cc $lang: NTEXEC_MS_ABI with NTAPI predefined as ms_abi" \
			$lang "$cc" compile gen_call_available \
			-DNTEXEC_MS_ABI '-DNTAPI=__attribute__((ms_abi))'
		probe "$cc $lang: calling an implemented service compiles and links" \
			$lang "$cc" link gen_call_available
		if [ -n "$no" ]; then
			probe_unavailable $lang "$cc"
		else
			ok "$cc $lang: # SKIP every declared service is implemented"
		fi
		probe "$cc $lang: NTAPI predefined empty is accepted" \
			$lang "$cc" link gen_call_available -DNTAPI=
		probe "$cc $lang: NTAPI predefined as sysv_abi is accepted" \
			$lang "$cc" link gen_call_available '-DNTAPI=__attribute__((sysv_abi))'
		probe "$cc $lang: NTAPI predefined as ms_abi is an error" \
			$lang "$cc" "fail:$sysv_msg" gen_call_available \
			'-DNTAPI=__attribute__((ms_abi))'
		probe "$cc $lang: NTSYSCALLAPI predefined as ms_abi is an error" \
			$lang "$cc" "fail:$sysv_msg" gen_call_available \
			'-DNTSYSCALLAPI=__attribute__((ms_abi))'
		probe "$cc $lang: NTEXEC_MS_ABI with NTAPI predefined empty is an error" \
			$lang "$cc" "fail:$ms_msg" gen_call_available -DNTEXEC_MS_ABI -DNTAPI=
		probe "$cc $lang: including the header in both modes is an error" \
			$lang "$cc" "fail:included both with and without NTEXEC_MS_ABI" \
			gen_double_include
		# clang accepts -mabi=ms but keeps the System V convention.
		if ! is_clang "$cc"; then
			probe "$cc $lang: -mabi=ms is an error" \
				$lang "$cc" "fail:$sysv_msg" gen_call_available -mabi=ms
		fi
	done
done

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
