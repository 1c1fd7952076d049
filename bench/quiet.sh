# shellcheck shell=bash
# quiet.sh — sourced by the benchmark scripts: how busy the CPUs are with OTHER processes.
# busy_percent: share of all CPU time not idle over one second (run it while the bench is not
# running). quiet_start / quiet_other_percent: over a whole measured stretch, the CPU time used
# by everything except this shell's children (the benchmarks themselves), as a percentage of
# all CPUs' time — /proc/stat jiffies minus the children's utime+stime (same USER_HZ ticks).

busy_percent() {
  local a1 a2 a3 a4 a5 b1 b2 b3 b4 b5
  read -r _ a1 a2 a3 a4 a5 _ < /proc/stat
  sleep 1
  read -r _ b1 b2 b3 b4 b5 _ < /proc/stat
  local total=$(( (b1+b2+b3+b4+b5) - (a1+a2+a3+a4+a5) ))
  local idle=$(( (b4+b5) - (a4+a5) ))
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}

# Total and busy jiffies of all CPUs, and this shell's reaped children's CPU ticks.
quiet_sample() {
  local u n s i w q sq st children
  read -r _ u n s i w q sq st _ < /proc/stat
  # /proc/$$/stat fields 16 and 17: cutime, cstime (after the ")" that ends the command name).
  children=$(sed 's/.*) //' /proc/$$/stat | awk '{ print $14 + $15 }')
  echo "$((u+n+s+i+w+q+sq+st)) $((u+n+s+q+sq+st)) $children"
}

quiet_start() { QUIET_T0=$(quiet_sample); }

# Percent of all CPUs' time used by other processes since quiet_start.
quiet_other_percent() {
  local t1
  t1=$(quiet_sample)
  awk -v a="$QUIET_T0" -v b="$t1" 'BEGIN {
    split(a, x, " "); split(b, y, " ");
    total = y[1] - x[1]; busy = (y[2] - x[2]) - (y[3] - x[3]);
    if (busy < 0) busy = 0;
    p = 0; if (total > 0) p = 100 * busy / total; printf "%d\n", p }'
}
