#!/usr/bin/env bash
# The simulated classroom's instructor-side figures (docs/benchmark.md, "The room at 30"), read from a room that
# `npm run classroom:sim -- up` / `add` made on this machine:
#   bash scripts/tools/room-figures.sh [seconds to sample CPU, default 30]
# Prints: students on the page; this host's memory in use and load; CPU busy over the window; the Consul servers'
# and Nginx's CPU and memory (docker stats inside the instructor's machine); consul-template's applied renders per
# minute over the last 10 minutes and render → reload (ms, p50/p95) from Nginx's "applied render" lines; the page's
# size and load time with every avatar. Only 127.0.0.1 and the simulation's own containers are contacted.
set -euo pipefail
window="${1:-30}"
state="${LAB_CLASSROOM_SIM_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/.classroom-sim}/sim.json"
[ -r "$state" ] || { echo "room-figures: no $state: start a room with npm run classroom:sim -- up" >&2; exit 2; }
nginx="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).nginx)' "$state")"
students="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).students.length)' "$state")"
instr=classroom-instructor

cpu() { awk '/^cpu /{print $2+$3+$4+$6+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
read -r b0 t0 < <(cpu)
sleep "$window"
read -r b1 t1 < <(cpu)
echo "students in the room: $students"
echo "host: memory in use $(free -m | awk '/^Mem:/{print $3}') MiB of $(free -m | awk '/^Mem:/{print $2}'); load $(cut -d' ' -f1-3 /proc/loadavg); CPU busy $(( (b1 - b0) * 100 / (t1 - t0) ))% over ${window} s (2 cores = 200% max shown as 100%)"
echo "instructor's containers (docker stats in its machine):"
docker exec "$instr" docker stats --no-stream --format '  {{.Name}}: CPU {{.CPUPerc}}, memory {{.MemUsage}}' |
  grep -E 'consul-server|nginx|enrollment|lab-view' || true
echo "machines (docker stats on this host; a machine's inner containers are counted in their own cgroups):"
docker stats --no-stream --format '  {{.Name}}: CPU {{.CPUPerc}}, memory {{.MemUsage}}' $(docker ps -q --filter label=lab.classroom-sim) | sort
now_ms=$(($(date +%s) * 1000))
# render → reload = applied - start of each "applied render" line (apply-render.sh) in the last 10 minutes.
renders="$(docker exec "$instr" docker logs consul-lab-nginx-1 2>&1 |
  sed -n 's/.*applied render with [0-9]* instance.*timing start=\([0-9]*\) checked=[0-9]* applied=\([0-9]*\).*/\1 \2/p' |
  awk -v now="$now_ms" '$1 > now - 600000 { print $2 - $1 }' | sort -n)"
n="$(printf '%s\n' "$renders" | grep -c . || true)"
if [ "$n" -eq 0 ]; then
  echo "consul-template: no applied render in the last 10 minutes"
else
  p50="$(printf '%s\n' "$renders" | sed -n "$(((n + 1) / 2))p")"
  p95="$(printf '%s\n' "$renders" | sed -n "$(((n * 95 + 99) / 100))p")"
  echo "consul-template: $n applied renders in the last 10 min ($(awk -v n="$n" 'BEGIN { printf "%.1f", n / 10 }') per minute); render → reload p50 ${p50} ms, p95 ${p95} ms"
fi
node -e '
const base = process.argv[1];
(async () => {
  const t0 = performance.now();
  const r = await fetch(base + "/");
  const html = await r.text();
  const avatars = [...new Set([...html.matchAll(/src="(\/avatars\/[^"]+)"/g)].map((m) => m[1]))];
  const sizes = await Promise.all(avatars.map(async (a) => (await (await fetch(base + a)).arrayBuffer()).byteLength));
  const ms = performance.now() - t0;
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(`page: ${kb(html.length)} KiB of HTML with ${avatars.length} avatars (${kb(sizes.reduce((a, b) => a + b, 0))} KiB), all loaded in ${ms.toFixed(0)} ms (one client, sequential page then avatars in parallel)`);
})().catch((e) => { console.error("room-figures: the page: " + e.message); process.exit(1); });
' "$nginx"
