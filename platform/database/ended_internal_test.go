//go:build unix

package database

import (
	"net"
	"testing"
)

// TestEnded: an idle connection to which the peer wrote nothing is alive;
// one on which the peer wrote (a FATAL message) or which it closed has
// ended; and reading it never blocks.
func TestEnded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		peer  func(net.Conn)
		ended bool
	}{
		{"idle", func(net.Conn) {}, false},
		{"a message waiting", func(c net.Conn) { _, _ = c.Write([]byte("E")) }, true},
		{"closed", func(c net.Conn) { _ = c.Close() }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			client, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			server, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer server.Close()

			tt.peer(server) // on loopback, delivered when the call returns
			if got := ended(client); got != tt.ended {
				t.Errorf("ended = %v, want %v", got, tt.ended)
			}
		})
	}
}
