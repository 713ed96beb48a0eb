package activities_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/blob/blobtest"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// objectStore is the S3 server (versitygw) the shared zebra stores
// attachments in; TestActivities starts it.
var objectStore *blobtest.Server

// testAttachments walks an attachment's life through the HTTP API, the
// bytes moved with net/http on the presigned URLs as a client would:
// declare, upload, complete, download, list, delete, and the deletion of
// the activity deleting the rest, objects included.
func testAttachments(t *testing.T) {
	alice := newMember(t)
	act := create(t, alice, map[string]any{"title": "With files"})
	base := "/v1/activities/" + act["id"].(string) + "/attachments"
	content := bytes.Repeat([]byte("zebra "), 200) // 1200 bytes

	r := expect(t, call(t, alice, "POST", base, map[string]any{
		"filename": " Report 2026.pdf ", "contentType": "application/pdf", "size": len(content),
	}), http.StatusCreated)
	a := r.json(t)
	id, _ := a["id"].(string)
	if !uuidV7.MatchString(id) || a["status"] != "pending" || a["filename"] != "Report 2026.pdf" ||
		a["size"] != float64(len(content)) || a["activityId"] != act["id"] || a["createdBy"] != alice.id || a["version"] != float64(1) {
		t.Fatalf("created %v", a)
	}
	if r.header.Get("Location") != base+"/"+id || r.header.Get("ETag") != `"1"` {
		t.Fatalf("Location %q ETag %q", r.header.Get("Location"), r.header.Get("ETag"))
	}
	upload, _ := a["upload"].(map[string]any)
	headers, _ := upload["headers"].(map[string]any)
	if upload["method"] != "PUT" || !strings.HasPrefix(upload["url"].(string), objectStore.Endpoint+"/") ||
		headers["Content-Type"] != "application/pdf" || headers["Content-Length"] != "1200" {
		t.Fatalf("upload %v", upload)
	}
	if exp, err := time.Parse(time.RFC3339, upload["expiresAt"].(string)); err != nil || time.Until(exp) < 10*time.Minute {
		t.Fatalf("upload.expiresAt %v (%v)", upload["expiresAt"], err)
	}

	// Pending: no download yet, and completing before the upload is a 409.
	got := expect(t, call(t, alice, "GET", base+"/"+id, nil), http.StatusOK).json(t)
	if _, ok := got["download"]; ok || got["status"] != "pending" {
		t.Fatalf("pending attachment: %v", got)
	}
	r = expect(t, call(t, alice, "POST", base+"/"+id+"/complete", nil), http.StatusConflict)
	if reason := r.json(t)["details"].(map[string]any)["reason"]; reason != "upload_missing" {
		t.Fatalf("complete before the upload: %s", r.body)
	}

	// The storage refuses an upload of another size or type: it is signed.
	if s := direct(t, "PUT", upload["url"].(string), map[string]string{"Content-Type": "application/pdf"}, append(content, 'x')); s.status != http.StatusForbidden {
		t.Fatalf("a larger upload: %d %s", s.status, s.body)
	}
	if s := direct(t, "PUT", upload["url"].(string), map[string]string{"Content-Type": "text/html"}, content); s.status != http.StatusForbidden {
		t.Fatalf("an upload of another type: %d %s", s.status, s.body)
	}
	if s := direct(t, "PUT", upload["url"].(string), stringsOf(headers), content); s.status != http.StatusOK {
		t.Fatalf("the upload as signed: %d %s", s.status, s.body)
	}

	r = expect(t, call(t, alice, "POST", base+"/"+id+"/complete", nil), http.StatusOK)
	if done := r.json(t); done["status"] != "available" || done["version"] != float64(2) || r.header.Get("ETag") != `"2"` {
		t.Fatalf("completed %v", done)
	}
	expect(t, call(t, alice, "POST", base+"/"+id+"/complete", nil), http.StatusOK) // again: unchanged

	got = expect(t, call(t, alice, "GET", base+"/"+id, nil), http.StatusOK).json(t)
	download, _ := got["download"].(map[string]any)
	if got["status"] != "available" || download["method"] != "GET" {
		t.Fatalf("available attachment: %v", got)
	}
	d := direct(t, "GET", download["url"].(string), nil, nil)
	if d.status != http.StatusOK || !bytes.Equal(d.body, content) || d.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %s (%d bytes)", d.status, d.header.Get("Content-Type"), len(d.body))
	}
	if cd := d.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, `Report 2026.pdf`) {
		t.Errorf("download Content-Disposition %q", cd)
	}

	// A second, never uploaded; the list is a keyset page, newest first.
	second := expect(t, call(t, alice, "POST", base, map[string]any{"filename": "notes.txt", "contentType": "text/plain", "size": 5}), http.StatusCreated).json(t)
	if ids := walk(t, alice, base+"?limit=1"); !slices.Equal(ids, []string{second["id"].(string), id}) {
		t.Fatalf("list walk %v", ids)
	}

	// Deleting the attachment needs If-Match; its object goes after the commit.
	expect(t, call(t, alice, "DELETE", base+"/"+second["id"].(string), nil), http.StatusPreconditionRequired)
	expect(t, call(t, alice, "DELETE", base+"/"+second["id"].(string), nil, "If-Match", `"2"`), http.StatusPreconditionFailed)
	expect(t, call(t, alice, "DELETE", base+"/"+second["id"].(string), nil, "If-Match", `"1"`), http.StatusNoContent)
	expect(t, call(t, alice, "GET", base+"/"+second["id"].(string), nil), http.StatusNotFound)

	// Deleting the activity deletes the attachment, rows now and the
	// object once the outbox event is consumed.
	expect(t, call(t, alice, "DELETE", "/v1/activities/"+act["id"].(string), nil, "If-Match", `"1"`), http.StatusNoContent)
	expect(t, call(t, alice, "GET", base+"/"+id, nil), http.StatusNotFound)
	expect(t, call(t, alice, "GET", base, nil), http.StatusNotFound)
	if n := count(t, `SELECT count(*) FROM activities.attachments WHERE activity_id = $1`, act["id"]); n != 0 {
		t.Fatalf("%d attachment rows left", n)
	}
	key := "activities/" + act["id"].(string) + "/attachments/" + id
	store := objectStore.Store(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := store.Stat(context.Background(), key)
		if errors.Is(err, blob.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the object of a deleted attachment is still stored (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := direct(t, "GET", download["url"].(string), nil, nil); s.status != http.StatusNotFound {
		t.Fatalf("the old download URL still serves: %d", s.status)
	}

	// Every change left an audit event and an outbox event.
	want := map[string]int{"attachment.added": 2, "attachment.uploaded": 1, "attachment.deleted": 2}
	for typ, n := range want {
		if got := count(t, `SELECT count(*) FROM platform.outbox o WHERE o.event_type = $1 AND o.aggregate_id IN ($2, $3)`, typ, id, second["id"]); got != n {
			t.Errorf("%d outbox events %s, want %d", got, typ, n)
		}
	}
	page := expect(t, call(t, admin(t), "GET", "/v1/audit-events?entityType=attachment&entityId="+id, nil), http.StatusOK).json(t)
	var actions []string
	for _, it := range page["items"].([]any) {
		actions = append(actions, it.(map[string]any)["action"].(string))
	}
	if strings.Join(actions, ",") != "attachment.deleted,attachment.uploaded,attachment.added" {
		t.Fatalf("audit actions (newest first) %v", actions)
	}
}

// testAttachmentRules: visibility, permissions and the 422s.
func testAttachmentRules(t *testing.T) {
	alice, bob := newMember(t), newMember(t)
	act := create(t, alice, map[string]any{"title": "Private files"})
	base := "/v1/activities/" + act["id"].(string) + "/attachments"
	a := expect(t, call(t, alice, "POST", base, map[string]any{"filename": "a.png", "contentType": "image/png", "size": 10}), http.StatusCreated).json(t)
	one := base + "/" + a["id"].(string)

	// Another member sees nothing of it: 404 everywhere, never 403.
	expect(t, call(t, bob, "GET", base, nil), http.StatusNotFound)
	expect(t, call(t, bob, "GET", one, nil), http.StatusNotFound)
	expect(t, call(t, bob, "POST", base, map[string]any{"filename": "b.png", "contentType": "image/png", "size": 1}), http.StatusNotFound)
	expect(t, call(t, bob, "POST", one+"/complete", nil), http.StatusNotFound)
	expect(t, call(t, bob, "DELETE", one, nil, "If-Match", `"1"`), http.StatusNotFound)
	// An admin reaches it; an auditor may not touch attachments.
	expect(t, call(t, admin(t), "GET", one, nil), http.StatusOK)
	auditor := newAuditor(t)
	expect(t, call(t, auditor, "GET", base, nil), http.StatusForbidden)
	expect(t, call(t, auditor, "POST", base, map[string]any{"filename": "b.png", "contentType": "image/png", "size": 1}), http.StatusForbidden)
	expect(t, call(t, nil, "GET", one, nil), http.StatusUnauthorized)

	tests := []struct {
		name   string
		body   string
		fields []string
	}{
		{"empty size", `{"filename":"a","contentType":"image/png","size":0}`, []string{"size"}},
		{"over ATTACHMENT_MAX_BYTES", `{"filename":"a","contentType":"image/png","size":10485761}`, []string{"size"}},
		{"a path", `{"filename":"../../etc/passwd","contentType":"image/png","size":1}`, []string{"filename"}},
		{"not a media type", `{"filename":"a","contentType":"png","size":1}`, []string{"contentType"}},
		{"everything", `{"filename":"","contentType":"x","size":-1}`, []string{"filename", "contentType", "size"}},
		{"mass assignment", `{"filename":"a","contentType":"image/png","size":1,"status":"available"}`, []string{"status"}},
		{"missing fields", `{}`, []string{"filename", "contentType", "size"}},
	}
	for _, tt := range tests {
		r := expect(t, call(t, alice, "POST", base, tt.body), http.StatusUnprocessableEntity)
		got := r.fields(t)
		for _, f := range tt.fields {
			if !slices.Contains(got, f) {
				t.Errorf("%s: 422 names %v, want %v", tt.name, got, tt.fields)
			}
		}
	}
	if n := count(t, `SELECT count(*) FROM activities.attachments WHERE activity_id = $1`, act["id"]); n != 1 {
		t.Fatalf("%d attachments stored, want only the valid one", n)
	}
	// Unknown attachment or activity ids are 404s.
	expect(t, call(t, alice, "GET", base+"/01900000-0000-7000-8000-000000000000", nil), http.StatusNotFound)
	expect(t, call(t, alice, "GET", "/v1/activities/01900000-0000-7000-8000-000000000000/attachments", nil), http.StatusNotFound)
}

// TestAttachmentsWithoutObjectStorage: a zebra without S3_* serves
// everything else; the routes that need object storage answer 503
// unavailable in the envelope, and /readyz does not mention it.
func TestAttachmentsWithoutObjectStorage(t *testing.T) {
	zs := zebratest.Start(t, zebratest.WithEnv("RATE_LIMIT_ENABLED=false", "LOG_LEVEL=warn"))
	base := zs.URL("")
	alice := newMemberOn(t, base)
	act := expect(t, call(t, alice, "POST", "/v1/activities", map[string]any{"title": "No storage"}), http.StatusCreated).json(t)
	path := "/v1/activities/" + act["id"].(string) + "/attachments"
	r := expect(t, call(t, alice, "POST", path, map[string]any{"filename": "a.png", "contentType": "image/png", "size": 1}), http.StatusServiceUnavailable)
	if r.code(t) != "unavailable" || !strings.Contains(string(r.body), "object storage") {
		t.Fatalf("503 body %s", r.body)
	}
	if page := expect(t, call(t, alice, "GET", path, nil), http.StatusOK).json(t); len(page["items"].([]any)) != 0 {
		t.Fatalf("list %v", page)
	}
	ready := expect(t, callBase(t, base, nil, "GET", "/readyz", nil), http.StatusOK).json(t)
	if _, ok := ready["checks"].(map[string]any)["s3"]; ok {
		t.Fatalf("/readyz reports object storage it does not use: %v", ready)
	}
}

// testReadinessReportsObjectStorage: with S3_* set, /readyz checks the
// bucket.
func testReadinessReportsObjectStorage(t *testing.T) {
	ready := expect(t, call(t, nil, "GET", "/readyz", nil), http.StatusOK).json(t)
	if checks, _ := ready["checks"].(map[string]any); checks["s3"] != "ok" {
		t.Fatalf("/readyz = %v, want checks.s3 ok", ready)
	}
}

// direct sends a request to object storage with net/http, without the
// bearer token, as a browser holding a presigned URL would.
func direct(t *testing.T, method, url string, headers map[string]string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k != "Content-Length" { // net/http sends the body's length
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func stringsOf(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}
