#!/usr/bin/env bash
# make demo: a local broker, the topics, 30 days of synthetic history, live traffic and
# the pipeline, then a few KPI lines every few seconds. Ctrl-C stops everything.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
run="$root/.run"
mkdir -p "$run"
listen="${DEMO_LISTEN:-127.0.0.1:9898}"
bin="$root/target/debug/salespulse"
pids=()
broker_started=no

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }

cleanup() {
  trap - INT TERM EXIT
  say "stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$broker_started" = yes ]; then deploy/local/broker.sh stop; fi
  say "stopped"
}
trap cleanup INT TERM EXIT

say "building"
cargo build -p salespulse --quiet

if [ -z "${KAFKA_BROKERS:-}" ]; then
  if ! deploy/local/broker.sh status >/dev/null 2>&1; then broker_started=yes; fi
  deploy/local/broker.sh start
fi
brokers=$(deploy/local/broker.sh address)
# A fresh consumer group per demo: it reads the topic from the beginning.
group="salespulse-demo-$(date +%s)"
common=(--brokers "$brokers")

say "creating topics"
"$bin" topics "${common[@]}" --partitions 6
say "backfilling 30 days of history (60 000 events, a few malformed on purpose)"
"$bin" gen "${common[@]}" --events 60000 --days 30 --bad-ratio 0.0005

say "starting the pipeline (log: .run/salespulse.log)"
"$bin" run "${common[@]}" --group "$group" --listen "$listen" --state "file://$run/state" \
  -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 >"$run/salespulse.log" 2>&1 &
pids+=($!)
say "starting live traffic at 20 events/s (log: .run/gen.log)"
"$bin" gen "${common[@]}" --rate 20/s --seed "$(date +%s)" --no-reference >"$run/gen.log" 2>&1 &
pids+=($!)

shown=""
for _ in $(seq 1 120); do
  # The pipeline logs its progress while it catches up with the backfill.
  line=$(grep -E 'catching up|caught up' "$run/salespulse.log" 2>/dev/null | tail -1 || true)
  if [ -n "$line" ] && [ "$line" != "$shown" ]; then say "${line#*salespulse::run: }"; shown=$line; fi
  if curl -sf "http://$listen/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then say "the pipeline exited:"; tail -20 "$run/salespulse.log"; exit 1; fi
  sleep 0.5
done
say "ready. Metrics: http://$listen/metrics   (health: /healthz, readiness: /readyz)"
say "live team board: http://$listen/board   (one team: http://$listen/board/teams/emea-enterprise)"
say "a few live KPI lines every 5 s; Ctrl-C to stop"
while true; do
  echo "---- $(date +%T)"
  curl -sf "http://$listen/metrics" | grep -E \
    '^sales_won_revenue\{team="[^"]*",window="(24h|30d)"\}|^sales_win_rate\{team="emea-enterprise",window="30d"\}|^sales_lead_response_seconds_count\{team="emea-enterprise",window="7d"\}|^sales_nps\{team="emea-enterprise",window="30d"\}|^salespulse_events_(applied|consumed)_total' \
    | head -16 || say "metrics not available yet"
  sleep 5
done
