package load_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// profile starts fetching a CPU profile and an allocation profile (the
// delta over the attack) of p, and of its worker, for d, into
// $BENCH_PROFILE_DIR (<scenario>.cpu.pprof, <scenario>.worker.cpu.pprof,
// ...), and returns a function that waits for all of them. Without
// BENCH_PROFILE_DIR, or for the baseline, it does nothing.
func profile(t *testing.T, p *proc, scenario string, d time.Duration) (wait func()) {
	t.Helper()
	dir := os.Getenv(envProfile)
	if dir == "" || p.pprof == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	secs := max(int(d.Seconds())-1, 1)
	name := strings.NewReplacer(" ", "-", ",", "", "(", "", ")", "").Replace(scenario)
	sources := map[string]string{name: p.pprof}
	if p.worker != nil && p.worker.pprof != "" {
		sources[name+".worker"] = p.worker.pprof
	}
	var wg sync.WaitGroup
	for prefix, addr := range sources {
		for kind, path := range map[string]string{"cpu": "/debug/pprof/profile", "allocs": "/debug/pprof/allocs"} {
			wg.Go(func() {
				url := fmt.Sprintf("http://%s%s?seconds=%d", addr, path, secs)
				resp, err := http.Get(url)
				if err != nil {
					t.Errorf("profile %s: %v", url, err)
					return
				}
				defer resp.Body.Close()
				f, err := os.Create(filepath.Join(dir, prefix+"."+kind+".pprof"))
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				if _, err := io.Copy(f, resp.Body); err != nil {
					t.Error(err)
				}
			})
		}
	}
	return wg.Wait
}
