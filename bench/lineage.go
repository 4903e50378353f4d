package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// With -lineage the bench also runs the same binary with record lineage
// off (--lineage-records 0) and reports firehose-local (lineage on, its
// default of 1,000,000 records) against it, round by round: the cost of
// lineage on the put path, whose target is at most 5 %.

const lineageOff = targetFL + " --lineage-records 0"

func lineageOffTarget(bin string) *target {
	return &target{name: lineageOff, kind: targetFL, bin: bin, peakRSS: map[int]int64{}, args: []string{"--lineage-records", "0"}}
}

// printLineage writes lineage on against lineage off and reports whether
// the median ratio is at least 0.95.
func (r *report) printLineage(w io.Writer, o options) bool {
	ok := true
	fmt.Fprintf(w, "\nRecord lineage: firehose-local (lineage on, --lineage-records 1000000 by default) against the same binary with `--lineage-records 0`, same rounds:\n\n")
	fmt.Fprintf(w, "| workers | lineage on records/s | lineage off records/s | on / off | CPU-cost ratio on / off | server CPU µs/record: on | off | peak RSS MiB: on | off |\n")
	fmt.Fprintf(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	serverCPU := func(rs []loadResult) float64 {
		var cpu time.Duration
		var n int64
		for _, res := range rs {
			cpu += res.serverCPU
			n += res.records + res.failed
		}
		if n == 0 {
			return 0
		}
		return float64(cpu.Microseconds()) / float64(n)
	}
	peak := func(name string, n int) float64 {
		for _, t := range r.targets {
			if t.name == name {
				return float64(t.peakRSS[n]) / (1 << 20)
			}
		}
		return 0
	}
	for _, n := range o.workers {
		on, off := r.results[targetFL][n], r.results[lineageOff][n]
		fmt.Fprintf(w, "| %d | %.0f | %.0f |", n, percentile(rates(on), 50), percentile(rates(off), 50))
		ratio := ratios(on, off)
		if len(ratio) == 0 {
			fmt.Fprint(w, " - |")
			ok = false
		} else {
			med := percentile(ratio, 50)
			mark := " ✓"
			if med < 0.95 {
				mark, ok = " ✗", false
			}
			fmt.Fprintf(w, " **%.3f**%s [%.3f–%.3f] |", med, mark, slices.Min(ratio), slices.Max(ratio))
		}
		fmt.Fprintf(w, " %.3f | %.2f | %.2f | %.1f | %.1f |\n", cpuPerRecord(off)/cpuPerRecord(on), serverCPU(on), serverCPU(off), peak(targetFL, n), peak(lineageOff, n))
	}
	fmt.Fprintln(w, "\nTarget: lineage on at least 0.95 of lineage off (at most 5 % slower). The CPU-cost ratio on / off is lineage off's client+server")
	fmt.Fprintln(w, "CPU time per record over lineage on's: the throughput ratio when client and server saturate the cores, steadier under outside load.")
	return ok
}
