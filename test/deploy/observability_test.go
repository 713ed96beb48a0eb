package deploy

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/zebralabs/zebra/test/deploy/internal/grafana"
)

// contractMetrics are the metric names every engineer was given; METRICS.md
// must list them and the service must export them.
var contractMetrics = []string{
	"http_requests_total", "http_request_duration_seconds", "http_requests_in_flight",
	"go_sql_open_connections", "go_sql_in_use_connections", "go_sql_max_open_connections",
	"go_sql_wait_count_total", "go_sql_wait_duration_seconds_total",
	"cache_requests_total", "ratelimit_decisions_total",
	"outbox_backlog", "outbox_oldest_unpublished_age_seconds", "outbox_published_total",
	"outbox_publish_failures_total", "outbox_dead_total", "stream_consumer_lag",
}

// synthetic series come from Prometheus itself, not from /metrics.
var synthetic = map[string]bool{"up": true, "scrape_duration_seconds": true, "scrape_samples_scraped": true}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type alertRule struct {
	Name, Expr, For string
	Labels          map[string]string
	Annotations     map[string]string
}

func loadAlerts(t *testing.T) []alertRule {
	t.Helper()
	var rf ruleFile
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "deployments", "observability", "prometheus", "rules", "zebra-alerts.yml")), &rf); err != nil {
		t.Fatal(err)
	}
	var out []alertRule
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				out = append(out, alertRule{r.Alert, r.Expr, r.For, r.Labels, r.Annotations})
			}
		}
	}
	return out
}

