// SPDX-License-Identifier: GPL-2.0-or-later
#include "ip.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sdnd_ip_parse(const char *s, struct sdnd_ip *ret)
{
	struct sdnd_ip ip = { 0 };

	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, ip.addr) != 1)
			return -EINVAL;
		ip.family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, ip.addr) != 1)
			return -EINVAL;
		ip.family = AF_INET;
	}
	*ret = ip;
	return 0;
}

int sdnd_prefix_parse(const char *s, struct sdnd_ip *ret_ip, uint8_t *ret_len)
{
	char buf[SDND_PREFIX_STRLEN];
	struct sdnd_ip ip;
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long len;
	size_t n;

	if (!slash || !slash[1])
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sdnd_ip_parse(buf, &ip) < 0)
		return -EINVAL;
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || *end || len > (ip.family == AF_INET ? 32u : 128u))
		return -EINVAL;
	*ret_ip = ip;
	*ret_len = (uint8_t)len;
	return 0;
}

const char *sdnd_ip_str(const struct sdnd_ip *ip, char *buf)
{
	if (!ip->family || !inet_ntop(ip->family, ip->addr, buf, SDND_IP_STRLEN))
		strcpy(buf, "none");
	return buf;
}

size_t sdnd_ip_len(const struct sdnd_ip *ip)
{
	return ip->family == AF_INET6 ? 16 : ip->family == AF_INET ? 4 : 0;
}

bool sdnd_ip_eq(const struct sdnd_ip *a, const struct sdnd_ip *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sdnd_ip_len(a));
}

static bool prefix_bits_eq(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;

	if (memcmp(a, b, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a[full] & mask) != (b[full] & mask))
			return false;
	}
	return true;
}

bool sdnd_ip_in_prefix(const struct sdnd_ip *ip, const struct sdnd_ip *net, uint8_t len)
{
	return ip->family == net->family && prefix_bits_eq(ip->addr, net->addr, len);
}

bool sdnd_prefix_is_network(const struct sdnd_ip *net, uint8_t len)
{
	unsigned int bits = (unsigned int)sdnd_ip_len(net) * 8, i;

	for (i = len; i < bits; i++)
		if (net->addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

const char *sdnd_mac_str(const uint8_t *mac, char *buf)
{
	snprintf(buf, SDND_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	return buf;
}

int sdnd_mac_parse(const char *s, uint8_t *mac)
{
	uint8_t m[6];
	int i;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		const char *p = s + i * 3;

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    (i < 5 && p[2] != ':'))
			return -EINVAL;
		m[i] = (uint8_t)strtoul((char[3]){ p[0], p[1], '\0' }, NULL, 16);
	}
	memcpy(mac, m, 6);
	return 0;
}
