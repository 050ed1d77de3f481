// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What names stand for in rules: macros (as Proxmox VE defines them), IP protocols, ICMP and
 * ICMPv6 types, services (ports). Pure tables and lookups: no I/O, no allocation.
 */
#include "firewall/fw.h"

#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "sdnd/util.h"

/* ---- macros ------------------------------------------------------------------------------- */

/* clang-format off */
#define TCP(lo, hi) { .proto = IPPROTO_TCP, .dport = { lo, hi }, .icmp_type = -1 }
#define UDP(lo, hi) { .proto = IPPROTO_UDP, .dport = { lo, hi }, .icmp_type = -1 }
#define UDP_S(lo, hi, slo, shi)                                                                    \
	{ .proto = IPPROTO_UDP, .dport = { lo, hi }, .sport = { slo, shi }, .icmp_type = -1 }
#define ICMP(t) { .proto = IPPROTO_ICMP, .icmp_type = t }
#define ICMP6(t) { .proto = IPPROTO_ICMPV6, .icmp_type = t }
#define PROTO(p) { .proto = p, .icmp_type = -1 }
#define IPPROTO_OSPF 89

static const struct fw_macro_entry m_Amanda[] = { UDP(10080, 10080), TCP(10080, 10080) };
static const struct fw_macro_entry m_Auth[] = { TCP(113, 113) };
static const struct fw_macro_entry m_BGP[] = { TCP(179, 179) };
static const struct fw_macro_entry m_BitTorrent[] = { TCP(6881, 6889), UDP(6881, 6881) };
static const struct fw_macro_entry m_BitTorrent32[] = { TCP(6881, 6999), UDP(6881, 6881) };
static const struct fw_macro_entry m_Ceph[] = { TCP(6789, 6789), TCP(3300, 3300), TCP(6800, 7300) };
static const struct fw_macro_entry m_Citrix[] = {
	TCP(1494, 1494),
	UDP(1604, 1604),
	TCP(2598, 2598),
};
static const struct fw_macro_entry m_CVS[] = { TCP(2401, 2401) };
static const struct fw_macro_entry m_DAAP[] = { TCP(3689, 3689), UDP(3689, 3689) };
static const struct fw_macro_entry m_DCC[] = { TCP(6277, 6277) };
static const struct fw_macro_entry m_DHCPfwd[] = { UDP_S(67, 68, 67, 68) };
static const struct fw_macro_entry m_DHCPv6[] = { UDP_S(546, 547, 546, 547) };
static const struct fw_macro_entry m_Distcc[] = { TCP(3632, 3632) };
static const struct fw_macro_entry m_DNS[] = { UDP(53, 53), TCP(53, 53) };
static const struct fw_macro_entry m_Finger[] = { TCP(79, 79) };
static const struct fw_macro_entry m_FTP[] = { TCP(21, 21) };
static const struct fw_macro_entry m_Git[] = { TCP(9418, 9418) };
static const struct fw_macro_entry m_GNUnet[] = {
	TCP(2086, 2086),
	UDP(2086, 2086),
	TCP(1080, 1080),
	UDP(1080, 1080),
};
static const struct fw_macro_entry m_GRE[] = { PROTO(IPPROTO_GRE) };
static const struct fw_macro_entry m_HKP[] = { TCP(11371, 11371) };
static const struct fw_macro_entry m_HTTP[] = { TCP(80, 80) };
static const struct fw_macro_entry m_HTTPS[] = { TCP(443, 443) };
static const struct fw_macro_entry m_ICPV2[] = { UDP(3130, 3130) };
static const struct fw_macro_entry m_ICQ[] = { TCP(5190, 5190) };
static const struct fw_macro_entry m_IMAP[] = { TCP(143, 143) };
static const struct fw_macro_entry m_IMAPS[] = { TCP(993, 993) };
static const struct fw_macro_entry m_IPIP[] = { PROTO(IPPROTO_IPIP) };
static const struct fw_macro_entry m_IPsec[] = { UDP_S(500, 500, 500, 500), PROTO(IPPROTO_ESP) };
static const struct fw_macro_entry m_IPsecah[] = { UDP_S(500, 500, 500, 500), PROTO(IPPROTO_AH) };
static const struct fw_macro_entry m_IPsecnat[] = {
	UDP(500, 500),
	UDP(4500, 4500),
	PROTO(IPPROTO_ESP),
};
static const struct fw_macro_entry m_IRC[] = { TCP(6667, 6667) };
static const struct fw_macro_entry m_Jetdirect[] = { TCP(9100, 9100) };
static const struct fw_macro_entry m_L2TP[] = { UDP(1701, 1701) };
static const struct fw_macro_entry m_LDAP[] = { TCP(389, 389) };
static const struct fw_macro_entry m_LDAPS[] = { TCP(636, 636) };
static const struct fw_macro_entry m_Mail[] = { TCP(25, 25), TCP(465, 465), TCP(587, 587) };
static const struct fw_macro_entry m_MSNP[] = { TCP(1863, 1863) };
static const struct fw_macro_entry m_MSSQL[] = { TCP(1433, 1433) };
static const struct fw_macro_entry m_Munin[] = { TCP(4949, 4949) };
static const struct fw_macro_entry m_MySQL[] = { TCP(3306, 3306) };
static const struct fw_macro_entry m_NeighborDiscovery[] = {
	ICMP6(133),
	ICMP6(134),
	ICMP6(135),
	ICMP6(136),
	ICMP6(137),
};
static const struct fw_macro_entry m_NNTP[] = { TCP(119, 119) };
static const struct fw_macro_entry m_NNTPS[] = { TCP(563, 563) };
static const struct fw_macro_entry m_NTP[] = { UDP(123, 123) };
static const struct fw_macro_entry m_OpenVPN[] = { UDP(1194, 1194) };
static const struct fw_macro_entry m_OSPF[] = { PROTO(89) };
static const struct fw_macro_entry m_PCA[] = { UDP(5632, 5632), TCP(5631, 5631) };
static const struct fw_macro_entry m_Ping[] = { ICMP(8) };
static const struct fw_macro_entry m_PMG[] = { TCP(8006, 8006) };
static const struct fw_macro_entry m_POP3[] = { TCP(110, 110) };
static const struct fw_macro_entry m_POP3S[] = { TCP(995, 995) };
static const struct fw_macro_entry m_PostgreSQL[] = { TCP(5432, 5432) };
static const struct fw_macro_entry m_PPtP[] = { PROTO(IPPROTO_GRE), TCP(1723, 1723) };
static const struct fw_macro_entry m_Printer[] = { TCP(515, 515) };
static const struct fw_macro_entry m_Razor[] = { TCP(2703, 2703) };
static const struct fw_macro_entry m_Rdate[] = { TCP(37, 37) };
static const struct fw_macro_entry m_RDP[] = { TCP(3389, 3389) };
static const struct fw_macro_entry m_RIP[] = { UDP(520, 520) };
static const struct fw_macro_entry m_RNDC[] = { TCP(953, 953) };
static const struct fw_macro_entry m_Rsync[] = { TCP(873, 873) };
static const struct fw_macro_entry m_SANE[] = { TCP(6566, 6566) };
static const struct fw_macro_entry m_SMB[] = {
	UDP(135, 135),
	UDP(445, 445),
	UDP(137, 139),
	UDP_S(1024, 65535, 137, 137),
	TCP(135, 135),
	TCP(139, 139),
	TCP(445, 445),
};
static const struct fw_macro_entry m_SMBswat[] = { TCP(901, 901) };
static const struct fw_macro_entry m_SMTP[] = { TCP(25, 25) };
static const struct fw_macro_entry m_SMTPS[] = { TCP(465, 465) };
static const struct fw_macro_entry m_SNMP[] = { UDP(161, 162), TCP(161, 161) };
static const struct fw_macro_entry m_SPAMD[] = { TCP(783, 783) };
static const struct fw_macro_entry m_SPICEproxy[] = { TCP(3128, 3128) };
static const struct fw_macro_entry m_Squid[] = { TCP(3128, 3128) };
static const struct fw_macro_entry m_SSH[] = { TCP(22, 22) };
static const struct fw_macro_entry m_Submission[] = { TCP(587, 587) };
static const struct fw_macro_entry m_SVN[] = { TCP(3690, 3690) };
static const struct fw_macro_entry m_Syslog[] = { UDP(514, 514), TCP(514, 514) };
static const struct fw_macro_entry m_Telnet[] = { TCP(23, 23) };
static const struct fw_macro_entry m_Telnets[] = { TCP(992, 992) };
static const struct fw_macro_entry m_TFTP[] = { UDP(69, 69) };
static const struct fw_macro_entry m_Time[] = { TCP(37, 37) };
static const struct fw_macro_entry m_Trcrt[] = { UDP(33434, 33524), ICMP(8) };
static const struct fw_macro_entry m_VNC[] = { TCP(5900, 5999) };
static const struct fw_macro_entry m_VNCL[] = { TCP(5500, 5500) };
static const struct fw_macro_entry m_Web[] = { TCP(80, 80), TCP(443, 443) };
static const struct fw_macro_entry m_Webcache[] = { TCP(8080, 8080) };
static const struct fw_macro_entry m_Webmin[] = { TCP(10000, 10000) };
static const struct fw_macro_entry m_Whois[] = { TCP(43, 43) };