func loadDashboards(t *testing.T) []*grafana.Dashboard {
	t.Helper()
	files, err := filepath.Glob(repoPath(t, "deployments", "observability", "grafana", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	var out []*grafana.Dashboard
	for _, f := range files {
		d, err := grafana.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// usedSelectors returns every selector of the dashboards and alert rules,
// keyed by metric name, with where each was used.
func usedSelectors(t *testing.T) map[string][]usage {
	t.Helper()
	used := map[string][]usage{}
	add := func(where, expr string) {
		sels, err := selectors(expr)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if len(sels) == 0 {
			t.Errorf("%s reads no metric: %s", where, expr)
		}
		for _, s := range sels {
			used[s.metric] = append(used[s.metric], usage{where, s.labels})
		}
	}
	for _, d := range loadDashboards(t) {
		for _, q := range d.Queries() {
			add(fmt.Sprintf("dashboard %s, panel %q %s", d.UID, q.Panel, q.RefID), q.Expr)
		}
	}
	for _, a := range loadAlerts(t) {
		add("alert "+a.Name, a.Expr)
	}
	return used
}

type usage struct {
	where  string
	labels []string
}

// selector is one vector selector of a query: the metric it reads and the
// label names its matchers use (sorted, __name__ excluded).
type selector struct {
	metric string
	labels []string
}

// promQL is Prometheus' own parser; Grafana's variables are expanded first.
var promQL = parser.NewParser(parser.Options{})

// selectors parses expr and returns its vector selectors in order of
// appearance. A selector without a metric name is an error: the checks
// below could not tell which metric it reads.
func selectors(expr string) ([]selector, error) {
	ast, err := promQL.ParseExpr(grafana.Expand(expr))
	if err != nil {
		return nil, err
	}
	var out []selector
	parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		s := selector{metric: vs.Name}
		for _, m := range vs.LabelMatchers {
			switch {
			case m.Name != model.MetricNameLabel:
				s.labels = append(s.labels, m.Name)
			case m.Type == labels.MatchEqual:
				s.metric = m.Value
			}
		}
		if s.metric == "" {
			err = fmt.Errorf("selector %s names no metric", vs)
		}
		sort.Strings(s.labels)
		out = append(out, s)
		return nil
	})
	return out, err
}

// documentedMetrics are the names METRICS.md lists in backticks, histograms
// expanded to their series.
func documentedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	doc := readRepoFile(t, "deployments", "observability", "METRICS.md")
	out := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_:][a-z0-9_:]*)` \\| (\\w+)").FindAllStringSubmatch(doc, -1) {
		out[m[1]] = true
		if m[2] == "histogram" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				out[m[1]+s] = true
			}
		}
	}
	for _, m := range regexp.MustCompile("`((?:go|process)_[a-z0-9_]+)`").FindAllStringSubmatch(doc, -1) {
		out[m[1]] = true
	}
	return out
}

func TestMetricsContractDocumented(t *testing.T) {
	doc := documentedMetrics(t)
	for _, m := range contractMetrics {
		if !doc[m] {
			t.Errorf("METRICS.md does not list %s", m)
		}
	}
	for name, uses := range usedSelectors(t) {
		if !doc[name] && !synthetic[name] {
			t.Errorf("%s (used by %s) is not in METRICS.md", name, uses[0].where)
		}
	}
}

func TestDashboards(t *testing.T) {
	var prov struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "deployments", "observability", "grafana", "provisioning", "datasources", "datasources.yml")), &prov); err != nil {
		t.Fatal(err)
	}
	uids := map[string]string{}
	for _, d := range prov.Datasources {
		uids[d.UID] = d.Type
	}
	var provider struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "deployments", "observability", "grafana", "provisioning", "dashboards", "dashboards.yml")), &provider); err != nil {
		t.Fatal(err)
	}
	if len(provider.Providers) != 1 || provider.Providers[0].Options.Path != "/var/lib/grafana/dashboards" {
		t.Errorf("dashboard provider must load /var/lib/grafana/dashboards (where compose mounts them): %+v", provider)
	}

	seen := map[string]bool{}
	var all strings.Builder
	for _, d := range loadDashboards(t) {
		if d.UID == "" || seen[d.UID] {
			t.Errorf("dashboard %q: missing or duplicate uid %q", d.Title, d.UID)
		}
		seen[d.UID] = true
		for _, v := range d.Templating.List {
			if v.Type == "query" && uids[v.Datasource.UID] != "prometheus" {
				t.Errorf("dashboard %s variable %s: datasource %q is not a provisioned Prometheus", d.UID, v.Name, v.Datasource.UID)
			}
		}
		for _, p := range d.AllPanels() {
			if len(p.Targets) == 0 {
				t.Errorf("dashboard %s panel %q has no query", d.UID, p.Title)
			}
			for _, ds := range append([]grafana.Datasource{p.Datasource}, targetsDS(p)...) {
				if uids[ds.UID] != "prometheus" {
					t.Errorf("dashboard %s panel %q: datasource %q is not a provisioned Prometheus", d.UID, p.Title, ds.UID)
				}
			}
		}
		for _, q := range d.Queries() {
			all.WriteString(q.Expr + "\n")
		}
	}
	// What the issue asks the dashboards to show.
	exprs := all.String()
	for topic, re := range map[string]string{
		"request rate":        `rate\(http_requests_total`,
		"latency p50":         `histogram_quantile\(0\.5,.*http_request_duration_seconds_bucket`,
		"latency p95":         `histogram_quantile\(0\.95,.*http_request_duration_seconds_bucket`,
		"latency p99":         `histogram_quantile\(0\.99,.*http_request_duration_seconds_bucket`,
		"error rate":          `http_requests_total\{[^}]*status=~"5\.\."`,
		"DB pool saturation":  `go_sql_in_use_connections.*/.*go_sql_max_open_connections`,
		"cache hit rate":      `cache_requests_total\{[^}]*result="hit"`,
		"outbox backlog":      `outbox_backlog`,
		"outbox age":          `outbox_oldest_unpublished_age_seconds`,
		"rate-limit decision": `ratelimit_decisions_total`,
	} {
		if !regexp.MustCompile(re).MatchString(exprs) {
			t.Errorf("no dashboard query shows %s (/%s/)", topic, re)
		}
	}
}

func targetsDS(p grafana.Panel) []grafana.Datasource {
	var out []grafana.Datasource
	for _, t := range p.Targets {
		out = append(out, t.Datasource)
	}
	return out
}

// TestAlertRules checks the alerts the issue asks for, their thresholds and
// durations, and that each is tested by promtool and has a runbook entry.
func TestAlertRules(t *testing.T) {
	alerts := loadAlerts(t)
	byName := map[string]alertRule{}
	for _, a := range alerts {
		byName[a.Name] = a
	}
	want := []struct {
		name, forDur string
		exprRe       string
	}{
		{"ZebraHighErrorRate", "5m", `status=~"5\.\."[\s\S]*> 0\.01`},
		{"ZebraHighLatencyP95", "10m", `histogram_quantile\(0\.95,[\s\S]*\) > 0\.3`},
		{"ZebraNotReady", "2m", `route="/readyz",status="503"`},
		{"ZebraOutboxLagging", "10m", `outbox_oldest_unpublished_age_seconds`},
		{"ZebraOutboxStalled", "5m", `outbox_oldest_unpublished_age_seconds`},
		{"ZebraRateLimitSpike", "5m", `decision="limited"`},
	}
	for _, w := range want {
		a, ok := byName[w.name]
		if !ok {
			t.Errorf("alert %s is missing", w.name)
			continue
		}
		if a.For != w.forDur {
			t.Errorf("alert %s: for %q, want %s", w.name, a.For, w.forDur)
		}
		if !regexp.MustCompile(w.exprRe).MatchString(a.Expr) {
			t.Errorf("alert %s: expr does not match /%s/:\n%s", w.name, w.exprRe, a.Expr)
		}
	}

	tests := readRepoFile(t, "deployments", "observability", "prometheus", "tests", "zebra-alerts.test.yml")
	var tf struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal([]byte(tests), &tf); err != nil {
		t.Fatal(err)
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, c := range tf.Tests {
		for _, a := range c.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	incidents := readRepoFile(t, "docs", "runbooks", "incidents.md")
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#{2,3} (\S+)`).FindAllStringSubmatch(incidents, -1) {
		anchors[strings.ToLower(m[1])] = true
	}
	for _, a := range alerts {
		if !fires[a.Name] {
			t.Errorf("alert %s: no promtool test shows it firing", a.Name)
		}
		if !quiet[a.Name] {
			t.Errorf("alert %s: no promtool test shows it quiet", a.Name)
		}
		if s := a.Labels["severity"]; s != "critical" && s != "warning" {
			t.Errorf("alert %s: severity %q", a.Name, s)
		}
		if a.Annotations["summary"] == "" || a.Annotations["description"] == "" {
			t.Errorf("alert %s: summary and description are required", a.Name)
		}
		want := "docs/runbooks/incidents.md#" + strings.ToLower(a.Name)
		if !strings.HasSuffix(a.Annotations["runbook_url"], want) {
			t.Errorf("alert %s: runbook_url %q, want …%s", a.Name, a.Annotations["runbook_url"], want)
		}
		if !anchors[strings.ToLower(a.Name)] {
			t.Errorf("alert %s: docs/runbooks/incidents.md has no section ## %s", a.Name, a.Name)
		}
		if a.For != "" {
			if _, err := time.ParseDuration(a.For); err != nil {
				t.Errorf("alert %s: for %q: %v", a.Name, a.For, err)
			}
		}
	}
}

func TestPrometheusAndCollectorConfig(t *testing.T) {
	var prom struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			MetricsPath   string `yaml:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "deployments", "observability", "prometheus", "prometheus.yml")), &prom); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range prom.ScrapeConfigs {
		if s.JobName == "zebra" {
			found = true
			if s.MetricsPath != "/metrics" || len(s.StaticConfigs) == 0 || !slices.Contains(s.StaticConfigs[0].Targets, "api:8080") {
				t.Errorf("job zebra must scrape api:8080/metrics (the compose api service): %+v", s)
			}
		}
	}
	if !found {
		t.Error("prometheus.yml has no job \"zebra\" (the alert rules select job=\"zebra\")")
	}
	matched := false
	for _, g := range prom.RuleFiles {
		if ok, _ := filepath.Match(g, "rules/zebra-alerts.yml"); ok {
			matched = true
		}
	}
	if !matched {
		t.Errorf("rule_files %v do not load rules/zebra-alerts.yml", prom.RuleFiles)
	}

	var col struct {
		Receivers  map[string]any `yaml:"receivers"`
		Processors map[string]any `yaml:"processors"`
		Exporters  map[string]any `yaml:"exporters"`
		Extensions map[string]any `yaml:"extensions"`
		Service    struct {
			Extensions []string `yaml:"extensions"`
			Pipelines  map[string]struct {
				Receivers  []string `yaml:"receivers"`
				Processors []string `yaml:"processors"`
				Exporters  []string `yaml:"exporters"`
			} `yaml:"pipelines"`
		} `yaml:"service"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "deployments", "observability", "otel-collector.yaml")), &col); err != nil {
		t.Fatal(err)
	}
	traces, ok := col.Service.Pipelines["traces"]
	if !ok {
		t.Fatal("collector: no traces pipeline")
	}
	if !slices.Contains(traces.Receivers, "otlp") || !slices.Contains(traces.Processors, "batch") || len(traces.Exporters) == 0 {
		t.Errorf("collector traces pipeline must be otlp -> batch -> exporter: %+v", traces)
	}
	for name, p := range col.Service.Pipelines {
		check := func(kind string, ids []string, defined map[string]any) {
			for _, id := range ids {
				if _, ok := defined[id]; !ok {
					t.Errorf("collector pipeline %s uses %s %q, which is not defined", name, kind, id)
				}
			}
		}
		check("receiver", p.Receivers, col.Receivers)
		check("processor", p.Processors, col.Processors)
		check("exporter", p.Exporters, col.Exporters)
	}
	for _, id := range col.Service.Extensions {
		if _, ok := col.Extensions[id]; !ok {
			t.Errorf("collector extension %q is not defined", id)
		}
	}
}

