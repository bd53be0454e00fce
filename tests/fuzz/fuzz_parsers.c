/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for every parser that reads untrusted bytes: the command
 * line (as NUL-separated words), probe specs, the state file that `vigil
 * status` reads, and the HTTP, redis and postgres replies a probe process
 * parses. The first byte picks the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "health.h"
#include "probe.h"
#include "probe_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static struct probe_spec spec;

static void
fuzz_config(const char *buf, size_t len)
{
	char *argv[34] = { "vigil" }, *envp[1] = { NULL }, err[512];
	char *copy;
	size_t i;
	int argc = 1;

	/* @FILE reads a file: keep the fuzzer away from /dev/zero and kin. */
	if (memchr(buf, '@', len) != NULL || (copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	argv[argc++] = copy;
	for (i = 0; i < len && argc < 33; i++)
		if (copy[i] == '\0')
			argv[argc++] = copy + i + 1;
	argv[argc] = NULL;
	memset(&cfg, 0, sizeof(cfg));
	config_parse(&cfg, argc, argv, envp, err, sizeof(err));
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[PROBE_TEXT_MAX * 2], msg[256];
	struct health_record r;
	const char *buf = (const char *)data + 1;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	switch (data[0] % 6) {
	case 0:
		fuzz_config(buf, len);
		break;
	case 1:
		if (len >= sizeof(text))
			return 0;
		memcpy(text, buf, len);
		text[len] = '\0';
		probe_parse(&spec, text, msg, sizeof(msg));
		break;
	case 2:
		health_parse(buf, len, &r);
		break;
	case 3:
		probe_http_status(buf, len);
		probe_http_head_done(buf, len);
		break;
	case 4:
		probe_redis_reply(buf, len, "PONG", msg, sizeof(msg));
		break;
	case 5:
		probe_pg_reply((const unsigned char *)buf, len, msg,
		    sizeof(msg));
		break;
	}
	return 0;
}