/* Sorted by name, case-insensitively; the name as Proxmox VE spells it. */
#define M(name, desc) { #name, desc, m_##name, ARRAY_SIZE(m_##name) }
static const struct fw_macro macros[] = {
	M(Amanda, "Amanda Backup"),
	M(Auth, "Auth (identd) traffic"),
	M(BGP, "Border Gateway Protocol traffic"),
	M(BitTorrent, "BitTorrent traffic for BitTorrent 3.1 and earlier"),
	M(BitTorrent32, "BitTorrent traffic for BitTorrent 3.2 and later"),
	M(Ceph, "Ceph Storage Cluster traffic (monitors, OSD and MDS daemons)"),
	M(Citrix, "Citrix/ICA traffic (ICA, ICA Browser, CGP)"),
	M(CVS, "Concurrent Versions System pserver traffic"),
	M(DAAP, "Digital Audio Access Protocol traffic (iTunes, Rhythmbox daemons)"),
	M(DCC, "Distributed Checksum Clearinghouse spam filtering mechanism"),
	M(DHCPfwd, "Forwarded DHCP traffic"),
	M(DHCPv6, "DHCPv6 traffic"),
	M(Distcc, "Distributed compiler service"),
	M(DNS, "Domain Name System traffic (UDP and TCP)"),
	M(Finger, "Finger protocol (RFC 742)"),
	M(FTP, "File Transfer Protocol"),
	M(Git, "Git distributed revision control traffic"),
	M(GNUnet, "GNUnet secure peer-to-peer networking traffic"),
	M(GRE, "Generic Routing Encapsulation tunneling protocol"),
	M(HKP, "OpenPGP HTTP key server protocol traffic"),
	M(HTTP, "Hypertext Transfer Protocol (WWW)"),
	M(HTTPS, "Hypertext Transfer Protocol (WWW) over SSL"),
	M(ICPV2, "Internet Cache Protocol V2 (Squid) traffic"),
	M(ICQ, "AOL Instant Messenger traffic"),
	M(IMAP, "Internet Message Access Protocol"),
	M(IMAPS, "Internet Message Access Protocol over SSL"),
	M(IPIP, "IPIP capsulation traffic"),
	M(IPsec, "IPsec traffic"),
	M(IPsecah, "IPsec authentication (AH) traffic"),
	M(IPsecnat, "IPsec traffic and NAT traversal"),
	M(IRC, "Internet Relay Chat traffic"),
	M(Jetdirect, "HP Jetdirect printing"),
	M(L2TP, "Layer 2 Tunneling Protocol traffic"),
	M(LDAP, "Lightweight Directory Access Protocol traffic"),
	M(LDAPS, "Secure Lightweight Directory Access Protocol traffic"),
	M(Mail, "Mail traffic (SMTP, SMTPS, Submission)"),
	M(MSNP, "Microsoft Notification Protocol"),
	M(MSSQL, "Microsoft SQL Server"),
	M(Munin, "Munin networked resource monitoring traffic"),
	M(MySQL, "MySQL server"),
	M(NeighborDiscovery, "IPv6 neighbor solicitation, neighbor and router advertisement"),
	M(NNTP, "NNTP traffic (Usenet)"),
	M(NNTPS, "Encrypted NNTP traffic (Usenet)"),
	M(NTP, "Network Time Protocol (ntpd)"),
	M(OpenVPN, "OpenVPN traffic"),
	M(OSPF, "OSPF multicast traffic"),
	M(PCA, "Symantec PCAnywhere"),
	M(Ping, "ICMP echo request"),
	M(PMG, "Proxmox Mail Gateway web interface"),
	M(POP3, "POP3 traffic"),
	M(POP3S, "Encrypted POP3 traffic"),
	M(PostgreSQL, "PostgreSQL server"),
	M(PPtP, "Point-to-Point Tunneling Protocol"),
	M(Printer, "Line Printer protocol printing"),
	M(Razor, "Razor Antispam System"),
	M(Rdate, "Remote time retrieval (rdate)"),
	M(RDP, "Microsoft Remote Desktop Protocol traffic"),
	M(RIP, "Routing Information Protocol (bidirectional)"),
	M(RNDC, "BIND remote management protocol"),
	M(Rsync, "Rsync server"),
	M(SANE, "SANE network scanning"),
	M(SMB, "Microsoft SMB traffic"),
	M(SMBswat, "Samba Web Administration Tool"),
	M(SMTP, "Simple Mail Transfer Protocol"),
	M(SMTPS, "Encrypted Simple Mail Transfer Protocol"),
	M(SNMP, "Simple Network Management Protocol"),
	M(SPAMD, "Spam Assassin SPAMD traffic"),
	M(SPICEproxy, "Proxmox VE SPICE display proxy traffic"),
	M(Squid, "Squid web proxy traffic"),
	M(SSH, "Secure shell traffic"),
	M(Submission, "Mail message submission traffic"),
	M(SVN, "Subversion server (svnserve)"),
	M(Syslog, "Syslog protocol (RFC 5424) traffic"),
	M(Telnet, "Telnet traffic"),
	M(Telnets, "Telnet over SSL"),
	M(TFTP, "Trivial File Transfer Protocol traffic"),
	M(Time, "RFC 868 Time protocol"),
	M(Trcrt, "Traceroute (for up to 30 hops) traffic"),
	M(VNC, "VNC traffic for VNC displays 0 - 99"),
	M(VNCL, "VNC traffic from Vncservers to Vncviewers in listen mode"),
	M(Web, "WWW traffic (HTTP and HTTPS)"),
	M(Webcache, "Web Cache/Proxy traffic (port 8080)"),
	M(Webmin, "Webmin traffic"),
	M(Whois, "Whois (nicname, RFC 3912) traffic"),
};
/* clang-format on */

