package main

import "testing"

func TestDocsURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr, want string
	}{
		{":8080", "http://localhost:8080/docs"},
		{"0.0.0.0:9000", "http://localhost:9000/docs"},
		{"[::]:8080", "http://localhost:8080/docs"},
		{"127.0.0.1:8081", "http://127.0.0.1:8081/docs"},
		{"[::1]:8080", "http://[::1]:8080/docs"},
		{"api.internal:80", "http://api.internal:80/docs"},
	}
	for _, tt := range tests {
		if got := docsURL(tt.addr); got != tt.want {
			t.Errorf("docsURL(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
