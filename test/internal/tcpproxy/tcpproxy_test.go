package tcpproxy_test

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/internal/tcpproxy"
)

// echo starts a line echo server and returns its address.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(conn net.Conn) error {
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("ping\n")); err != nil {
		return err
	}
	_, err := bufio.NewReader(conn).ReadString('\n')
	return err
}

func TestProxy_ForwardsCutsAndRestores(t *testing.T) {
	t.Parallel()
	p := tcpproxy.Start(t, echo(t))

	before, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	if err := roundTrip(before); err != nil {
		t.Fatalf("forwarding: %v", err)
	}

	p.Cut()
	if err := roundTrip(before); err == nil {
		t.Error("an open connection survived the cut")
	}
	during, err := net.Dial("tcp", p.Addr())
	if err == nil {
		if err := roundTrip(during); err == nil {
			t.Error("a new connection was forwarded while cut")
		}
		_ = during.Close()
	}

	p.Restore()
	after, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	if err := roundTrip(after); err != nil {
		t.Errorf("not forwarding after restore: %v", err)
	}
}