#undef TCP
#undef UDP
#undef UDP_S
#undef ICMP
#undef ICMP6
#undef PROTO
#undef M

const struct fw_macro *fw_macro_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(macros); i++)
		if (!strcasecmp(macros[i].name, name))
			return &macros[i];
	return NULL;
}

const struct fw_macro *fw_macros(size_t *ret_n)
{
	if (ret_n)
		*ret_n = ARRAY_SIZE(macros);
	return macros;
}

/* ---- protocols ---------------------------------------------------------------------------- */

struct name_num {
	const char *name;
	int num;
};

/* The first name of a number is the one shown. */
static const struct name_num protos[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "sctp", IPPROTO_SCTP },
	{ "udplite", IPPROTO_UDPLITE },
	{ "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },
	{ "igmp", IPPROTO_IGMP },
	{ "ospf", IPPROTO_OSPF },
	{ "vrrp", 112 },
	{ "ipv6", IPPROTO_IPV6 },
	{ "ipip", IPPROTO_IPIP },
};

static int num_of(const struct name_num *t, size_t n, const char *s)
{
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, s))
			return t[i].num;
	return -1;
}

static const char *name_of(const struct name_num *t, size_t n, int num)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].num == num)
			return t[i].name;
	return NULL;
}

int fw_proto_from_string(const char *s)
{
	return num_of(protos, ARRAY_SIZE(protos), s);
}

