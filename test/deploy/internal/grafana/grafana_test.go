package grafana

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadQueriesAndRules(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "d.json")
	dash := `{"uid":"u","title":"T","panels":[
	  {"type":"row","title":"r","panels":[{"type":"timeseries","title":"nested","targets":[{"refId":"A","expr":"sum(rate(x_total{job=~\"$job\"}[$__rate_interval]))"}]}]},
	  {"type":"timeseries","title":"top","targets":[{"refId":"A","expr":"y"},{"refId":"B","expr":"  "}]}]}`
	if err := os.WriteFile(f, []byte(dash), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	qs := d.Queries()
	if len(qs) != 2 || qs[0].Panel != "nested" || qs[1].Expr != "y" {
		t.Fatalf("queries = %+v, want the nested panel's and the top panel's non-empty queries", qs)
	}
	rules := string(RulesFile(qs))
	for _, want := range []string{`record: dashboard_query_1`, `expr: "sum(rate(x_total{job=~\"zebra\"}[5m]))"`, `record: dashboard_query_2`} {
		if !strings.Contains(rules, want) {
			t.Errorf("rules file lacks %s:\n%s", want, rules)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("loading a missing file succeeded")
	}
	if err := os.WriteFile(f, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(f); err == nil {
		t.Error("loading broken JSON succeeded")
	}
}
