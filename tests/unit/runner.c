/* SPDX-License-Identifier: MIT */
/*
 * The one Check runner: every test file in tests/unit exports a suite_*()
 * function, collected into suites.h by the Makefile. Its closing summary
 * line is what CI reads.
 */
#include <check.h>
#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define X(fn) srunner_add_suite(sr, fn());
	UNIT_SUITES
#undef X
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
