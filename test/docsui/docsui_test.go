// Package docsui checks the API reference page (/docs) of the real binary
// in a real browser: Debian's headless Chromium, driven by playwright-core
// (test/package.json) through docs.mjs. The page must render every
// operation of the document, make no request that leaves the server (its
// assets are embedded in the binary: it works offline), and its
// screenshot is kept in test/artifacts/docs.png.
package docsui

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/internal/browser"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

func TestMain(m *testing.M) { zebratest.Main(m) }

// screenshotPath is where the page's screenshot is kept (git-ignored).
const screenshotPath = "../artifacts/docs.png"

type report struct {
	Status   int    `json:"status"`
	Title    string `json:"title"`
	Info     string `json:"info"`
	Fatal    string `json:"fatal"`
	Requests []struct {
		URL    string `json:"url"`
		Method string `json:"method"`
		Type   string `json:"type"`
	} `json:"requests"`
	FailedRequests []struct {
		URL   string `json:"url"`
		Error string `json:"error"`
	} `json:"failedRequests"`
	PageErrors []string `json:"pageErrors"`
	Console    []string `json:"console"`
	Operations []struct {
		ID      string `json:"id"`
		Method  string `json:"method"`
		Path    string `json:"path"`
		Visible bool   `json:"visible"`
	} `json:"operations"`
}

// TestDocsPageRendersOffline opens /docs in headless Chromium.
func TestDocsPageRendersOffline(t *testing.T) {
	browser.Require(t)
	srv := zebratest.Start(t, zebratest.WithEnv("LOG_LEVEL=warn"))
	want := documentOperations(t, srv.URL("/openapi.json"))
	if err := os.MkdirAll(filepath.Dir(screenshotPath), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(screenshotPath)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "docs.mjs", srv.URL(""), screenshotPath)
	cmd.Env = append(os.Environ(), "CHROMIUM="+browser.Chromium())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node docs.mjs: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	var r report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("docs.mjs printed no report (%v):\n%s%s", err, stdout.String(), stderr.String())
	}
	if r.Fatal != "" {
		t.Fatalf("the browser run failed: %s\n%s", r.Fatal, stderr.String())
	}
	if r.Status != http.StatusOK || r.Title == "" || !strings.Contains(r.Info, "Zebra API") {
		t.Errorf("/docs answered %d, title %q, heading %q", r.Status, r.Title, r.Info)
	}

	// No request leaves the server: every URL the page or its workers
	// asked for is on the server's own host (or inline: data:, blob:).
	host := srv.Addr
	for _, req := range r.Requests {
		u, err := url.Parse(req.URL)
		if err != nil {
			t.Errorf("unparsable request URL %q", req.URL)
			continue
		}
		switch u.Scheme {
		case "data", "blob", "about":
			continue
		}
		if u.Host != host {
			t.Errorf("the page requested %s %s (%s): it must not leave %s", req.Method, req.URL, req.Type, host)
		}
	}
	if len(r.Requests) == 0 {
		t.Error("no request was recorded: the recorder is broken")
	}
	for _, f := range r.FailedRequests {
		t.Errorf("request failed: %s: %s", f.URL, f.Error)
	}
	for _, e := range append(r.PageErrors, r.Console...) {
		t.Errorf("page error: %s", e)
	}

	// Every operation of the document is on the page, visible, with its
	// method and path.
	got := map[string]string{}
	for _, op := range r.Operations {
		if op.Visible {
			got[op.ID] = op.Method + " " + op.Path
		}
	}
	for id, methodPath := range want {
		if got[id] != methodPath {
			t.Errorf("operation %s (%s) is not rendered: the page shows %q", id, methodPath, got[id])
		}
	}
	if len(want) < 10 {
		t.Errorf("the document lists only %d operations", len(want))
	}

	png, err := os.ReadFile(screenshotPath)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10_000 {
		t.Errorf("no screenshot at %s (%v, %d bytes)", screenshotPath, err, len(png))
	}
	ids := make([]string, 0, len(got))
	for id := range got {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	t.Logf("%d requests, all to %s; %d operations rendered; screenshot %s (%d bytes)", len(r.Requests), host, len(ids), screenshotPath, len(png))
}

// documentOperations maps Swagger UI's element id of each operation
// ("operations-<first tag>-<operationId>") to "METHOD /path".
func documentOperations(t *testing.T, docURL string) map[string]string {
	t.Helper()
	resp, err := http.Get(docURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string   `json:"operationId"`
			Tags        []string `json:"tags"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for path, item := range doc.Paths {
		for method, op := range item {
			tag := "default"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			out["operations-"+tag+"-"+op.OperationID] = strings.ToUpper(method) + " " + path
		}
	}
	return out
}
