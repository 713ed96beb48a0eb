package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"pgregory.net/rapid"
)

// Request is a drawn request for one operation, before it is sent. The
// suite adjusts it (real ids, current ETags, tokens) between drawing and
// sending; Mutate breaks it.
type Request struct {
	Op     *Operation
	Path   map[string]string
	Query  url.Values
	Header http.Header
	// Body is the JSON body (as json.Marshal takes it) when HasBody.
	Body    any
	HasBody bool
	// Raw, when set, is sent instead of Body as is (malformed JSON,
	// oversized bodies).
	Raw         []byte
	ContentType string
	// Token is the bearer token sent, and Principal who it belongs to
	// ("anonymous" when none), for reports.
	Token     string
	Principal string
}

// DrawRequest draws a request that the document says op accepts: every
// required parameter and some optional ones, and a body when op takes one.
// With boundary, values sit on the edges their schemas declare.
func DrawRequest(t *rapid.T, op *Operation, boundary bool) *Request {
	r := &Request{
		Op: op, Path: map[string]string{}, Query: url.Values{}, Header: http.Header{},
		Principal: "anonymous",
	}
	for _, p := range op.Params {
		if !p.Required && !rapid.Bool().Draw(t, p.Name+" (sent?)") {
			continue
		}
		r.SetParam(p, drawParam(t, p, boundary))
	}
	if body := op.BodySchema(); body != nil {
		r.Body, r.HasBody = Value(t, body, "body", boundary), true
		r.ContentType = "application/json"
	}
	return r
}

// drawParam draws a parameter's value. Path segments are never empty nor
// a dot segment (a client would rewrite the path), and header values are
// visible ASCII (a client or server would trim or refuse anything else).
func drawParam(t *rapid.T, p *openapi3.Parameter, boundary bool) any {
	s := paramSchema(p)
	switch {
	case s == nil:
		return drawText(t, p.Name, 1, 10)
	case p.In == openapi3.ParameterInHeader && s.Type.Is(openapi3.TypeString) && s.Format == "" && len(s.Enum) == 0 && s.Pattern == "":
		lo, hi := int(s.MinLength), int(s.MinLength)+unboundedStringLen
		if s.MaxLength != nil {
			hi = int(*s.MaxLength)
		}
		if boundary {
			n := rapid.SampledFrom([]int{max(lo, 1), hi}).Draw(t, p.Name+" (length edge)")
			return rapid.StringOfN(headerRune, n, n, -1).Draw(t, p.Name)
		}
		return rapid.StringOfN(headerRune, max(lo, 1), min(hi, lo+unboundedStringLen), -1).Draw(t, p.Name)
	case p.In == openapi3.ParameterInPath:
		v := Value(t, s, p.Name, boundary)
		if str, ok := v.(string); ok && (str == "" || str == "." || str == "..") {
			return "x" + str
		}
		return v
	}
	return Value(t, s, p.Name, boundary)
}

func paramSchema(p *openapi3.Parameter) *openapi3.Schema {
	if p.Schema == nil {
		return nil
	}
	return p.Schema.Value
}

// SetParam puts a parameter's value where the parameter lives. nil
// removes it.
func (r *Request) SetParam(p *openapi3.Parameter, v any) {
	switch p.In {
	case openapi3.ParameterInPath:
		if v == nil {
			delete(r.Path, p.Name)
			return
		}
		r.Path[p.Name] = scalar(v)
	case openapi3.ParameterInQuery:
		r.Query.Del(p.Name)
		if arr, ok := v.([]any); ok {
			for _, item := range arr {
				r.Query.Add(p.Name, scalar(item))
			}
		} else if v != nil {
			r.Query.Set(p.Name, scalar(v))
		}
	case openapi3.ParameterInHeader:
		r.Header.Del(p.Name)
		if v != nil {
			r.Header.Set(p.Name, scalar(v))
		}
	}
}

// scalar writes a parameter value the way the simple and form styles do.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = scalar(item)
		}
		return strings.Join(parts, ",")
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// URL is the request's path and query under base.
func (r *Request) URL(base string) string {
	path := r.Op.Path
	for name, v := range r.Path {
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(v))
	}
	u := base + path
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	return u
}

// Payload is the body bytes sent (nil when none).
func (r *Request) Payload() ([]byte, error) {
	if r.Raw != nil {
		return r.Raw, nil
	}
	if !r.HasBody {
		return nil, nil
	}
	return json.Marshal(r.Body)
}

// HTTP builds the *http.Request to send to base.
func (r *Request) HTTP(base string) (*http.Request, error) {
	payload, err := r.Payload()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(r.Op.Method, r.URL(base), bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	if payload == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// String is the request as a report shows it: method, URL, principal,
// headers and body (a long body is cut).
func (r *Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s   (as %s)\n", r.Op.Method, r.URL(""), r.Principal)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, cut(strings.Join(r.Header[k], ", "), 300))
	}
	if r.ContentType != "" {
		fmt.Fprintf(&b, "Content-Type: %s\n", r.ContentType)
	}
	if payload, err := r.Payload(); err == nil && payload != nil {
		fmt.Fprintf(&b, "\n%s\n", cut(string(payload), 2000))
	}
	return b.String()
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("... (%d bytes)", len(s))
}
