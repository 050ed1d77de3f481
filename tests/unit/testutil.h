/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the unit tests. Include after cmocka.h. */
#ifndef SDND_TESTUTIL_H
#define SDND_TESTUTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Run fn(arg) in a child process with a deadline of seconds, so that a hang or a sanitizer abort
 * fails one test instead of taking the whole binary down; true when it exited with 0. fn must
 * not use cmocka asserts.
 */
static inline bool test_survives(int (*fn)(void *), void *arg, unsigned int seconds)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(seconds);
		_exit(fn(arg));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		fprintf(stderr, "child killed by signal %d%s\n", WTERMSIG(st),
			WTERMSIG(st) == SIGALRM ? " (hung: deadline passed)" : "");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

#endif
