package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/blob/blobtest"
)

// TestS3RoundTrip stores, reads, presigns and deletes objects on a real
// S3 server (versitygw), the presigned requests made with net/http as a
// client would.
func TestS3RoundTrip(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t)
	st := srv.Store(t)
	ctx := context.Background()

	body := []byte("hello, object storage")
	info, err := st.Put(ctx, "a/b/hello.txt", bytes.NewReader(body), int64(len(body)), blob.PutOptions{ContentType: "text/plain", MaxBytes: 100})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if info.Size != int64(len(body)) || info.ETag == "" {
		t.Fatalf("Put = %+v", info)
	}
	stat, err := st.Stat(ctx, "a/b/hello.txt")
	if err != nil || stat.Size != int64(len(body)) || stat.ContentType != "text/plain" {
		t.Fatalf("Stat = %+v, %v", stat, err)
	}
	obj, err := st.Get(ctx, "a/b/hello.txt")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	got, err := io.ReadAll(obj)
	_ = obj.Close()
	if err != nil || !bytes.Equal(got, body) || obj.ContentType != "text/plain" {
		t.Fatalf("Get read %q (%s), %v", got, obj.ContentType, err)
	}

	// Presigned GET: no credentials, the original filename as a download.
	get, err := st.PresignGet(ctx, "a/b/hello.txt", time.Minute, blob.GetOptions{Filename: "Grüße.txt"})
	if err != nil {
		t.Fatalf("PresignGet: %v", err)
	}
	if get.Method != http.MethodGet || time.Until(get.ExpiresAt) < 50*time.Second || time.Until(get.ExpiresAt) > time.Minute {
		t.Fatalf("PresignGet = %+v", get)
	}
	resp := do(t, http.MethodGet, get.URL, nil, nil)
	if resp.status != http.StatusOK || resp.body != string(body) {
		t.Fatalf("GET presigned: %d %q", resp.status, resp.body)
	}
	if cd := resp.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=utf-8''Gr%C3%BC%C3%9Fe.txt") {
		t.Errorf("Content-Disposition = %q", cd)
	}

	// Presigned PUT: the client sends the signed headers as they are.
	upload := []byte(strings.Repeat("x", 1000))
	put, err := st.PresignPut(ctx, "up/one.bin", int64(len(upload)), time.Minute, blob.PutOptions{ContentType: "application/pdf"})
	if err != nil {
		t.Fatalf("PresignPut: %v", err)
	}
	if put.Headers.Get("Content-Type") != "application/pdf" || put.Headers.Get("Content-Length") != "1000" {
		t.Fatalf("PresignPut headers = %v", put.Headers)
	}
	if r := do(t, put.Method, put.URL, put.Headers, upload); r.status != http.StatusOK {
		t.Fatalf("PUT presigned: %d %s", r.status, r.body)
	}
	if stat, err := st.Stat(ctx, "up/one.bin"); err != nil || stat.Size != 1000 || stat.ContentType != "application/pdf" {
		t.Fatalf("Stat after presigned PUT = %+v, %v", stat, err)
	}

	// Delete, then the object is gone; deleting again succeeds.
	for _, key := range []string{"a/b/hello.txt", "up/one.bin"} {
		if err := st.Delete(ctx, key); err != nil {
			t.Fatalf("Delete %s: %v", key, err)
		}
		if _, err := st.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat after Delete = %v, want ErrNotFound", err)
		}
		if _, err := st.Get(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
		}
		if err := st.Delete(ctx, key); err != nil {
			t.Fatalf("second Delete %s: %v", key, err)
		}
	}
	if r := do(t, http.MethodGet, get.URL, nil, nil); r.status != http.StatusNotFound {
		t.Fatalf("presigned GET of a deleted object: %d", r.status)
	}
}

// TestPresignedPutRefusesAnotherUpload: the signed Content-Length and
// Content-Type are what the storage accepts, nothing else.
func TestPresignedPutRefusesAnotherUpload(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t)
	st := srv.Store(t)
	ctx := context.Background()
	put, err := st.PresignPut(ctx, "k", 10, time.Minute, blob.PutOptions{ContentType: "image/png"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
	}{
		{"larger", "image/png", bytes.Repeat([]byte("x"), 11)},
		{"much larger", "image/png", bytes.Repeat([]byte("x"), 1<<20)},
		{"smaller", "image/png", bytes.Repeat([]byte("x"), 9)},
		{"another type", "text/html", bytes.Repeat([]byte("x"), 10)},
	}
	for _, tt := range tests {
		h := http.Header{"Content-Type": {tt.contentType}}
		r, err := send(t, put.Method, put.URL, h, tt.body)
		switch {
		case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
			// Refused before the body was all sent: the server answered
			// 403 and closed while the client was still writing.
		case err != nil:
			t.Fatalf("%s: %v", tt.name, err)
		case r.status != http.StatusForbidden:
			t.Errorf("%s: %d %s, want 403", tt.name, r.status, r.body)
		}
	}
	if _, err := st.Stat(ctx, "k"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a refused upload stored something: %v", err)
	}
	if r := do(t, put.Method, put.URL, put.Headers, bytes.Repeat([]byte("x"), 10)); r.status != http.StatusOK {
		t.Fatalf("the upload as signed: %d %s", r.status, r.body)
	}
}

