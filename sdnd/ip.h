/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4/IPv6 addresses and prefixes as plain values. */
#ifndef SDND_IP_H
#define SDND_IP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define SDND_IP_STRLEN 46 /* INET6_ADDRSTRLEN */
#define SDND_PREFIX_STRLEN (SDND_IP_STRLEN + 4)

struct sdnd_ip {
	int family;          /* AF_INET, AF_INET6, or 0 for none */
	uint8_t addr[16];    /* network byte order; IPv4 uses the first 4 bytes */
};

/* Parse a literal IPv4 or IPv6 address. Returns 0 or -EINVAL. */
int sdnd_ip_parse(const char *s, struct sdnd_ip *ret);
/* Parse "addr/len". Returns 0 or -EINVAL (bad address, missing or bad length). */
int sdnd_prefix_parse(const char *s, struct sdnd_ip *ret_ip, uint8_t *ret_len);
/* Format into buf (at least SDND_IP_STRLEN); returns buf. */
const char *sdnd_ip_str(const struct sdnd_ip *ip, char *buf);
size_t sdnd_ip_len(const struct sdnd_ip *ip);
bool sdnd_ip_eq(const struct sdnd_ip *a, const struct sdnd_ip *b);
/* true when ip lies inside net/len (same family). */
bool sdnd_ip_in_prefix(const struct sdnd_ip *ip, const struct sdnd_ip *net, uint8_t len);
/* true when host bits of net/len are zero. */
bool sdnd_prefix_is_network(const struct sdnd_ip *net, uint8_t len);

#define SDND_MAC_STRLEN 18
/* Format a MAC address as "bc:24:11:00:00:01" into buf (SDND_MAC_STRLEN); returns buf. */
const char *sdnd_mac_str(const uint8_t *mac, char *buf);
/* Parse "xx:xx:xx:xx:xx:xx" (hex digits of either case) into mac[6]. 0 or -EINVAL. */
int sdnd_mac_parse(const char *s, uint8_t *mac);

#endif
