package faults

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// link is a Toxiproxy proxy run inside the test process, between the
// binary and one of the machine's servers.
type link struct {
	t     *testing.T
	proxy *toxiproxy.Proxy
}

func newLink(t *testing.T, name, upstream string) *link {
	t.Helper()
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(server, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("toxiproxy %s: %v", name, err)
	}
	t.Cleanup(p.Stop)
	return &link{t: t, proxy: p}
}

// Addr is where the binary connects.
func (l *link) Addr() string { return l.proxy.Listen }

// toxic adds a toxic of typ on stream ("upstream" or "downstream") with
// attributes; remove takes it away.
func (l *link) toxic(name, typ, stream string, attributes map[string]any) {
	l.t.Helper()
	b, err := json.Marshal(map[string]any{"name": name, "type": typ, "stream": stream, "toxicity": 1, "attributes": attributes})
	if err != nil {
		l.t.Fatal(err)
	}
	if _, err := l.proxy.Toxics.AddToxicJson(strings.NewReader(string(b))); err != nil {
		l.t.Fatalf("add toxic %s: %v", name, err)
	}
}

func (l *link) remove(name string) {
	l.t.Helper()
	if err := l.proxy.Toxics.RemoveToxic(context.Background(), name); err != nil {
		l.t.Fatalf("remove toxic %s: %v", name, err)
	}
}

// cut closes every connection and refuses new ones, as when the server
// goes away; restore listens again on the same address.
func (l *link) cut() { l.proxy.Stop() }

func (l *link) restore() {
	l.t.Helper()
	if err := l.proxy.Start(); err != nil {
		l.t.Fatalf("restore %s: %v", l.proxy.Name, err)
	}
}