// TestPresignedURLExpires: past its expiry a URL is refused.
func TestPresignedURLExpires(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t)
	st := srv.Store(t)
	ctx := context.Background()
	if _, err := st.Put(ctx, "k", strings.NewReader("v"), 1, blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	get, err := st.PresignGet(ctx, "k", time.Second, blob.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	if r := do(t, http.MethodGet, get.URL, nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("expired URL: %d %s, want 403", r.status, r.body)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t)
	st := srv.Store(t)
	ctx := context.Background()
	if _, err := st.Put(ctx, "big", strings.NewReader("12345"), 5, blob.PutOptions{MaxBytes: 4}); !errors.Is(err, blob.ErrTooLarge) {
		t.Errorf("Put over MaxBytes = %v, want ErrTooLarge", err)
	}
	if _, err := st.Stat(ctx, "big"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("a refused Put stored something: %v", err)
	}
	if _, err := st.Put(ctx, "unknown", strings.NewReader("1"), -1, blob.PutOptions{}); err == nil {
		t.Error("Put of an unknown size succeeded")
	}
	// A reader longer than the size given stores the size given.
	if info, err := st.Put(ctx, "cut", strings.NewReader("123456789"), 3, blob.PutOptions{MaxBytes: 4}); err != nil || info.Size != 3 {
		t.Errorf("Put of a longer reader = %+v, %v", info, err)
	}
	if _, err := st.PresignPut(ctx, "big", 5, time.Minute, blob.PutOptions{MaxBytes: 4}); !errors.Is(err, blob.ErrTooLarge) {
		t.Errorf("PresignPut over MaxBytes = %v, want ErrTooLarge", err)
	}
	for _, d := range []time.Duration{0, 500 * time.Millisecond, blob.MaxPresignExpiry + time.Second} {
		if _, err := st.PresignGet(ctx, "cut", d, blob.GetOptions{}); err == nil {
			t.Errorf("PresignGet with expiry %s succeeded", d)
		}
	}
}

// TestCheck: the readiness probe answers for an existing bucket only.
func TestCheck(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t)
	ctx := context.Background()
	if err := srv.Store(t).Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	c := srv.Config()
	c.Bucket = "missing"
	other, err := blob.NewS3(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Check(ctx); !errors.Is(err, blob.ErrUnavailable) {
		t.Fatalf("Check of a missing bucket = %v, want ErrUnavailable", err)
	}
	c = srv.Config()
	c.SecretAccessKey = "wrong"
	wrong, err := blob.NewS3(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := wrong.Check(ctx); !errors.Is(err, blob.ErrUnavailable) {
		t.Fatalf("Check with a wrong secret = %v, want ErrUnavailable", err)
	}
	if _, err := wrong.Stat(ctx, "k"); !errors.Is(err, blob.ErrUnavailable) {
		t.Fatalf("Stat with a wrong secret = %v, want ErrUnavailable", err)
	}
	srv.Stop()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := srv.Store(t).Check(cctx); !errors.Is(err, blob.ErrUnavailable) {
		t.Fatalf("Check of a stopped server = %v, want ErrUnavailable", err)
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request with net/http, as a browser or a mobile client
// holding a presigned URL would.
func do(t *testing.T, method, url string, header http.Header, body []byte) response {
	t.Helper()
	r, err := send(t, method, url, header, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is do returning the transport's error.
func send(t *testing.T, method, url string, header http.Header, body []byte) (response, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		if k == "Content-Length" { // net/http sends the body's own length
			if n, _ := strconv.Atoi(vs[0]); n != len(body) {
				t.Logf("sending %d bytes where %s were signed", len(body), vs[0])
			}
			continue
		}
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// TestPublicEndpointSignsForClients: with S3_PUBLIC_ENDPOINT, presigned
// URLs name the address clients use (here localhost) while the service
// talks to another (127.0.0.1), and the storage accepts them.
func TestPublicEndpointSignsForClients(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t)
	c := srv.Config()
	c.PublicEndpoint = strings.Replace(srv.Endpoint, "127.0.0.1", "localhost", 1)
	st, err := blob.NewS3(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put, err := st.PresignPut(ctx, "k", 3, time.Minute, blob.PutOptions{ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(put.URL, c.PublicEndpoint+"/") {
		t.Fatalf("presigned URL %s does not name %s", put.URL, c.PublicEndpoint)
	}
	if r := do(t, put.Method, put.URL, put.Headers, []byte("abc")); r.status != http.StatusOK {
		t.Fatalf("PUT on the public endpoint: %d %s", r.status, r.body)
	}
	if info, err := st.Stat(ctx, "k"); err != nil || info.Size != 3 {
		t.Fatalf("Stat through the service's endpoint = %+v, %v", info, err)
	}
	get, err := st.PresignGet(ctx, "k", time.Minute, blob.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := do(t, get.Method, get.URL, nil, nil); r.status != http.StatusOK || r.body != "abc" || !strings.HasPrefix(get.URL, c.PublicEndpoint) {
		t.Fatalf("GET on the public endpoint: %d %q (%s)", r.status, r.body, get.URL)
	}
}
