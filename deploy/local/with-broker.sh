#!/usr/bin/env bash
# Runs a command with KAFKA_BROKERS pointing at a broker: yours if KAFKA_BROKERS is set,
# else a local one started for the command and stopped after it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
started=no
if [ -z "${KAFKA_BROKERS:-}" ]; then
  if ! "$here/broker.sh" status >/dev/null 2>&1; then
    "$here/broker.sh" start
    started=yes
  fi
  KAFKA_BROKERS=$("$here/broker.sh" address)
  export KAFKA_BROKERS
fi
# KAFKA_BROKERS now points at the broker started here: unset it so stop acts on it.
cleanup() { if [ "$started" = yes ]; then env -u KAFKA_BROKERS "$here/broker.sh" stop; fi; }
trap cleanup EXIT
"$@"
