/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the tools share: opening the device, UTF-16 names to UTF-8, JSON
 * strings and numbers.
 */
#ifndef NTEXEC_TOOL_UTIL_H
#define NTEXEC_TOOL_UTIL_H

#include <stdio.h>

#include <ntexec/nt.h>

/* UTF-16 to UTF-8 (unpaired surrogates become U+FFFD). */
static inline void utf8_of(const WCHAR *w, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < cap; i++) {
		unsigned long c = w[i];

		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && w[i + 1] >= 0xDC00 &&
		    w[i + 1] <= 0xDFFF) {
			c = 0x10000 + ((c - 0xD800) << 10) + (w[i + 1] - 0xDC00);
			i++;
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = 0xFFFD;
		}
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xC0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xE0 | (c >> 12));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (c & 0x3F));
		} else {
			out[o++] = (char)(0xF0 | (c >> 18));
			out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	out[o] = '\0';
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static inline void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Open /dev/ntexec; on failure say why, as @tool. Return: 0 or -1. */
static inline int tool_open_device(const char *tool)
{
	if (!NtxInitialize())
		return 0;
	fprintf(stderr, "%s: /dev/ntexec is not available (is ntexec.ko loaded?)\n", tool);
	return -1;
}

/* ,"@key":@v (without the comma when !@comma). */
static inline void json_u64(const char *key, unsigned long long v, int comma)
{
	printf("%s\"%s\":%llu", comma ? "," : "", key, v);
}

#endif /* NTEXEC_TOOL_UTIL_H */
