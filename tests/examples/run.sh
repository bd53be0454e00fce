#!/bin/bash
# SPDX-License-Identifier: MIT
# End-to-end tests of examples/ with real programs (Celery, redis-server,
# Python's http.server), run by the integration runner: every
# tests/examples/t_*.sh, then the measurements, then "N passed, N failed".
# Usage: tests/examples/run.sh BUILD/VIGIL [t_name ...]
exec "$(dirname "$0")/../integration/run.sh" --dir "$(dirname "$0")" "$@"
