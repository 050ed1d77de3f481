// SPDX-License-Identifier: GPL-2.0-or-later
#include "sdnd/state.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "sdnd/util.h"

int sdnd_write_atomic(const char *path, const char *text)
{
	_cleanup_free_ char *tmp = NULL;
	size_t len = strlen(text), off = 0;
	int fd, r = 0;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	/* text files end with a newline */
	if (!r && (!len || text[len - 1] != '\n') && write(fd, "\n", 1) != 1)
		r = -errno;
	close(fd);
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

int sdnd_mkdir_p(const char *path, unsigned int mode)
{
	_cleanup_free_ char *p = strdup(path);
	char *s;

	if (!p)
		return -ENOMEM;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int sdnd_read_file(const char *path, char **ret_buf, size_t *ret_len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t n;

		if (sdnd_grow(&buf, &cap, len + 65536 + 1, 1) < 0)
			return -ENOMEM;
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len > 64 * 1024 * 1024)
			return -EFBIG;
	}
	if (ferror(f))
		return -EIO;
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}