const char *fw_proto_to_string(int proto)
{
	return name_of(protos, ARRAY_SIZE(protos), proto);
}

/* ---- ICMP types --------------------------------------------------------------------------- */

/* nftables' names; the first name of a number is the one shown. */
static const struct name_num icmp_types[] = {
	{ "echo-reply", 0 },	       { "destination-unreachable", 3 },
	{ "source-quench", 4 },	       { "redirect", 5 },
	{ "echo-request", 8 },	       { "router-advertisement", 9 },
	{ "router-solicitation", 10 }, { "time-exceeded", 11 },
	{ "parameter-problem", 12 },   { "timestamp-request", 13 },
	{ "timestamp-reply", 14 },     { "info-request", 15 },
	{ "info-reply", 16 },	       { "address-mask-request", 17 },
	{ "address-mask-reply", 18 },
};

/* nftables' names, then the ones ip6tables (and so Proxmox VE's macros) use. */
static const struct name_num icmpv6_types[] = {
	{ "destination-unreachable", 1 },
	{ "packet-too-big", 2 },
	{ "time-exceeded", 3 },
	{ "parameter-problem", 4 },
	{ "echo-request", 128 },
	{ "echo-reply", 129 },
	{ "mld-listener-query", 130 },
	{ "mld-listener-report", 131 },
	{ "mld-listener-done", 132 },
	{ "nd-router-solicit", 133 },
	{ "nd-router-advert", 134 },
	{ "nd-neighbor-solicit", 135 },
	{ "nd-neighbor-advert", 136 },
	{ "nd-redirect", 137 },
	{ "router-renumbering", 138 },
	{ "ind-neighbor-solicit", 141 },
	{ "ind-neighbor-advert", 142 },
	{ "mld2-listener-report", 143 },
	{ "mld-listener-reduction", 132 },
	{ "router-solicitation", 133 },
	{ "router-advertisement", 134 },
	{ "neighbor-solicitation", 135 },
	{ "neighbour-solicitation", 135 },
	{ "neighbor-advertisement", 136 },
	{ "neighbour-advertisement", 136 },
	{ "redirect", 137 },
};

