package promql

import (
	"reflect"
	"testing"
)

func TestSelectors(t *testing.T) {
	cases := []struct {
		expr string
		want []Selector
	}{
		{`up{job="zebra"} == 0`, []Selector{{"up", []string{"job"}}}},
		{`sum(rate(http_requests_total{job="zebra",status=~"5.."}[5m])) / sum(rate(http_requests_total{job="zebra"}[5m])) > 0.01`,
			[]Selector{{"http_requests_total", []string{"job", "status"}}, {"http_requests_total", []string{"job"}}}},
		{`histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))`,
			[]Selector{{"http_request_duration_seconds_bucket", []string{"job"}}}},
		{`sum without (instance) (go_sql_in_use_connections) / on (db_name) group_left (x) go_sql_max_open_connections offset 5m`,
			[]Selector{{"go_sql_in_use_connections", nil}, {"go_sql_max_open_connections", nil}}},
		{`max by (stream, group) (stream_consumer_lag{stream!="",group=~'a|b'}) and bool count(outbox_backlog)`,
			[]Selector{{"stream_consumer_lag", []string{"group", "stream"}}, {"outbox_backlog", nil}}},
		{`{__name__="cache_requests_total", result="hit"}`, []Selector{{"cache_requests_total", []string{"result"}}}},
		{`label_replace(outbox_dead_total, "dst", "$1", "src", "(.*)") # a comment naming not_a_metric`,
			[]Selector{{"outbox_dead_total", nil}}},
		{`rate(ratelimit_decisions_total[1h:5m] @ 1700000000) unless sum by (bucket) (ratelimit_decisions_total{decision="error"} offset -1h)`,
			[]Selector{{"ratelimit_decisions_total", nil}, {"ratelimit_decisions_total", []string{"decision"}}}},
		{`topk(5, sum by(route)(increase(http_requests_total[${__range}])))`,
			[]Selector{{"http_requests_total", nil}}},
	}
	for _, c := range cases {
		got, err := Selectors(c.expr)
		if err != nil {
			t.Errorf("Selectors(%q): %v", c.expr, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Selectors(%q)\n got %#v\nwant %#v", c.expr, got, c.want)
		}
	}
}

func TestSelectorsRejectsMalformed(t *testing.T) {
	for _, expr := range []string{
		`sum(rate(x[5m])`,
		`x{job="a"`,
		`x{job=}`,
		`"unterminated`,
		`{job="a"}`,
		`x{__name__="y"}`,
	} {
		if got, err := Selectors(expr); err == nil {
			t.Errorf("Selectors(%q) = %v, want an error", expr, got)
		}
	}
}

func TestMetricsDeduplicatesAndSorts(t *testing.T) {
	got, err := Metrics(`b_total + a_total + b_total{x="1"}`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a_total", "b_total"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}
