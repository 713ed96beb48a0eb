package blob_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/config"
)

func TestConfigDefaultsAreOff(t *testing.T) {
	t.Parallel()
	var c blob.Config
	if err := config.ParseEnv(&c, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	want := blob.Config{Region: "us-east-1", MaxRetries: 3}
	if c != want {
		t.Fatalf("parsed %+v, want %+v", c, want)
	}
	if c.Enabled() {
		t.Fatal("object storage is on without S3_ENDPOINT and S3_BUCKET")
	}
	st, err := blob.New(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(blob.Disabled); !ok {
		t.Fatalf("New without configuration = %T, want Disabled", st)
	}
	if checks := blob.Checks(c, st); len(checks) != 0 {
		t.Fatalf("readiness checks without object storage: %v", checks)
	}
}

func TestConfigOn(t *testing.T) {
	t.Parallel()
	var c blob.Config
	err := config.ParseEnv(&c, map[string]string{
		"S3_ENDPOINT": "https://s3.eu-west-1.amazonaws.com", "S3_BUCKET": "zebra-prod", "S3_REGION": "eu-west-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := blob.New(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*blob.S3); !ok {
		t.Fatalf("New = %T, want *S3", st)
	}
	checks := blob.Checks(c, st)
	if len(checks) != 1 || checks[0].Name != "s3" || checks[0].Critical {
		t.Fatalf("checks = %+v, want one non-critical s3 check", checks)
	}
}

func TestConfigRefusesBadValues(t *testing.T) {
	t.Parallel()
	ok := map[string]string{"S3_ENDPOINT": "http://127.0.0.1:9000", "S3_BUCKET": "b"}
	tests := []struct {
		name string
		env  map[string]string
		key  string
	}{
		{"endpoint without bucket", map[string]string{"S3_ENDPOINT": "http://127.0.0.1:9000"}, "S3_BUCKET"},
		{"bucket without endpoint", map[string]string{"S3_BUCKET": "b"}, "S3_ENDPOINT"},
		{"endpoint not a URL", with(ok, "S3_ENDPOINT", "127.0.0.1:9000"), "S3_ENDPOINT"},
		{"endpoint with a path", with(ok, "S3_ENDPOINT", "http://127.0.0.1:9000/bucket"), "S3_ENDPOINT"},
		{"public endpoint with a path", with(ok, "S3_PUBLIC_ENDPOINT", "http://localhost:9000/b"), "S3_PUBLIC_ENDPOINT"},
		{"public endpoint not a URL", with(ok, "S3_PUBLIC_ENDPOINT", "localhost"), "S3_PUBLIC_ENDPOINT"},
		{"key id without secret", with(ok, "S3_ACCESS_KEY_ID", "id"), "S3_SECRET_ACCESS_KEY"},
		{"secret without key id", with(ok, "S3_SECRET_ACCESS_KEY", "s"), "S3_SECRET_ACCESS_KEY"},
		{"zero retries", with(ok, "S3_MAX_RETRIES", "0"), "S3_MAX_RETRIES"},
		{"path style not a bool", with(ok, "S3_USE_PATH_STYLE", "maybe"), "S3_USE_PATH_STYLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c blob.Config
			err := config.ParseEnv(&c, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("err = %v, want one naming %s", err, tt.key)
			}
		})
	}
}

func TestConfigSecretIsMasked(t *testing.T) {
	t.Parallel()
	var c blob.Config
	err := config.ParseEnv(&c, map[string]string{
		"S3_ENDPOINT": "http://127.0.0.1:9000", "S3_BUCKET": "b", "S3_SECRET_ACCESS_KEY": "hunter2-secret",
	})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v: want a problem that does not print the secret", err)
	}
}

func TestProdRefusesInsecureTLS(t *testing.T) {
	t.Parallel()
	c := blob.Config{InsecureSkipVerify: true}
	if err := c.RefuseInsecure(); err == nil || !strings.Contains(err.Error(), "S3_INSECURE_SKIP_VERIFY") {
		t.Fatalf("RefuseInsecure = %v", err)
	}
	if err := (blob.Config{}).RefuseInsecure(); err != nil {
		t.Fatalf("RefuseInsecure of a safe configuration = %v", err)
	}
}

// TestDisabledAnswersNotConfigured: every call of the stand-in says why.
func TestDisabledAnswersNotConfigured(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var d blob.Disabled
	_, errPut := d.Put(ctx, "k", strings.NewReader(""), 0, blob.PutOptions{})
	_, errGet := d.Get(ctx, "k")
	_, errStat := d.Stat(ctx, "k")
	_, errPG := d.PresignGet(ctx, "k", time.Minute, blob.GetOptions{})
	_, errPP := d.PresignPut(ctx, "k", 1, time.Minute, blob.PutOptions{})
	for i, err := range []error{errPut, errGet, errStat, d.Delete(ctx, "k"), errPG, errPP, d.Check(ctx)} {
		if !errors.Is(err, blob.ErrNotConfigured) {
			t.Errorf("call %d: %v, want ErrNotConfigured", i, err)
		}
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range m {
		if key != k {
			out[key] = val
		}
	}
	return out
}
