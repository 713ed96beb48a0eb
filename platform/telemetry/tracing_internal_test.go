package telemetry

import "testing"

func TestTracesURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"http://collector:4318", "http://collector:4318/v1/traces"},
		{"http://collector:4318/", "http://collector:4318/v1/traces"},
		{"https://otlp.example.com/otlp", "https://otlp.example.com/otlp/v1/traces"},
		{"collector:4318", "http://collector:4318/v1/traces"},
	}
	for _, tt := range tests {
		got, err := tracesURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("tracesURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
