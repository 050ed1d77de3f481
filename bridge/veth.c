// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * veth pairs that join two bridges (ln_<vnet> on the vnet bridge, pr_<vnet> on the VLAN bridge).
 * The pair is created from one end; the other end is configured (master, MTU, state) once the
 * kernel has created it, by name.
 */
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "sdnd/kind.h"
#include "sdnd/util.h"

/* Pure. The peer cannot change in place. */
static enum sdnd_diff_result veth_diff(const struct sdnd_obj *want, const struct sdnd_obj *have,
				       uint32_t *ret_changed, const char **ret_reason)
{
	uint32_t changed = 0;

	if (strcmp(have->link.kind, "veth")) {
		*ret_changed = SDND_LINK_KIND;
		*ret_reason = "the device is not a veth";
		return SDND_DIFF_REPLACE;
	}
	sdnd_link_diff_common(&want->link, &have->link, &changed);
	if (want->kind == SDND_KIND_VETH && *have->link.link &&
	    strcmp(want->link.link, have->link.link)) {
		*ret_changed = changed | SDND_LINK_PARENT;
		*ret_reason = "the peer of a veth cannot change";
		return SDND_DIFF_REPLACE;
	}
	*ret_changed = changed;
	*ret_reason = "attributes differ";
	return changed ? SDND_DIFF_UPDATE : SDND_DIFF_NONE;
}

/* Pure. */
static size_t veth_describe(const struct sdnd_action *act, struct sdnd_change *c)
{
	size_t n = sdnd_link_describe_common(act, c, 0);

	if (act->want && act->want->kind == SDND_KIND_VETH && act->type != SDND_ACT_UPDATE &&
	    n < SDND_MAX_CHANGES) {
		c[n].attr = "peer";
		snprintf(c[n].from, sizeof(c[n].from), "%s", act->have ? act->have->link.link : "");
		snprintf(c[n].to, sizeof(c[n].to), "%s", act->want->link.link);
		n++;
	}
	return n;
}

static int veth_encode(const struct sdnd_action *act, enum sdnd_act_type step,
		       struct snl_batch *b, const struct sdnd_resolver *res, uint32_t tag)
{
	struct nlmsghdr *nlh = sdnd_link_encode_common(act, step, b, res);
	struct nlattr *li, *data, *peer;
	struct ifinfomsg *pifi;

	if (!nlh)
		return -errno;
	if (step == SDND_ACT_CREATE) {
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
		pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
		memset(pifi, 0, sizeof(*pifi));
		mnl_attr_put_strz(nlh, IFLA_IFNAME, act->want->link.link);
		mnl_attr_nest_end(nlh, peer);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, li);
	}
	return sdnd_link_encode_finish(act, step, b, tag);
}

const struct sdnd_kind_ops br_veth_ops = {
	.kind = SDND_KIND_VETH,
	.name = "veth",
	.order = 20,
	.diff = veth_diff,
	.describe = veth_describe,
	.encode = veth_encode,
};

/*
 * The far end exists as soon as the pair does: its "create" configures it by name. A delete
 * removes the pair, like deleting the near end.
 */
static int veth_peer_encode(const struct sdnd_action *act, enum sdnd_act_type step,
			    struct snl_batch *b, const struct sdnd_resolver *res, uint32_t tag)
{
	struct sdnd_action upd;
	struct sdnd_obj have;
	struct nlmsghdr *nlh;
	int idx;

	if (step != SDND_ACT_CREATE)
		return veth_encode(act, step, b, res, tag);
	idx = res->ifindex(res->ctx, act->want->link.ifname);
	if (!idx)
		return -ENODEV;
	/* an update of everything wanted */
	memset(&have, 0, sizeof(have));
	have.link.ifindex = idx;
	upd = (struct sdnd_action){ .type = SDND_ACT_UPDATE, .want = act->want, .have = &have,
				    .changed = SDND_LINK_MTU | SDND_LINK_UP | SDND_LINK_MASTER |
					       (*act->want->link.alias ? SDND_LINK_ALIAS : 0) };
	nlh = sdnd_link_encode_common(&upd, SDND_ACT_UPDATE, b, res);
	if (!nlh)
		return -errno;
	return snl_batch_end(b, tag);
}

const struct sdnd_kind_ops br_veth_peer_ops = {
	.kind = SDND_KIND_VETH_PEER,
	.name = "veth-peer",
	.order = 25,
	.diff = veth_diff,
	.describe = veth_describe,
	.encode = veth_peer_encode,
};
