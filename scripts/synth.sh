#!/usr/bin/env bash
# synth.sh - synthesis figures of the RTL with Debian's yosys (generic gate library).
#
# For each configuration: read rtl/*.v, set the parameters (chparam), run yosys's
# `synth` up to its fine stage with memories kept as $mem cells (`memory -nomap`), then
# map the logic to generic gates (techmap + abc). Reported per configuration:
#   cells        logic gates after abc (every cell that is neither a flip-flop nor a RAM)
#   flipflops    flip-flop bits ($_DFF*/$_SDFF* cells)
#   memory_bits  bits of the inferred RAMs (sum of WIDTH x SIZE of the $mem_v2 cells)
# The neuron (combinational) is synthesised at V/A = 16, 24, 31; the core at several
# sizes and widths. Core rows go to rtl/area_model.csv (written to a temporary file and
# renamed), the machine-readable area model that design-space exploration reads;
# docs/area-model.md has the fitted formula.
#
#   bash scripts/synth.sh [--quick] [--jobs N] [--out FILE]
#     --quick   only the neuron at the default widths (a few seconds; used by a ctest)
#     --jobs N  run N yosys processes at once (default 1)
#     --out F   CSV path (default rtl/area_model.csv; not written with --quick)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
quick=0
jobs=1
out="$src/rtl/area_model.csv"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --jobs) jobs="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "usage: synth.sh [--quick] [--jobs N] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
command -v yosys >/dev/null || { echo "synth.sh: yosys not found - install it (scripts/install-deps.sh)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# synth_one NAME TOP "PARAM=VALUE ..." -> prints "cells flipflops memory_bits seconds"
synth_one() {
  local name="$1" top="$2" params="$3" chp=""
  for kv in $params; do chp="$chp -set ${kv%%=*} ${kv#*=}"; done
  cat >"$work/$name.ys" <<EOF
read_verilog -sv $src/rtl/glif_sat.v $src/rtl/glif_neuron.v $src/rtl/glif_ram.v $src/rtl/glif_fifo.v $src/rtl/glif_core.v
${chp:+chparam$chp $top}
hierarchy -check -top $top
synth -flatten -top $top -run begin:fine
opt -fast -full
techmap
opt -fast
abc -fast
opt -fast
tee -q -o $work/$name.stat stat
tee -q -o $work/$name.mem dump t:\$mem_v2
EOF
  local t0=$SECONDS
  yosys -q -l "$work/$name.log" "$work/$name.ys" >/dev/null 2>&1 ||
    { echo "synth.sh: yosys failed on $name (log: $work/$name.log)" >&2; tail -20 "$work/$name.log" >&2; return 1; }
  local ff mem cells
  ff=$(awk '$1 ~ /^\$_(S?DFF|DFFE|SDFFE|SDFFCE|ALDFF|DLATCH)/ {s += $2} END {print s + 0}' "$work/$name.stat")
  cells=$(awk '$1 ~ /^\$_/ && $1 !~ /^\$_(S?DFF|DFFE|SDFFE|SDFFCE|ALDFF|DLATCH)/ {s += $2} END {print s + 0}' "$work/$name.stat")
  mem=$(awk '/parameter .WIDTH / {w = $3} /parameter .SIZE / {s = $3} /^ *end$/ && w && s {m += w * s; w = s = 0} END {print m + 0}' "$work/$name.mem")
  echo "$cells $ff $mem $((SECONDS - t0))"
}

neuron_rows() {
  for va in 16 24 31; do
    echo "neuron_v$va glif_neuron V=$va A=$va F=15 P=$va"
  done
}

# neurons axons weight_bits v_bits a_bits (the other parameters at their defaults)
core_rows() {
  for cfg in "64 64 8 24 24" "128 128 8 24 24" "256 256 8 24 24" "256 256 4 24 24" \
             "128 128 4 24 24" "128 128 8 16 16" "128 128 8 31 31" "64 256 8 24 24" \
             "256 64 8 24 24"; do
    set -- $cfg
    echo "core_$1_$2_$3_$4_$5 glif_core N=$1 AXONS=$2 W=$3 V=$4 A=$5 P=$4 PW=$4"
  done
}

run_rows() {  # reads "name top params..." lines, prints "name top params | figures"
  while read -r name top params; do
    (
      r=$(synth_one "$name" "$top" "$params") || exit 1
      echo "$name $top $params | $r" >"$work/$name.row"
    ) &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  done
  wait
}

if [ "$quick" = 1 ]; then
  r=$(synth_one neuron glif_neuron "V=24 A=24 F=15 P=24")
  set -- $r
  echo "glif_neuron V=A=24 F=15: $1 cells, $2 flip-flops, $3 memory bits ($4 s)"
  [ "$1" -gt 0 ] && [ "$2" -eq 0 ] && [ "$3" -eq 0 ]
  exit
fi

{ neuron_rows; core_rows; } | run_rows
printf '%-24s %9s %9s %11s %6s\n' configuration cells flipflops memory_bits secs
csv="$work/area.csv"
echo "neurons,axons,weight_bits,v_bits,a_bits,cells,flipflops,memory_bits" >"$csv"
for f in $( { neuron_rows; core_rows; } | awk '{print $1}'); do
  [ -f "$work/$f.row" ] || { echo "synth.sh: $f failed" >&2; exit 1; }
  read -r name top rest <"$work/$f.row"
  figs="${rest#*| }"
  set -- $figs
  printf '%-24s %9s %9s %11s %6s\n' "$name" "$1" "$2" "$3" "$4"
  if [ "$top" = glif_core ]; then
    IFS=_ read -r _ n a w v acc <<<"$name"
    echo "$n,$a,$w,$v,$acc,$1,$2,$3" >>"$csv"
  fi
done
mv "$csv" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
echo "area model: $out"
