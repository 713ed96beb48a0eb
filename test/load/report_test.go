package load_test

import (
	"fmt"
	"io"
	"time"
)

// report prints the table of figures and checks the targets.
type report struct {
	rows               int
	duration, warmup   time.Duration
	loadStart, loadEnd string
	ready              time.Duration
	results            [][2]outcome
	zebraRSSNow        int64
	zebraPeakEver      int64
	// separateWorker: zebra's background jobs ran in a `zebra worker`
	// beside `zebra serve` (BENCH_WORKER=1), not inside it.
	separateWorker bool
}

// print writes the report and returns the targets missed.
func (r report) print(w io.Writer) (misses []string) {
	fmt.Fprintf(w, "machine: %s; load average %s (start) -> %s (end)\n", machine(), r.loadStart, r.loadEnd)
	topology := "one `zebra serve` running the background jobs too (the default, as `make run`)"
	if r.separateWorker {
		topology = "`zebra serve` and a `zebra worker` running the background jobs (as on Fly; BENCH_WORKER=1); CPU/req is both processes', peak RSS the API's"
	}
	fmt.Fprintf(w, "zebra: %s\n\n", topology)
	fmt.Fprintf(w, "| scenario | zebra req/s | p50 | p99 | errors | CPU/req | stores CPU/req | peak RSS | baseline req/s | p50 | p99 | errors | CPU/req | stores CPU/req | peak RSS | req/s ratio | p99 ratio | window p99 ratio |\n")
	fmt.Fprintf(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	var peak int64
	for i, sc := range scenarios {
		z, b := r.results[i][0], r.results[i][1]
		if z.requests == 0 || b.requests == 0 {
			continue
		}
		peak = max(peak, z.peakRSS)
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %d | %s | %s | %s | %.0f | %s | %s | %d | %s | %s | %s | %.0f %% | %.2fx | %.2fx |\n", sc.name,
			z.rps, ms(z.p50), ms(z.p99), z.errors, us(z.cpuPerRequest()), us(z.storeCPUPerRequest()), mb(z.peakRSS),
			b.rps, ms(b.p50), ms(b.p99), b.errors, us(b.cpuPerRequest()), us(b.storeCPUPerRequest()), mb(b.peakRSS),
			100*z.rps/b.rps, float64(z.p99)/float64(b.p99), float64(z.windowP99)/float64(b.windowP99))
	}
	fmt.Fprintf(w, "\nwindow p99 ratio (informative): the median over %s windows of each window's p99, zebra's over the baseline's: the steady tail, which a storage stall of the machine landing on one side does not move (docs/performance.md, How a run goes). The targets use the p99 of the whole run.\n", windowLen)
	fmt.Fprintf(w, "\nzebra start to ready: %s; RSS now %s, peak since start %s\n\n", r.ready.Round(time.Millisecond), mb(r.zebraRSSNow), mb(r.zebraPeakEver))

	check := func(ok bool, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		mark := "ok  "
		if !ok {
			mark = "MISS"
			misses = append(misses, msg)
		}
		fmt.Fprintf(w, "  %s %s\n", mark, msg)
	}
	fmt.Fprintln(w, "targets:")
	ratio := func(i int) float64 { return r.results[i][0].rps / r.results[i][1].rps }
	present := func(i int) bool { return r.results[i][0].requests > 0 && r.results[i][1].requests > 0 }
	for _, tt := range []struct {
		i   int
		min float64
	}{{0, minReadRatio}, {1, minReadRatio}, {3, minCreateRatio}} {
		if present(tt.i) {
			check(ratio(tt.i) >= tt.min, "%s: %.0f %% of the baseline's requests/s (>= %.0f %%)", scenarios[tt.i].name, 100*ratio(tt.i), 100*tt.min)
		}
	}
	for i, sc := range scenarios {
		if present(i) && !sc.informative {
			p := float64(r.results[i][0].p99) / float64(r.results[i][1].p99)
			check(p <= maxP99Ratio, "%s: p99 %.2fx the baseline's (<= %.1fx)", sc.name, p, maxP99Ratio)
		}
	}
	if r.results[1][0].requests > 0 && r.results[2][0].requests > 0 {
		d := r.results[2][0].rps / r.results[1][0].rps
		check(d >= 1-maxDeepDrop, "page 1,000 deep: %.0f %% of the first page's requests/s (>= %.0f %%)", 100*d, 100*(1-maxDeepDrop))
	}
	check(peak < maxRSS, "peak RSS under load %s (< %s)", mb(peak), mb(maxRSS))
	check(r.ready < maxReady, "start to ready %s (< %s)", r.ready.Round(time.Millisecond), maxReady)
	fmt.Fprintf(w, "%d targets missed\n", len(misses))
	return misses
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func us(d time.Duration) string { return fmt.Sprintf("%d µs", d.Microseconds()) }

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