// sortedKeys is a helper for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSelectors pins what usedSelectors takes from a query: Grafana's
// variables parse, __name__ matchers name the metric, and a query that
// names no metric or does not parse is refused.
func TestSelectors(t *testing.T) {
	cases := []struct {
		expr string
		want []selector
	}{
		{`histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))`,
			[]selector{{"http_request_duration_seconds_bucket", []string{"job"}}}},
		{`sum(rate(http_requests_total{status=~"5..",job="zebra"}[5m])) / on (job) group_left sum(rate(http_requests_total[${__range}] offset 1h))`,
			[]selector{{"http_requests_total", []string{"job", "status"}}, {"http_requests_total", nil}}},
		{`{__name__="cache_requests_total", result="hit"}`, []selector{{"cache_requests_total", []string{"result"}}}},
	}
	for _, c := range cases {
		got, err := selectors(c.expr)
		if err != nil {
			t.Errorf("selectors(%q): %v", c.expr, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("selectors(%q)\n got %#v\nwant %#v", c.expr, got, c.want)
		}
	}
	for _, expr := range []string{`sum(rate(x[5m])`, `x{job=}`, `{job="a"}`, `{__name__=~"a.*"}`, `x{__name__="y"}`} {
		if got, err := selectors(expr); err == nil {
			t.Errorf("selectors(%q) = %v, want an error", expr, got)
		}
	}
}
