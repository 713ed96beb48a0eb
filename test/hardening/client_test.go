package hardening

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// reply is a finished exchange.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// request is one exchange to send. body is sent as is; headers are set
// after the defaults (Content-Type for a body, Authorization for token).
type request struct {
	method, path string
	body         []byte
	token        string
	header       map[string]string
	contentType  string
}

var client = &http.Client{Timeout: 30 * time.Second}

func send(t *testing.T, base string, r request) reply {
	t.Helper()
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, base+r.path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	if r.body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", r.method, r.path, err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: b}
}

// sendRaw writes a request byte for byte on a new connection, for what
// an HTTP client library refuses to send (NUL or CR in a header value).
func sendRaw(t *testing.T, addr, raw string) reply {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	go func() { _, _ = io.WriteString(conn, raw) }()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("raw request %.60q: %v", raw, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{status: res.StatusCode, header: res.Header, body: b}
}

// envelope is docs/api.md's error body.
type envelope struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details"`
	RequestID string         `json:"requestId"`
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// statusOf maps each envelope code to the statuses docs/api.md gives it.
var statusOf = map[string][]int{
	"bad_request": {400, 431}, "invalid_cursor": {400}, "invalid_idempotency_key": {400}, "unauthorized": {401},
	"forbidden": {403}, "not_found": {404}, "method_not_allowed": {405}, "conflict": {409},
	"idempotency_key_in_use": {409}, "precondition_failed": {412}, "payload_too_large": {413},
	"unsupported_media_type": {415}, "validation_failed": {422}, "idempotency_key_reused": {422},
	"precondition_required": {428}, "rate_limited": {429},
}

// refused checks that r is a 4xx in the envelope, and that nothing the
// attacker sent leaked into a response header.
func refused(r reply) error {
	if r.status < 400 || r.status > 499 {
		return fmt.Errorf("status %d, want 4xx: %.300s", r.status, r.body)
	}
	if err := headersClean(r); err != nil {
		return err
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		return fmt.Errorf("status %d with Content-Type %q: %.300s", r.status, ct, r.body)
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return fmt.Errorf("status %d without the envelope (%w): %.300s", r.status, err, r.body)
	}
	ok := false
	for _, s := range statusOf[env.Code] {
		ok = ok || s == r.status
	}
	switch {
	case !ok:
		return fmt.Errorf("status %d with code %q", r.status, env.Code)
	case env.Message == "" || env.Details == nil:
		return fmt.Errorf("incomplete envelope: %s", r.body)
	case env.RequestID == "" || env.RequestID != r.header.Get("X-Request-Id"):
		return fmt.Errorf("requestId %q, X-Request-Id %q", env.RequestID, r.header.Get("X-Request-Id"))
	}
	return nil
}

// injectedHeaders are names the header-injection payloads try to smuggle
// into a response.
var injectedHeaders = []string{"Set-Cookie", "X-Injected", "Location-Injected"}

// headersClean: no smuggled header, a valid X-Request-Id, no framework
// banner.
func headersClean(r reply) error {
	for _, h := range injectedHeaders {
		if v := r.header.Get(h); v != "" {
			return fmt.Errorf("response carries injected header %s: %q", h, v)
		}
	}
	if id := r.header.Get("X-Request-Id"); !requestIDPattern.MatchString(id) {
		return fmt.Errorf("X-Request-Id %q", id)
	}
	if s := r.header.Get("Server"); s != "" {
		return fmt.Errorf("Server banner %q", s)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return fmt.Errorf("header %s has control characters: %q", k, v)
			}
		}
	}
	return nil
}

// emptyPage reports whether r is a 200 page with no item: what a filter
// made of attack text must return (never every row).
func emptyPage(r reply) bool {
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	return r.status == http.StatusOK && json.Unmarshal(r.body, &page) == nil && len(page.Items) == 0
}