int fw_icmp_type_from_string(int proto, const char *s)
{
	if (proto == IPPROTO_ICMP)
		return num_of(icmp_types, ARRAY_SIZE(icmp_types), s);
	if (proto == IPPROTO_ICMPV6)
		return num_of(icmpv6_types, ARRAY_SIZE(icmpv6_types), s);
	return -1;
}

const char *fw_icmp_type_to_string(int proto, int type)
{
	if (proto == IPPROTO_ICMP)
		return name_of(icmp_types, ARRAY_SIZE(icmp_types), type);
	if (proto == IPPROTO_ICMPV6)
		return name_of(icmpv6_types, ARRAY_SIZE(icmpv6_types), type);
	return NULL;
}

/* ---- services ----------------------------------------------------------------------------- */

/* A few names of /etc/services (not read: the result must not depend on the host). */
static const struct name_num services[] = {
	{ "ftp-data", 20 },	{ "ftp", 21 },		{ "ssh", 22 },
	{ "telnet", 23 },	{ "smtp", 25 },		{ "domain", 53 },
	{ "bootps", 67 },	{ "bootpc", 68 },	{ "tftp", 69 },
	{ "http", 80 },		{ "kerberos", 88 },	{ "pop3", 110 },
	{ "nntp", 119 },	{ "ntp", 123 },		{ "netbios-ns", 137 },
	{ "netbios-dgm", 138 }, { "netbios-ssn", 139 }, { "imap", 143 },
	{ "snmp", 161 },	{ "snmp-trap", 162 },	{ "bgp", 179 },
	{ "ldap", 389 },	{ "https", 443 },	{ "microsoft-ds", 445 },
	{ "smtps", 465 },	{ "submissions", 465 }, { "isakmp", 500 },
	{ "syslog", 514 },	{ "submission", 587 },	{ "ldaps", 636 },
	{ "rsync", 873 },	{ "imaps", 993 },	{ "pop3s", 995 },
	{ "openvpn", 1194 },	{ "ms-sql-s", 1433 },	{ "l2tp", 1701 },
	{ "mysql", 3306 },	{ "rdp", 3389 },	{ "ipsec-nat-t", 4500 },
	{ "sip", 5060 },	{ "postgresql", 5432 }, { "mdns", 5353 },
	{ "http-alt", 8080 },
};

int fw_service_from_string(const char *s)
{
	return num_of(services, ARRAY_SIZE(services), s);
}
