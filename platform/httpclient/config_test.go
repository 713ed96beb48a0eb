package httpclient_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpclient"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	var c httpclient.Config
	if err := config.ParseEnv(&c, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	want := httpclient.Config{
		ConnectTimeout:        3 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		Timeout:               15 * time.Second,
		MaxRetries:            2,
		BackoffBase:           100 * time.Millisecond,
		BackoffMax:            2 * time.Second,
	}
	if c != want {
		t.Fatalf("parsed %+v, want %+v", c, want)
	}
}

func TestConfigRefusesBadValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, value string
	}{
		{"zero timeout", "HTTP_CLIENT_TIMEOUT", "0s"},
		{"negative retries", "HTTP_CLIENT_MAX_RETRIES", "-1"},
		{"too many retries", "HTTP_CLIENT_MAX_RETRIES", "50"},
		{"not a duration", "HTTP_CLIENT_CONNECT_TIMEOUT", "soon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c httpclient.Config
			err := config.ParseEnv(&c, map[string]string{tt.key: tt.value})
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("err = %v, want one naming %s", err, tt.key)
			}
		})
	}
}

func TestModuleProvidesTheClient(t *testing.T) {
	t.Setenv("HTTP_CLIENT_TIMEOUT", "7s")
	var client *http.Client
	app := fxtest.New(t,
		fx.Supply(config.Config{}),
		httpclient.Module,
		fx.Populate(&client),
	)
	app.RequireStart().RequireStop()
	if client == nil || client.Timeout != 7*time.Second {
		t.Fatalf("client = %+v", client)
	}
}
