// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event loop: one epoll over signals, rtnetlink and nftables events, the definition's source
 * (sdnd/source.h), the control API and three timers (debounced reconcile, retries, periodic
 * resync). Everything runs on this thread.
 */
#include "sdnd/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "sdnd/api.h"
#include "sdnd/log.h"
#include "sdnd/source.h"
#include "sdnd/state.h"
#include "sdnd/util.h"

#define DEBOUNCE_MS 5

enum { EV_SIGNAL, EV_NETLINK, EV_SOURCE, EV_DEBOUNCE, EV_RESYNC, EV_RETRY, EV_API, EV_NFT };

int sdnd_lock(const char *state_dir, bool write_pid, pid_t *ret_pid)
{
	_cleanup_free_ char *path = NULL;
	char buf[32];
	int fd, r;

	r = sdnd_mkdir_p(state_dir, 0755);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s/sdnd.pid", state_dir) < 0)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

		*ret_pid = n > 0 ? (buf[n] = '\0', (pid_t)atoi(buf)) : 0;
		close(fd);
		return -EBUSY;
	}
	if (write_pid) {
		snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, strlen(buf), 0) < 0)
			log_warn("%s: %s", path, strerror(errno));
	}
	return fd;
}

static void arm(int tfd, uint64_t ms, uint64_t interval_ms)
{
	struct itimerspec its = { 0 };

	if (!ms)
		ms = 1;
	its.it_value.tv_sec = (time_t)(ms / 1000);
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
	its.it_interval.tv_sec = (time_t)(interval_ms / 1000);
	its.it_interval.tv_nsec = (long)(interval_ms % 1000) * 1000000;
	timerfd_settime(tfd, 0, &its, NULL);
}

static bool timer_armed(int tfd)
{
	struct itimerspec its;

	return timerfd_gettime(tfd, &its) == 0 &&
	       (its.it_value.tv_sec || its.it_value.tv_nsec);
}

static void drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

struct daemon {
	struct sdnd_reconciler rec;
	const struct sdnd_daemon_opts *opts;
	int epfd, sfd, t_debounce, t_resync, t_retry;
	unsigned int resync_s;
	struct sdnd_source *src;
	struct sdnd_api *api;
};

static void set_resync(struct daemon *d)
{
	unsigned int s = d->opts->resync_interval;

	if (!s)
		s = d->rec.cfg ? d->rec.cfg->resync_interval : ZONE_RESYNC_DEFAULT;
	if (s != d->resync_s) {
		d->resync_s = s;
		arm(d->t_resync, (uint64_t)s * 1000, (uint64_t)s * 1000);
	}
}

static void reconcile(struct daemon *d)
{
	uint64_t next = 0, t0 = sdnd_now_ms();
	int r = sdnd_rec_run(&d->rec, &next);

	if (r < 0) {
		/* e.g. the kernel kept interrupting the dump: try again shortly */
		log_err("reconcile failed: %s; retrying", strerror(-r));
		next = sdnd_now_ms() + 100;
	}
	else if (d->rec.last_changes)
		log_info("reconciled generation %llu: %u change%s in %llu ms, %d object%s not in sync",
			 (unsigned long long)d->rec.generation, d->rec.last_changes,
			 d->rec.last_changes == 1 ? "" : "s",
			 (unsigned long long)(sdnd_now_ms() - t0), r, r == 1 ? "" : "s");
	sdnd_rec_write_status(&d->rec);
	if (d->src->ops->reconciled)
		d->src->ops->reconciled(d->src);
	if (next) {
		uint64_t now = sdnd_now_ms();

		arm(d->t_retry, next > now ? next - now : 1, 0);
	}
}

/* A new generation runs (from the source or the API). */
static void changed(void *ctx)
{
	struct daemon *d = ctx;

	set_resync(d);
	reconcile(d);
}

static int add_fd(int epfd, int fd, uint32_t id)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = id };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int loop(struct daemon *d)
{
	for (;;) {
		struct epoll_event evs[8];
		int ta = d->api ? sdnd_api_timeout_ms(d->api) : -1;
		int ts = d->src->ops->timeout_ms(d->src);
		int n = epoll_wait(d->epfd, evs, ARRAY_SIZE(evs),
				   ta < 0 ? ts : ts < 0 ? ta : ts < ta ? ts : ta), i;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* the API's connection timeouts, the source's timers */
		if (n == 0 && d->api)
			sdnd_api_run(d->api);
		if (n == 0)
			d->src->ops->run(d->src);
		for (i = 0; i < n; i++) {
			struct signalfd_siginfo si;
			uint64_t before;

			switch (evs[i].data.u32) {
			case EV_SIGNAL:
				if (read(d->sfd, &si, sizeof(si)) != sizeof(si))
					break;
				if (si.ssi_signo == SIGHUP) {
					d->src->ops->reload(d->src, "SIGHUP");
					break;
				}
				log_info("stopping on %s; the network stays as it is",
					 strsignal((int)si.ssi_signo));
				return 0;
			case EV_NETLINK:
				before = d->rec.cache.n_events;
				sdnd_cache_read_events(&d->rec.cache, &d->rec.nl);
				if ((d->rec.cache.stale || d->rec.cache.n_events != before) &&
				    !timer_armed(d->t_debounce))
					arm(d->t_debounce, DEBOUNCE_MS, 0);
				break;
			case EV_SOURCE:
				d->src->ops->run(d->src);
				break;
			case EV_DEBOUNCE:
				drain(d->t_debounce);
				reconcile(d);
				break;
			case EV_RETRY:
				drain(d->t_retry);
				reconcile(d);
				break;
			case EV_API:
				sdnd_api_run(d->api);
				break;
			case EV_NFT:
				/* someone changed sdnd's nftables tables */
				if (sdnd_fw_events(&d->rec.fw) && !timer_armed(d->t_debounce))
					arm(d->t_debounce, DEBOUNCE_MS, 0);
				break;
			case EV_RESYNC:
				drain(d->t_resync);
				d->rec.cache.stale = true;
				reconcile(d);
				break;
			}
		}
	}
}

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	setsid();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (chdir("/") < 0)
		return -errno;
	return 0;
}

