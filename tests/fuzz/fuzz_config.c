/* SPDX-License-Identifier: MIT */
/*
 * The command line (config_parse): the input is argv after "vigil", its
 * words separated by NULs. An environment is not given, so VIGIL_* do not
 * leak in from the fuzzer's own.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

#define ARGS_MAX 64

static struct config cfg;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[ARGS_MAX + 2] = { "vigil" }, *envp[1] = { NULL };
	char err[512], *copy;
	size_t i;
	int argc = 1;

	/* @FILE reads a file: keep the fuzzer away from /dev/zero and kin. */
	if (memchr(data, '@', size) != NULL)
		return 0;
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = copy;
	for (i = 0; i < size && argc < ARGS_MAX; i++)
		if (copy[i] == '\0')
			argv[argc++] = copy + i + 1;
	argv[argc] = NULL;
	memset(&cfg, 0, sizeof(cfg));
	config_parse(&cfg, argc, argv, envp, err, sizeof(err));
	free(copy);
	return 0;
}
