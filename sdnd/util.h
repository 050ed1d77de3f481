/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by every directory: cleanup attributes, array growth, hashing. */
#ifndef SDND_UTIL_H
#define SDND_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How sdnd writes JSON for people and programs: indented, "/" as it is. */
#define SDND_JSON_FLAGS                                                                            \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Take ownership of a pointer out of a cleanup variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tfd = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_tfd;                                                                              \
	})

/*
 * Grow *arr (element size elsz, capacity *cap) so that it can hold need elements.
 * Returns 0 or -ENOMEM; on failure *arr is untouched.
 */
static inline int sdnd_grow(void *arr, size_t *cap, size_t need, size_t elsz)
{
	void **p = arr;
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*p, ncap * elsz);
	if (!n)
		return -ENOMEM;
	memset((char *)n + *cap * elsz, 0, (ncap - *cap) * elsz);
	*p = n;
	*cap = ncap;
	return 0;
}

/* FNV-1a over a byte string. */
static inline uint32_t sdnd_hash(const void *data, size_t len)
{
	const unsigned char *s = data;
	uint32_t h = 2166136261u;

	while (len--) {
		h ^= *s++;
		h *= 16777619u;
	}
	return h;
}

static inline uint32_t sdnd_hash_str(const char *s)
{
	return sdnd_hash(s, strlen(s));
}

#define SDND_FNV64_INIT 0xcbf29ce484222325ull

/* 64-bit FNV-1a of a byte string, continuing from h (SDND_FNV64_INIT to start). */
static inline uint64_t sdnd_fnv64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Copy a NUL-terminated string into a fixed buffer; true when it fitted. */
static inline bool sdnd_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

#endif