int sdnd_daemon_run(const struct sdnd_daemon_opts *opts, struct sdnd_source *src)
{
	struct daemon d = { .opts = opts, .epfd = -1, .sfd = -1, .t_debounce = -1,
			    .t_resync = -1, .t_retry = -1, .src = src };
	_cleanup_close_ int lock = -1;
	sigset_t mask;
	pid_t holder = 0;
	int r, ret = 1;

	if (!opts->foreground) {
		r = daemonize();
		if (r < 0) {
			log_err("cannot daemonize: %s", strerror(-r));
			return 1;
		}
		sdnd_log_setup(sdnd_log_level(), true);
	}
	lock = sdnd_lock(opts->state_dir, true, &holder);
	if (lock == -EBUSY) {
		log_err("another sdnd (pid %d) is running with state directory %s", (int)holder,
			opts->state_dir);
		return 1;
	}
	if (lock < 0) {
		log_err("%s: %s", opts->state_dir, strerror(-lock));
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = sdnd_rec_init(&d.rec, opts->state_dir, opts->event_buf);
	if (r < 0)
		goto out;
	if (opts->node)
		sdnd_strlcpy(d.rec.node, opts->node, sizeof(d.rec.node));
	src->rec = &d.rec;
	src->changed = changed;
	src->ctx = &d;

	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	d.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d.t_debounce = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d.t_resync = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d.t_retry = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d.epfd < 0 || d.sfd < 0 || d.t_debounce < 0 || d.t_resync < 0 || d.t_retry < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	if (add_fd(d.epfd, d.sfd, EV_SIGNAL) || add_fd(d.epfd, snl_event_fd(&d.rec.nl), EV_NETLINK) ||
	    add_fd(d.epfd, d.t_debounce, EV_DEBOUNCE) || add_fd(d.epfd, d.t_resync, EV_RESYNC) ||
	    add_fd(d.epfd, d.t_retry, EV_RETRY)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	if (sdnd_fw_event_fd(&d.rec.fw) >= 0 &&
	    add_fd(d.epfd, sdnd_fw_event_fd(&d.rec.fw), EV_NFT) < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}

	{
		struct sdnd_api_hooks hooks = { .rec = &d.rec, .src = src, .ctx = &d,
						.applied = changed };
		_cleanup_free_ char *sock = NULL;

		if (!opts->socket && asprintf(&sock, "%s/sdnd.sock", opts->state_dir) < 0)
			goto out;
		struct sdnd_api_opts ao = { .socket = opts->socket ? opts->socket : sock,
					    .group = opts->group ? opts->group : "sdnd",
					    .listen = opts->listen, .token_file = opts->token_file };

		r = sdnd_api_start(&d.api, &ao, &hooks);
		if (r < 0) {
			log_err("control API on %s: %s", ao.socket, strerror(-r));
			goto out;
		}
		if (add_fd(d.epfd, sdnd_api_fd(d.api), EV_API) < 0)
			goto out;
	}
	log_info("sdnd %s starting: config %s (%s), state %s", SDND_VERSION, opts->config,
		 src->ops->kind, opts->state_dir);
	r = src->ops->start(src);
	if (r < 0)
		goto out;
	if (src->ops->fd(src) >= 0 && add_fd(d.epfd, src->ops->fd(src), EV_SOURCE) < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	set_resync(&d);
	reconcile(&d);
	r = loop(&d);
	ret = r < 0 ? 1 : 0;
out:
	if (d.epfd >= 0)
		close(d.epfd);
	if (d.sfd >= 0)
		close(d.sfd);
	if (d.t_debounce >= 0)
		close(d.t_debounce);
	if (d.t_resync >= 0)
		close(d.t_resync);
	if (d.t_retry >= 0)
		close(d.t_retry);
	sdnd_api_stop(d.api);
	/* clean: stopped by a signal, not by a failure */
	if (src->ops->stop)
		src->ops->stop(src, ret == 0);
	sdnd_rec_free(&d.rec);
	return ret;
}
