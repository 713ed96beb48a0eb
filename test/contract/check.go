package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// Response is what the service answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// String is the response as a report shows it (a long body is cut).
func (r *Response) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s\n", r.Status, http.StatusText(r.Status))
	for _, k := range sortedKeys(r.Header) {
		fmt.Fprintf(&b, "%s: %s\n", k, cut(strings.Join(r.Header[k], ", "), 300))
	}
	if len(r.Body) > 0 {
		fmt.Fprintf(&b, "\n%s\n", cut(string(r.Body), 2000))
	}
	return b.String()
}

// genericHeaders are response headers of HTTP itself (framing, caching,
// content sniffing, CORS) rather than of an operation's contract; every
// other header a response carries must be declared on it.
var genericHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Date": true, "Transfer-Encoding": true,
	"Connection": true, "Keep-Alive": true, "Vary": true, "Cache-Control": true, "Pragma": true,
	"Expires": true, "X-Content-Type-Options": true, "X-Frame-Options": true, "Referrer-Policy": true,
	"Content-Security-Policy": true, "Strict-Transport-Security": true, "Cross-Origin-Opener-Policy": true,
	"Cross-Origin-Resource-Policy": true, "Cross-Origin-Embedder-Policy": true, "Permissions-Policy": true,
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// envelope is docs/api.md's error body.
type envelope struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
	Details   struct {
		Fields []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"fields"`
		Reason string `json:"reason"`
	} `json:"details"`
}

// ValidateRequest reports whether the document accepts r (kin-openapi's
// request validator, security aside: tokens are checked by the service).
// The suite uses it on its own draws: a "valid" request must pass and a
// schema-breaking mutation must not.
func (s *Spec) ValidateRequest(r *Request) error {
	req, err := r.HTTP("http://contract.invalid")
	if err != nil {
		return err
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: r.Path, Route: s.Route(r.Op),
		Options: &openapi3filter.Options{
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults: true,
		},
	})
}

// Check holds resp, the answer to r, to the document and to the
// conventions docs/api.md sets for every route, and returns each discrepancy.
func (s *Spec) Check(r *Request, resp *Response) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	op := r.Op
	if resp.Status >= 500 {
		add("a generated request got %d: no request may produce a 5xx", resp.Status)
	}
	declared := op.Response(resp.Status)
	if declared == nil {
		add("status %d is not declared for %s (only \"default\" would cover it)", resp.Status, op.ID)
	}
	if declared != nil {
		for name := range resp.Header {
			if genericHeaders[name] {
				continue
			}
			if !declaresHeader(declared.Headers, name) {
				add("response header %s is not declared on %s's %d response", name, op.ID, resp.Status)
			}
		}
		for name, h := range declared.Headers {
			if h.Value != nil && h.Value.Required && resp.Header.Get(name) == "" {
				add("required response header %s is missing", name)
			}
		}
	}
	if err := s.validateResponse(r, resp); err != nil {
		add("%s", err)
	}
	problems = append(problems, conventions(resp)...)
	problems = append(problems, pageSize(r, resp)...)
	return problems
}

// pageSize holds a list's page to its limit (docs/api.md, Pagination): never
// more items than ?limit= (or the parameter's default) asks for.
func pageSize(r *Request, resp *Response) []string {
	p := r.Op.Param("query", "limit")
	if p == nil || resp.Status != http.StatusOK {
		return nil
	}
	limit := 0
	if v := r.Query.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	} else if s := paramSchema(p); s != nil {
		if d, ok := s.Default.(float64); ok {
			limit = int(d)
		}
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if limit <= 0 || json.Unmarshal(resp.Body, &page) != nil {
		return nil
	}
	if len(page.Items) > limit {
		return []string{fmt.Sprintf("a page of %d items for limit %d", len(page.Items), limit)}
	}
	return nil
}

func declaresHeader[V any](headers map[string]V, name string) bool {
	for k := range headers {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// validateResponse runs kin-openapi's response validator: status, headers
// declared with a schema, and the body against the declared schema.
func (s *Spec) validateResponse(r *Request, resp *Response) error {
	req, err := r.HTTP("http://contract.invalid")
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: r.Path, Route: s.Route(r.Op),
		},
		Status: resp.Status,
		Header: resp.Header,
		Body:   io.NopCloser(bytes.NewReader(resp.Body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("response does not match the document: %w", err)
	}
	return nil
}

// conventions are docs/api.md's rules for every response.
func conventions(resp *Response) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	rid := resp.Header.Get("X-Request-Id")
	if !requestIDPattern.MatchString(rid) {
		add("X-Request-Id %q is missing or malformed", rid)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		add("X-Content-Type-Options is %q, want nosniff", got)
	}
	if resp.Header.Get("Server") != "" {
		add("Server header %q reveals the server", resp.Header.Get("Server"))
	}
	switch {
	case resp.Status == http.StatusNoContent || resp.Status == http.StatusNotModified:
		if len(resp.Body) > 0 {
			add("a %d response has a body", resp.Status)
		}
	case len(resp.Body) > 0:
		if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			add("Content-Type is %q, want application/json; charset=utf-8", ct)
		}
	}
	if resp.Status >= 400 {
		if !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
			add("an error response without Cache-Control: no-store")
		}
		var env envelope
		if err := json.Unmarshal(resp.Body, &env); err != nil {
			add("error body is not the JSON envelope: %v", err)
		} else if env.RequestID != rid && resp.Header.Get("Idempotent-Replayed") != "true" {
			// A replay repeats the first response's body, request id
			// included (docs/api.md, Idempotency), under a new X-Request-Id.
			add("envelope requestId %q differs from X-Request-Id %q", env.RequestID, rid)
		}
	}
	if resp.Status == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		add("401 without WWW-Authenticate: Bearer")
	}
	if resp.Status == http.StatusTooManyRequests {
		if _, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil {
			add("429 without a Retry-After in seconds")
		}
	}
	if resp.Status >= 200 && resp.Status < 300 && len(resp.Body) > 0 {
		var body struct {
			Version *int64 `json:"version"`
		}
		if json.Unmarshal(resp.Body, &body) == nil && body.Version != nil {
			if want := strconv.Quote(strconv.FormatInt(*body.Version, 10)); resp.Header.Get("ETag") != want {
				add("ETag is %q, want %s for a body at version %d", resp.Header.Get("ETag"), want, *body.Version)
			}
		}
	}
	return problems
}

// Expect holds resp to what docs/api.md says about the breakage m.
func Expect(m *Mutation, resp *Response) []string {
	var problems []string
	if !slices.Contains(m.Statuses, resp.Status) {
		problems = append(problems, fmt.Sprintf("%s (%s): want status %v, got %d", m.Kind, m.Target, m.Statuses, resp.Status))
		return problems
	}
	var env envelope
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		return append(problems, fmt.Sprintf("%s: error body is not the envelope: %v", m.Kind, err))
	}
	if m.Code != "" && env.Code != m.Code {
		problems = append(problems, fmt.Sprintf("%s (%s): want code %s, got %s", m.Kind, m.Target, m.Code, env.Code))
	}
	if m.Field != "" && !namesField(env, m.Field) {
		problems = append(problems, fmt.Sprintf("%s: details.fields does not name %q", m.Kind, m.Field))
	}
	return problems
}

func namesField(env envelope, field string) bool {
	for _, f := range env.Details.Fields {
		if f.Field == field || strings.HasPrefix(f.Field, field+".") || strings.HasPrefix(f.Field, field+"[") {
			return true
		}
	}
	return false
}
